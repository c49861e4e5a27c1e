"""What real inverters do that their registers do not show, simulated, and how EMS copes.

Each behaviour reported for real hardware is shown by the simulator first, then met by
the Fox ESS link: a hold that keeps PV on an H3-Smart (a 0 W set-point curtails it), the
battery limits a hold leaves put back, also after a restart, and another program's
remote control left alone.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from custom_components.ems.core.control import (
    ControllerMemory,
    ControlSettings,
    Decision,
    Layer,
    SetMinSoc,
    SetMode,
)
from custom_components.ems.core.control.link import ControlRun, FoxEssLink, LinkError
from custom_components.ems.core.control.verify import Outcome, judge
from custom_components.ems.core.inverters.foxess import WorkMode
from custom_components.ems.planner import InverterMode
from simulator import FoxEssSimulator
from tests.control.helpers import LIMITS

from .conftest import ClientFactory, SimulatorFactory

NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _run(
    mode: InverterMode,
    power_kw: float | None = None,
    *,
    caps: tuple[float | None, float | None] = (None, None),
    **house: float,
) -> ControlRun:
    command = SetMode(
        mode=mode, power_kw=power_kw, max_charge_kw=caps[0], max_discharge_kw=caps[1]
    )
    return ControlRun(
        now=NOON,
        decision=Decision(
            commands=(SetMinSoc(percent=10), command),
            layer=Layer.PLAN,
            reason="test",
            memory=ControllerMemory(),
        ),
        plan=None,
        override=None,
        settings=ControlSettings(limits=LIMITS, min_soc_percent=10.0),
        pv_kw=house.get("pv_kw", 0.0),
        load_kw=house.get("load_kw", 0.5),
        soc_percent=house.get("soc_percent", 50.0),
    )


def _currents(simulator: FoxEssSimulator) -> tuple[int, int]:
    settings = simulator.profile.settings
    return (
        simulator.holding(settings.max_charge_current),
        simulator.holding(settings.max_discharge_current),
    )


@pytest.mark.parametrize(("model", "curtails"), [("H3-Smart", True), ("KH", False)])
async def test_a_zero_watt_setpoint_curtails_pv_on_the_h3_smart(
    start_simulator: SimulatorFactory,
    client_for: ClientFactory,
    model: str,
    curtails: bool,
) -> None:
    """Remote control at 0 W: the H3-Smart cuts PV to nothing, a KH stores the surplus."""
    simulator = await start_simulator(model=model, start_hour=12.0, time_scale=0.0)
    client = client_for(simulator)
    await client.async_force_discharge(0)
    telemetry = await client.async_read_telemetry()
    if curtails:
        assert telemetry.pv_kw == 0.0
        assert telemetry.battery_kw == 0.0
    else:
        assert telemetry.pv_kw == 4.0
        assert telemetry.battery_kw > 3.0


async def test_hold_keeps_pv_and_gives_the_limits_back(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """EMS holds an H3-Smart with its current limits: the battery stays, PV is exported."""
    simulator = await start_simulator(model="H3-Smart", start_hour=12.0, time_scale=0.0)
    link = FoxEssLink(client_for(simulator))
    before = _currents(simulator)
    await link.async_apply(_run(InverterMode.HOLD, pv_kw=4.0), write=True)
    measured = await link.async_measure()
    assert measured is not None
    assert measured.battery_kw == 0.0
    assert measured.pv_kw == 4.0, "PV is not curtailed"
    assert measured.grid_kw is not None
    assert measured.grid_kw < -3.0, "the surplus goes to the grid"
    assert _currents(simulator) == (0, 0)
    assert not simulator.remote_control_enabled
    assert simulator.work_mode is WorkMode.SELF_USE

    await link.async_apply(_run(InverterMode.SELF_USE), write=True)
    assert _currents(simulator) == before
    measured = await link.async_measure()
    assert measured is not None
    assert measured.battery_kw is not None
    assert measured.battery_kw > 3.0, "self use stores the surplus again"


async def test_a_charge_cap_stores_part_of_the_surplus_and_exports_the_rest(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """Self use capped at 1 kW: the charge current comes from the battery's voltage."""
    simulator = await start_simulator(model="KH", start_hour=12.0, time_scale=0.0)
    link = FoxEssLink(client_for(simulator))
    before = _currents(simulator)
    wrote = await link.async_apply(
        _run(InverterMode.SELF_USE, caps=(1.0, None), pv_kw=4.0), write=True
    )
    # 1 kW at the simulated 200 V battery is 5.0 A (register in 0.1 A).
    assert _currents(simulator) == (50, before[1])
    assert wrote == ("work mode self use, battery charge at most 1 kW (5 A)",)
    measured = await link.async_measure()
    assert measured is not None
    assert measured.battery_kw == 1.0
    assert measured.grid_kw is not None
    assert measured.grid_kw < -2.0, "the rest of the surplus is exported"
    verdict = judge(
        SetMode(mode=InverterMode.SELF_USE, max_charge_kw=1.0),
        measured,
        LIMITS,
        floor_percent=10.0,
        execution=link.execution,
    )
    assert verdict.outcome is Outcome.CARRIED_OUT

    # A cap above the user's own current leaves the user's current.
    await link.async_apply(
        _run(InverterMode.SELF_USE, caps=(None, 40.0), pv_kw=4.0), write=True
    )
    assert _currents(simulator) == before
    await link.async_apply(_run(InverterMode.SELF_USE), write=True)
    assert _currents(simulator) == before
    assert link.memory() == {}


