"""Settings commands: registers written, write only if changed, read-back verification."""

from __future__ import annotations

from datetime import time

import pytest

from custom_components.ems.core.inverters.foxess import (
    ChargePeriod,
    InverterProtocolError,
    UnsupportedFeatureError,
    WorkMode,
)

from .conftest import ClientFactory, SimulatorFactory


@pytest.mark.parametrize(
    ("model", "address", "values"),
    [
        (
            "KH",
            41000,
            {WorkMode.SELF_USE: 0, WorkMode.FEED_IN_FIRST: 1, WorkMode.BACK_UP: 2},
        ),
        (
            "H3",
            41000,
            {WorkMode.SELF_USE: 0, WorkMode.FEED_IN_FIRST: 1, WorkMode.BACK_UP: 2},
        ),
        (
            "H3-Pro",
            49203,
            {WorkMode.SELF_USE: 1, WorkMode.FEED_IN_FIRST: 2, WorkMode.BACK_UP: 3},
        ),
    ],
)
async def test_work_mode_registers(
    start_simulator: SimulatorFactory,
    client_for: ClientFactory,
    model: str,
    address: int,
    values: dict[WorkMode, int],
) -> None:
    """Each work mode lands in the model's work-mode register with the model's value."""
    simulator = await start_simulator(model=model)
    client = client_for(simulator)
    for mode in (WorkMode.FEED_IN_FIRST, WorkMode.BACK_UP, WorkMode.SELF_USE):
        assert await client.async_set_work_mode(mode)
        assert simulator.holding(address) == values[mode]
        assert (await client.async_read_settings()).work_mode is mode


async def test_write_only_if_changed(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """Setting what the inverter already reports writes nothing."""
    simulator = await start_simulator(model="KH")
    client = client_for(simulator)
    assert not await client.async_set_work_mode(WorkMode.SELF_USE)
    assert not await client.async_set_min_soc(10)
    assert simulator.writes == []
    assert await client.async_set_min_soc(15)
    assert not await client.async_set_min_soc(15)
    assert simulator.writes == [(41009, (15,))]


async def test_limits_registers(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """Min SoC 41009, min SoC on grid 41011, currents in 0.1 A at 41007/41008 (KH, H1, H3)."""
    simulator = await start_simulator(model="H3")
    client = client_for(simulator)
    await client.async_set_min_soc(20)
    await client.async_set_min_soc_on_grid(30)
    await client.async_set_max_charge_current(25.5)
    await client.async_set_max_discharge_current(12)
    assert [simulator.holding(a) for a in (41007, 41008, 41009, 41011)] == [
        255,
        120,
        20,
        30,
    ]
    settings = await client.async_read_settings()
    assert (settings.max_charge_current_a, settings.max_discharge_current_a) == (
        25.5,
        12.0,
    )
    assert (settings.min_soc_percent, settings.min_soc_on_grid_percent) == (20, 30)


async def test_h3_pro_limits_registers(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """H3-Pro/Smart keep the same settings at 46607-46611."""
    simulator = await start_simulator(model="H3-Pro")
    client = client_for(simulator)
    await client.async_set_max_charge_current(30)
    await client.async_set_min_soc(15)
    await client.async_set_min_soc_on_grid(25)
    assert [simulator.holding(a) for a in (46607, 46609, 46611)] == [300, 15, 25]


async def test_out_of_range_values(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """Values outside 0-100 % never leave the client; the inverter refuses what it does not accept."""
    simulator = await start_simulator(model="KH")
    client = client_for(simulator)
    with pytest.raises(ValueError, match="0-100"):
        await client.async_set_min_soc(120)
    with pytest.raises(InverterProtocolError) as caught:
        await client.async_set_min_soc(5)  # the KH accepts 10-100
    # ILLEGAL_VALUE; a pymodbus 3.8 server cannot answer it, so the value just does not read back
    assert caught.value.exception_code == (
        None if simulator.refuses_only_with_illegal_address else 3
    )
    assert simulator.holding(41009) == 10


async def test_read_back_mismatch_retries_then_raises(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """A register that does not take the value is written twice, then reported."""
    simulator = await start_simulator(model="KH")
    simulator.stick(41000)
    with pytest.raises(InverterProtocolError, match="41000"):
        await client_for(simulator).async_set_work_mode(WorkMode.BACK_UP)
    assert simulator.writes == [(41000, (2,)), (41000, (2,))]


async def test_charge_periods_written_in_one_block(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """H1-G2 charge periods: 41001-41006 as enable, hour*256+minute start and end, one block."""
    simulator = await start_simulator(model="H1-G2")
    client = client_for(simulator)
    periods = [ChargePeriod(enabled=True, start=time(2, 0), end=time(5, 30))]
    assert await client.async_set_charge_periods(periods)
    assert simulator.writes == [(41001, (1, 512, 1310, 0, 0, 0))]
    assert not await client.async_set_charge_periods(periods)
    assert len(simulator.writes) == 1
    assert (await client.async_read_charge_periods())[0] == periods[0]


async def test_no_charge_periods_on_kh(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """The KH has no readable charge periods (41001-41006 must not be read): refused."""
    simulator = await start_simulator(model="KH")
    with pytest.raises(UnsupportedFeatureError):
        await client_for(simulator).async_set_charge_periods([])
    assert simulator.writes == []
