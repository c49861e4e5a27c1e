"""Model and firmware detection picks the right register profile."""

from __future__ import annotations

import pytest

from custom_components.ems.core.inverters.foxess import (
    InverterProtocolError,
    ModelMismatchError,
    RefusedModelError,
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
        # Sold under other names on the same registers (foxess_modbus lists them).
        ("SK-HWR", "1.80", "SK-HWR-8", "H3", None),
        ("Enpal", "1.05", "I-X10", "H3_SMART", "SIMFOX0001"),
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
        await client.async_set_min_soc_on_grid(20)
    assert (caught.value.expected, caught.value.actual) == ("KH10.5", "H3-10.0-E")
    assert simulator.writes == []


async def test_firmware_override_selects_kh_profile(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """A firmware given in the configuration wins over detection."""
    simulator = await start_simulator(model="KH", firmware="1.33")
    info = await client_for(simulator, firmware="1.20").async_identify()
    assert (info.profile, info.firmware) == ("KH_PRE133", "1.20")


@pytest.mark.parametrize(
    ("model", "reason"),
    [("AIO-H3", "aio_h3"), ("EVO", "evo"), ("H1-LAN", "h1_lan")],
)
async def test_models_ems_does_not_control_are_refused_with_the_reason(
    start_simulator: SimulatorFactory,
    client_for: ClientFactory,
    model: str,
    reason: str,
) -> None:
    """AIO-H3, EVO and an H1 on its own LAN port are refused by name, nothing written."""
    simulator = await start_simulator(model=model)
    with pytest.raises(RefusedModelError) as caught:
        await client_for(simulator).async_identify()
    assert caught.value.reason == reason
    assert simulator.writes == []


async def test_reads_fit_the_adapter(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """An adapter that answers 8 registers per read: EMS's default fits, 16 does not."""
    simulator = await start_simulator(model="H3-Smart", max_read=8)
    client = client_for(simulator)
    assert (await client.async_identify()).model == "H3-10.0-Smart"
    telemetry = await client.async_read_telemetry()
    assert telemetry.soc_percent == 50
    with pytest.raises(InverterProtocolError):
        await client_for(simulator, max_read=16).async_identify()