async def test_no_discharging_keeps_the_battery_for_later_at_night(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """Self use with discharging capped at 0: the house imports, the battery waits."""
    simulator = await start_simulator(model="KH", start_hour=0.0, time_scale=0.0)
    link = FoxEssLink(client_for(simulator))
    await link.async_apply(_run(InverterMode.SELF_USE, caps=(None, 0.0)), write=True)
    assert _currents(simulator)[1] == 0
    measured = await link.async_measure()
    assert measured is not None
    assert measured.battery_kw == 0.0
    assert measured.grid_kw is not None
    assert measured.grid_kw > 0.0, "the house imports"
    assert link.memory(), "the user's currents are kept to be put back"


async def test_a_hold_left_by_a_crash_is_given_back_after_the_restart(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """The limits a hold replaced are remembered across a restart and put back."""
    simulator = await start_simulator(model="KH", time_scale=0.0)
    before = _currents(simulator)
    crashed = FoxEssLink(client_for(simulator))
    await crashed.async_apply(_run(InverterMode.HOLD), write=True)
    memory = crashed.memory()
    assert memory

    restarted = FoxEssLink(client_for(simulator))
    restarted.remember(memory)
    done = await restarted.async_start(control_enabled=False)
    assert done is not None
    assert "currents restored" in done
    assert _currents(simulator) == before
    assert restarted.memory() == {}


async def test_another_programs_remote_control_is_left_alone(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """Remote control with another watchdog: no command, no work mode, no disable."""
    simulator = await start_simulator(model="KH", time_scale=0.0)
    simulator.set_holding(41000, 2)  # back-up: the other program's fallback
    simulator.set_holding(44001, 30)
    simulator.set_holding(44000, 1)
    link = FoxEssLink(client_for(simulator))
    assert await link.async_start(control_enabled=True) is None
    with pytest.raises(LinkError, match="another program"):
        await link.async_apply(_run(InverterMode.FORCE_CHARGE, 2.0), write=True)
    with pytest.raises(LinkError, match="another program"):
        await link.async_apply(_run(InverterMode.HOLD), write=True)
    await link.async_apply(_run(InverterMode.SELF_USE), write=True)
    assert simulator.holding(44000) == 1
    assert simulator.work_mode is WorkMode.BACK_UP
    assert [address for address, _ in simulator.writes] in ([], [41011])


async def test_ignored_commands_and_derating_show_in_the_telemetry(
    start_simulator: SimulatorFactory, client_for: ClientFactory
) -> None:
    """A write that reads back is not an outcome: the telemetry tells what the battery did."""
    simulator = await start_simulator(model="KH", start_hour=0.0, time_scale=0.0)
    client = client_for(simulator)
    simulator.plant.ignores_commands = True
    await client.async_force_charge(3000)
    assert simulator.remote_control_enabled, "the write was taken and reads back"
    telemetry = await client.async_read_telemetry()
    assert telemetry.battery_kw < 0.0, "the battery runs self use: it covers the load"

    simulator.plant.ignores_commands = False
    simulator.plant.derate_w = 1500
    telemetry = await client.async_read_telemetry()
    assert telemetry.battery_kw == 1.5


@pytest.mark.parametrize(("soc", "curtails"), [(50.0, False), (100.0, True)])
async def test_zero_export_stores_the_surplus_and_curtails_only_when_full(
    start_simulator: SimulatorFactory,
    client_for: ClientFactory,
    soc: float,
    curtails: bool,
) -> None:
    """With room, self use takes the surplus; full, the output is held to the load."""
    simulator = await start_simulator(
        model="KH", start_hour=12.0, time_scale=0.0, soc_percent=soc
    )
    link = FoxEssLink(client_for(simulator))
    await link.async_apply(_run(InverterMode.ZERO_EXPORT), write=True)
    assert simulator.remote_control_enabled is curtails
    flows = simulator.flows()
    assert abs(flows.grid) < 1.0, "nothing is exported"
    assert (flows.pv < 4000.0) is curtails
