"""Model and firmware detection picks the right register profile."""

from __future__ import annotations

import pytest

from custom_components.ems.core.inverters.foxess import (
    ModelMismatchError,
    UnsupportedModelError,
)

from .conftest import ClientFactory, SimulatorFactory


@pytest.mark.parametrize(
    ("model", "firmware", "model_string", "profile", "serial"),
    [
        ("KH", "1.33", "KH10.5", "KH_133", "SIMFOX0001"),
        ("KH", "1.25", "KH10.5", "KH_PRE133", None),
        ("KH", "1.18", "KH10.5", "KH_PRE119", None),
        ("H3", "1.80", "H3-10.0-E", "H3", None),
        ("H1-G1", "1.50", "H1-5.0-E", "H1_G1", None),
        ("H1-G2", "1.44", "H1-5.0-E-G2", "H1_G2", "SIMFOX0001"),
        ("H3-Pro", "1.22", "H3-Pro-15.0", "H3_PRO", "SIMFOX0001"),
        ("H3-Smart", "1.05", "H3-10.0-Smart", "H3_SMART", "SIMFOX0001"),
    ],
)
async def test_identify_picks_profile_by_model_and_firmware(
    start_simulator: SimulatorFactory,
    client_for: ClientFactory,
    model: str,
    firmware: str,
    model_string: str,
    profile: str,
    serial: str | None,
) -> None:
    """The model string (one or two characters per register) and firmware select the profile."""
    simulator = await start_simulator(model=model, firmware=firmware)
    info = await client_for(simulator).async_identify()
    assert (info.model, info.profile, info.firmware, info.serial) == (
        model_string,
        profile,
        firmware,
        serial,
    )


async def test_h3_model_string_with_leading_space(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """The H3 pads its model string with a leading space; registers hold one character each."""
    simulator = await start_simulator(model="H3")
    assert simulator.holding(30000) == ord(" ")
    assert simulator.holding(30001) == ord("H")
    assert (await client_for(simulator).async_identify()).model == "H3-10.0-E"


async def test_unknown_model_is_unsupported(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """A model string no profile matches raises UnsupportedModelError naming it."""
    simulator = await start_simulator(model="KH")
    simulator.set_model_string("SOLAX-X1-5.0")
    with pytest.raises(UnsupportedModelError) as caught:
        await client_for(simulator).async_identify()
    assert caught.value.model == "SOLAX-X1-5.0"


async def test_configured_model_must_match(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """A different inverter at the configured address is refused before anything is written."""
    simulator = await start_simulator(model="H3")
    client = client_for(simulator, expected_model="KH10.5")
    with pytest.raises(ModelMismatchError) as caught:
        await client.async_set_min_soc(20)
    assert (caught.value.expected, caught.value.actual) == ("KH10.5", "H3-10.0-E")
    assert simulator.writes == []


async def test_firmware_override_selects_kh_profile(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """A firmware given in the configuration wins over detection."""
    simulator = await start_simulator(model="KH", firmware="1.33")
    info = await client_for(simulator, firmware="1.20").async_identify()
    assert (info.profile, info.firmware) == ("KH_PRE133", "1.20")
