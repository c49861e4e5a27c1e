"""Fox ESS mapping: which client call each command becomes, and when it needs writing."""

from __future__ import annotations

import pytest

from custom_components.ems.core.control import SetMinSoc, SetMode
from custom_components.ems.core.control.foxess import (
    FoxEssCall,
    FoxEssCallKind,
    FoxEssReport,
    foxess_call,
    needs_write,
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
