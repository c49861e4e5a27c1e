"""Fox ESS mapping: which client call each command becomes, and when it needs writing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from custom_components.ems.core.control import SetMinSoc, SetMode
from custom_components.ems.core.control.foxess import (
    Currents,
    FoxEssCall,
    FoxEssCallKind,
    FoxEssReport,
    foxess_call,
    needs_write,
    with_currents,
)
from custom_components.ems.core.inverters.foxess import WorkMode
from custom_components.ems.planner import InverterMode

CHARGE = FoxEssCallKind.FORCE_CHARGE
DISCHARGE = FoxEssCallKind.FORCE_DISCHARGE


@pytest.mark.parametrize(
    ("command", "pv_kw", "load_kw", "expected"),
    [
        # Battery 3 kW in, no sun: import 3 kW.
        (
            SetMode(mode=InverterMode.FORCE_CHARGE, power_kw=3.0),
            0.0,
            0.8,
            (CHARGE, 3000),
        ),
        # 1 kW of PV covers part of it: import only 2 kW.
        (
            SetMode(mode=InverterMode.FORCE_CHARGE, power_kw=3.0),
            1.0,
            0.8,
            (CHARGE, 2000),
        ),
        # More PV than the battery takes: the inverter exports the rest.
        (
            SetMode(mode=InverterMode.FORCE_CHARGE, power_kw=3.0),
            4.5,
            0.8,
            (DISCHARGE, 1500),
        ),
        # Discharge 2 kW on top of 1 kW PV: 3 kW out of the inverter.
        (
            SetMode(mode=InverterMode.FORCE_DISCHARGE, power_kw=2.0),
            1.0,
            0.8,
            (DISCHARGE, 3000),
        ),
        # Zero export, curtailing: the inverter supplies the load and no more.
        (SetMode(mode=InverterMode.ZERO_EXPORT), 4.0, 1.2, (DISCHARGE, 1200)),
    ],
)
def test_remote_control_power_is_the_inverter_ac_power(
    command: SetMode,
    pv_kw: float | None,
    load_kw: float,
    expected: tuple[FoxEssCallKind, int],
) -> None:
    """Remote control sets AC power: PV minus the wanted battery power (+ export)."""
    call = foxess_call(command, pv_kw=pv_kw, load_kw=load_kw, curtail=True)
    assert (call.kind, call.power_w) == expected
    battery_w = round((pv_kw or 0.0) * 1000) - (call.active_power_w or 0)
    if command.mode is InverterMode.FORCE_CHARGE:
        assert battery_w == 3000


@pytest.mark.parametrize("pv_kw", [0.0, 2.5, None])
def test_hold_is_no_setpoint_but_the_battery_limits(pv_kw: float | None) -> None:
    """Hold never sets an AC power (0 W curtails PV on an H3-Smart): Self Use, 0 A limits."""
    call = foxess_call(SetMode(mode=InverterMode.HOLD), pv_kw=pv_kw, load_kw=0.8)
    assert call.kind is FoxEssCallKind.HOLD
    assert call.work_mode is WorkMode.SELF_USE
    assert call.active_power_w is None


def test_zero_export_is_self_use_until_the_battery_is_full() -> None:
    """While the battery takes the surplus self use stores it; else curtail to the load."""
    zero = SetMode(mode=InverterMode.ZERO_EXPORT)
    room = foxess_call(zero, pv_kw=4.0, load_kw=1.2, curtail=False)
    assert room.kind is FoxEssCallKind.SELF_USE
    full = foxess_call(zero, pv_kw=4.0, load_kw=1.2, curtail=True)
    assert (full.kind, full.power_w) == (DISCHARGE, 1200)


def test_self_use_and_min_soc_calls() -> None:
    """Self-use is the Self Use work mode; the floor is the min SoC on grid."""
    self_use = foxess_call(SetMode(mode=InverterMode.SELF_USE), pv_kw=1.0, load_kw=0.5)
    assert self_use.kind is FoxEssCallKind.SELF_USE
    assert self_use.work_mode is WorkMode.SELF_USE
    assert self_use.active_power_w is None
    floor = foxess_call(SetMinSoc(percent=20), pv_kw=None, load_kw=None)
    assert (floor.kind, floor.percent) == (FoxEssCallKind.MIN_SOC_ON_GRID, 20)


REMOTE_ON = FoxEssReport(
    work_mode=WorkMode.BACK_UP,
    remote_enabled=True,
    active_power_w=-2000,
    min_soc_on_grid_percent=15,
)


HOLDING = FoxEssReport(
    work_mode=WorkMode.SELF_USE,
    remote_enabled=False,
    charge_current_a=0.0,
    discharge_current_a=0.0,
    holding=True,
)


@pytest.mark.parametrize(
    ("call", "report", "expected"),
    [
        (FoxEssCall(kind=CHARGE, power_w=2000), REMOTE_ON, False),
        (FoxEssCall(kind=CHARGE, power_w=2080), REMOTE_ON, False),
        (FoxEssCall(kind=CHARGE, power_w=2500), REMOTE_ON, True),
        (FoxEssCall(kind=DISCHARGE, power_w=2000), REMOTE_ON, True),
        # The watchdog expired: remote control is off, so write again.
        (
            FoxEssCall(kind=CHARGE, power_w=2000),
            FoxEssReport(work_mode=WorkMode.BACK_UP, remote_enabled=False),
            True,
        ),
        (FoxEssCall(kind=FoxEssCallKind.SELF_USE), REMOTE_ON, True),
        (
            FoxEssCall(kind=FoxEssCallKind.SELF_USE),
            FoxEssReport(work_mode=WorkMode.SELF_USE, remote_enabled=False),
            False,
        ),
        (
            FoxEssCall(kind=FoxEssCallKind.SELF_USE),
            FoxEssReport(work_mode=WorkMode.FEED_IN_FIRST, remote_enabled=False),
            True,
        ),
        (FoxEssCall(kind=FoxEssCallKind.MIN_SOC_ON_GRID, percent=15), REMOTE_ON, False),
        (FoxEssCall(kind=FoxEssCallKind.MIN_SOC_ON_GRID, percent=20), REMOTE_ON, True),
        # Another program's remote control: self use leaves it and its work mode alone.
        (
            FoxEssCall(kind=FoxEssCallKind.SELF_USE),
            FoxEssReport(
                work_mode=WorkMode.BACK_UP, remote_enabled=True, remote_ours=False
            ),
            False,
        ),
        # A hold in force: self use and remote control put the currents back.
        (FoxEssCall(kind=FoxEssCallKind.SELF_USE), HOLDING, True),
        (FoxEssCall(kind=CHARGE, power_w=2000), HOLDING, True),
        (FoxEssCall(kind=FoxEssCallKind.HOLD), HOLDING, False),
        (
            FoxEssCall(kind=FoxEssCallKind.HOLD),
            FoxEssReport(
                work_mode=WorkMode.SELF_USE,
                remote_enabled=False,
                charge_current_a=50.0,
                discharge_current_a=50.0,
            ),
            True,
        ),
    ],
)
def test_needs_write_only_when_the_inverter_differs(
    call: FoxEssCall, report: FoxEssReport, expected: bool
) -> None:
    """A call is written when the report differs beyond 100 W; otherwise only kept alive."""
    assert needs_write(call, report) is expected


OWN = Currents(charge_a=25.0, discharge_a=25.0)


@pytest.mark.parametrize(
    ("caps", "battery_v", "expected"),
    [
        # 1.2 kW at 240 V is 5 A; the discharge current stays the user's.
        ((1.2, None), 240.0, Currents(charge_a=5.0, discharge_a=25.0)),
        # Rounded down to the register's 0.1 A, so the cap is never exceeded.
        ((1.0, None), 312.0, Currents(charge_a=3.2, discharge_a=25.0)),
        # Never above the user's own current.
        ((None, 20.0), 240.0, OWN),
        # 0 is exact without a voltage; another cap without one leaves the user's.
        ((None, 0.0), None, Currents(charge_a=25.0, discharge_a=0.0)),
        ((1.2, None), None, OWN),
    ],
)
def test_self_use_caps_become_current_limits(
    caps: tuple[float | None, float | None],
    battery_v: float | None,
    expected: Currents,
) -> None:
    """A capped self use sets Self Use with the currents its caps come to."""
    command = SetMode(
        mode=InverterMode.SELF_USE, max_charge_kw=caps[0], max_discharge_kw=caps[1]
    )
    call = foxess_call(command, pv_kw=4.0, load_kw=0.5)
    assert call.kind is FoxEssCallKind.SELF_USE_CAPPED
    assert call.work_mode is WorkMode.SELF_USE
    resolved = with_currents(call, own=OWN, battery_v=battery_v)
    assert resolved.currents == expected


def test_a_capped_self_use_is_rewritten_only_when_the_current_moved() -> None:
    """The voltage drifts: a current within 0.5 A of the wanted one is left alone."""
    call = with_currents(
        foxess_call(
            SetMode(mode=InverterMode.SELF_USE, max_charge_kw=1.2),
            pv_kw=4.0,
            load_kw=0.5,
        ),
        own=OWN,
        battery_v=240.0,
    )
    report = FoxEssReport(
        work_mode=WorkMode.SELF_USE,
        remote_enabled=False,
        charge_current_a=5.3,
        discharge_current_a=25.0,
        holding=True,
    )
    assert not needs_write(call, report)
    assert needs_write(call, replace(report, charge_current_a=6.0))
    assert needs_write(call, replace(report, work_mode=WorkMode.BACK_UP))
