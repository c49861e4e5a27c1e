"""Growatt SPH: three AC charge and three AC discharge periods from a plan."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from custom_components.ems.core.control.growatt_sph import (
    SphKind,
    SphPeriod,
    SphSchedule,
    SphTimes,
    sph_schedule,
    sph_times_from_response,
    sph_times_to_write,
)
from custom_components.ems.planner import InverterMode, Plan

from .helpers import SlotSpec, make_plan

TZ = ZoneInfo("Europe/London")
START = datetime(2026, 1, 15, 0, 0, tzinfo=TZ)
S, C, D = (
    InverterMode.SELF_USE,
    InverterMode.FORCE_CHARGE,
    InverterMode.FORCE_DISCHARGE,
)
IDLE = {
    "charge_power": 100,
    "charge_stop_soc": 100,
    "mains_enabled": False,
    "periods": [
        {"period_id": i, "start_time": "00:00", "end_time": "00:00", "enabled": False}
        for i in (1, 2, 3)
    ],
}


def _day(specs: dict[int, SlotSpec]) -> Plan:
    return make_plan(START, [specs.get(i, (S, 0.0)) for i in range(24)], minutes=60)


def _schedule(plan: Plan, now: datetime) -> SphSchedule:
    return sph_schedule(plan, now, TZ, max_charge_kw=4.0, max_discharge_kw=4.0)


# Charges at 01, 03, 05 and 07 h; discharges 17-19 h.
PLAN = _day(
    {
        1: (C, 3.0, 40.0),
        3: (C, 2.0, 60.0),
        5: (C, 2.0, 75.0),
        7: (C, 2.0, 90.0),
        17: (D, -4.0, 60.0),
        18: (D, -4.0, 35.0),
    }
)


def test_fourth_charge_block_is_dropped_and_discharge_merges() -> None:
    """Three charge periods fit; the fourth (07:00) is dropped and said so."""
    schedule = _schedule(PLAN, START + timedelta(minutes=5))
    assert [f"{b.start:%H:%M}-{b.end:%H:%M}" for b in schedule.charge] == [
        "01:00-02:00",
        "03:00-04:00",
        "05:00-06:00",
    ]
    assert [f"{b.start:%H:%M}-{b.end:%H:%M}" for b in schedule.discharge] == [
        "17:00-19:00"
    ]
    assert [f"{b.start:%H:%M}" for b in schedule.dropped] == ["07:00"]
    assert schedule.numbers.charge_power_percent == 75
    assert schedule.numbers.charge_stop_soc == 40
    assert schedule.numbers.discharge_stop_soc == 35


def test_charge_periods_are_written_ahead_with_the_service_fields() -> None:
    """At 00:30 the 01:00 period is due: all three periods go out in one call."""
    now = START + timedelta(minutes=30)
    current = sph_times_from_response(SphKind.CHARGE, IDLE)
    wanted = sph_times_to_write(_schedule(PLAN, now), current, now, TZ)
    assert wanted is not None
    assert wanted.service_data() == {
        "charge_power": 75,
        "charge_stop_soc": 40,
        "mains_enabled": True,
        "period_1_start": "01:00",
        "period_1_end": "02:00",
        "period_1_enabled": True,
        "period_2_start": "03:00",
        "period_2_end": "04:00",
        "period_2_enabled": True,
        "period_3_start": "05:00",
        "period_3_end": "06:00",
        "period_3_enabled": True,
    }
    assert sph_times_to_write(_schedule(PLAN, now), wanted, now, TZ) is None


def test_discharge_periods_wait_until_they_are_near() -> None:
    """At 00:30 the 17:00 discharge is far off; at 16:30 it is written."""
    idle = {**IDLE, "discharge_power": 100, "discharge_stop_soc": 10}
    current = sph_times_from_response(SphKind.DISCHARGE, idle)
    early = START + timedelta(minutes=30)
    assert sph_times_to_write(_schedule(PLAN, early), current, early, TZ) is None
    near = START + timedelta(hours=16, minutes=30)
    wanted = sph_times_to_write(_schedule(PLAN, near), current, near, TZ)
    assert wanted is not None
    assert wanted.periods[0] == SphPeriod(start=time(17), end=time(19), enabled=True)
    assert (wanted.power_percent, wanted.stop_soc) == (100, 35)
    assert "mains_enabled" not in wanted.service_data()


def test_a_period_in_force_that_is_wrong_is_fixed_at_once() -> None:
    """A charge period left running at 12:00 that the plan does not want is disabled now."""
    now = START + timedelta(hours=12, minutes=5)
    current = SphTimes(
        kind=SphKind.CHARGE,
        power_percent=75,
        stop_soc=90,
        mains_enabled=True,
        periods=(
            SphPeriod(start=time(11), end=time(13), enabled=True),
            SphPeriod(start=time(0), end=time(0), enabled=False),
            SphPeriod(start=time(0), end=time(0), enabled=False),
        ),
    )
    wanted = sph_times_to_write(_schedule(PLAN, now), current, now, TZ)
    assert wanted is not None
    assert not any(p.enabled and p.start <= time(12, 5) < p.end for p in wanted.periods)
