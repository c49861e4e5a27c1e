"""Force charge / discharge through remote control: registers, watchdog, release and start-up cleanup."""

from __future__ import annotations

import pytest

from custom_components.ems.core.inverters.foxess import LeftoverRemoteControl, WorkMode

from .conftest import WATCHDOG_SECONDS, ClientFactory, SimulatorFactory


async def test_kh_force_charge_registers_and_order(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """Self use stays the fallback; then watchdog timeout, the power (- import), enable last.

    The power goes first so that enabling never runs a power left from before.
    """
    simulator = await start_simulator(model="KH")
    await client_for(simulator).async_force_charge(3000)
    assert simulator.holding(41000) == 0
    assert simulator.writes == [
        (44001, (WATCHDOG_SECONDS,)),
        (44002, ((-3000) & 0xFFFF,)),
        (44000, (1,)),
    ]


async def test_h3_force_discharge_is_32_bit(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """H3: fallback self use; power as one 32-bit block, high word at 44002."""
    simulator = await start_simulator(model="H3")
    client = client_for(simulator)
    await client.async_force_discharge(70000)
    assert simulator.holding(41000) == 0
    assert (simulator.holding(44002), simulator.holding(44003)) == (1, 70000 - 65536)
    await client.async_force_charge(3000)
    assert (simulator.holding(44002), simulator.holding(44003)) == (
        0xFFFF,
        (-3000) & 0xFFFF,
    )
    assert simulator.holding(41000) == 0


async def test_h3_pro_remote_registers(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """H3-Pro/Smart: work mode 49203 (1 self use), enable 46001, timeout 46002, power 46003-46004."""
    simulator = await start_simulator(model="H3-Pro")
    await client_for(simulator).async_force_charge(5000)
    assert [simulator.holding(a) for a in (49203, 46001, 46002, 46003, 46004)] == [
        1,
        1,
        WATCHDOG_SECONDS,
        0xFFFF,
        (-5000) & 0xFFFF,
    ]


@pytest.mark.parametrize("model", ["KH", "H3"])
async def test_battery_follows_remote_power(
    start_simulator: SimulatorFactory, client_for: ClientFactory, model: str
) -> None:
    """At night a 3 kW force charge charges the battery by 3 kW; a force discharge empties it."""
    simulator = await start_simulator(
        model=model, start_hour=22.0, soc_percent=50.0, capacity_kwh=10.0
    )
    client = client_for(simulator)
    await client.async_force_charge(3000)
    simulator.advance(60)
    telemetry = await client.async_read_telemetry()
    assert telemetry.battery_kw == pytest.approx(3.0, abs=0.01)
    assert telemetry.grid_kw > 3.0  # import covers the battery and the house
    assert simulator.soc_percent == pytest.approx(
        50.5, abs=0.01
    )  # 3 kW for a minute on 10 kWh
    await client.async_force_discharge(2000)
    await client.async_keep_alive()
    simulator.advance(60)
    assert (await client.async_read_telemetry()).battery_kw == pytest.approx(
        -2.0, abs=0.01
    )
    assert simulator.soc_percent < 50.5


async def test_keep_alive_holds_off_the_watchdog(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """Re-writing the power every period keeps remote control on past the watchdog timeout."""
    simulator = await start_simulator(model="KH")
    client = client_for(simulator)
    await client.async_force_charge(2000)
    writes = len(simulator.writes)
    for _ in range(3):
        simulator.advance(WATCHDOG_SECONDS * 0.75)
        state = await client.async_keep_alive()
        assert state is not None and state.enabled
    assert (
        simulator.writes[writes:] == [(44002, ((-2000) & 0xFFFF,))] * 3
    )  # only the power
    assert simulator.remote_control_enabled


async def test_watchdog_expiry_falls_back_to_work_mode(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """Without keep-alive the watchdog expires and the inverter runs in self use; keep-alive resumes."""
    simulator = await start_simulator(model="KH", start_hour=22.0)
    client = client_for(simulator)
    await client.async_force_charge(3000)
    simulator.advance(WATCHDOG_SECONDS + 1)
    assert not simulator.remote_control_enabled
    assert simulator.work_mode is WorkMode.SELF_USE
    telemetry = await client.async_read_telemetry()
    assert telemetry.battery_kw < 0  # self use at night: the battery covers the load
    state = await client.async_keep_alive()
    assert state is not None and state.enabled and state.active_power_w == -3000


async def test_release_disables_what_we_enabled(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """Releasing remote control turns it off and returns the inverter to self use."""
    simulator = await start_simulator(model="KH")
    client = client_for(simulator)
    await client.async_force_discharge(2500)
    await client.async_release_remote_control()
    assert (simulator.holding(44000), simulator.holding(41000)) == (0, 0)
    assert await client.async_keep_alive() is None


async def test_release_leaves_foreign_remote_control(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """Remote control someone else enabled (the Fox app's schedules use it) is not disabled."""
    simulator = await start_simulator(model="KH")
    simulator.set_holding(44001, 600)
    simulator.set_holding(44000, 1)
    client = client_for(simulator)
    await client.async_release_remote_control(work_mode=None)
    assert simulator.holding(44000) == 1
    assert simulator.writes == []
    assert (
        await client.async_read_leftover_remote_control()
        is LeftoverRemoteControl.FOREIGN
    )
    assert simulator.holding(44000) == 1


async def test_restart_during_force_charge(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """After a restart mid-charge the new client recognises its own remote control and ends it."""
    simulator = await start_simulator(model="KH")
    before_restart = client_for(simulator)
    await before_restart.async_force_charge(3000)
    await before_restart.async_close()  # Home Assistant stops without releasing
    after_restart = client_for(simulator)
    assert (
        await after_restart.async_read_leftover_remote_control()
        is LeftoverRemoteControl.OURS
    )
    assert await after_restart.async_release_remote_control() is True
    assert (simulator.holding(44000), simulator.holding(41000)) == (0, 0)
    assert (
        await after_restart.async_read_leftover_remote_control()
        is LeftoverRemoteControl.NONE
    )


async def test_unattended_force_charge_expires(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """If `ems` never comes back, the watchdog ends the force charge by itself."""
    simulator = await start_simulator(model="H3")
    client = client_for(simulator)
    await client.async_force_charge(3000)
    await client.async_close()
    simulator.advance(WATCHDOG_SECONDS + 1)
    assert not simulator.remote_control_enabled
