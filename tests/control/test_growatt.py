"""Growatt MIN/TLX time segments from a plan: merging, the 9-segment limit, and what to write."""

from __future__ import annotations

from datetime import datetime, time, timedelta
import itertools
from itertools import combinations
from zoneinfo import ZoneInfo

import pytest

from custom_components.ems.core.control.growatt import (
    BatteryNumbers,
    TimeSegment,
    TouSchedule,
    mismatched,
    numbers_to_write,
    segments_from_response,
    segments_to_write,
    tou_schedule,
    wanted_segments,
)
from custom_components.ems.core.control.tou import BattMode, overlaps
from custom_components.ems.planner import InverterMode, Plan

from .helpers import SlotSpec, make_plan

TZ = ZoneInfo("Europe/Berlin")
START = datetime(2026, 6, 10, 14, 0, tzinfo=TZ)
NOW = START + timedelta(minutes=10)
S, H = InverterMode.SELF_USE, InverterMode.HOLD
C, D = InverterMode.FORCE_CHARGE, InverterMode.FORCE_DISCHARGE
BF, GF = BattMode.BATTERY_FIRST, BattMode.GRID_FIRST


def _day(specs: dict[int, SlotSpec], start: datetime = START, hours: int = 24) -> Plan:
    """Return an hourly plan from `start`: self-use except the hours (offsets) given."""
    return make_plan(start, [specs.get(i, (S, 0.0)) for i in range(hours)], minutes=60)


EVENING = _day(
    {
        2: (H, 0.0, 40.0),
        3: (C, 2.0, 60.0),
        4: (C, 1.5, 80.0),
        5: (D, -3.0, 50.0),
        6: (D, -2.0, 30.0),
    }
)


def _schedule(plan: Plan, now: datetime = NOW) -> TouSchedule:
    return tou_schedule(
        plan, now, TZ, max_charge_kw=5.0, max_discharge_kw=4.0, min_soc_percent=10.0
    )


def _segment(
    sid: int, mode: BattMode, start: str, end: str, enabled: bool = True
) -> TimeSegment:
    return TimeSegment(
        segment_id=sid,
        batt_mode=mode,
        start=time.fromisoformat(start),
        end=time.fromisoformat(end),
        enabled=enabled,
    )


def _blank() -> tuple[TimeSegment, ...]:
    return tuple(
        _segment(i, BattMode.LOAD_FIRST, "00:00", "00:00", False) for i in range(1, 10)
    )


def _spans(schedule: TouSchedule) -> list[tuple[BattMode, str, str]]:
    return [(b.mode, f"{b.start:%H:%M}", f"{b.end:%H:%M}") for b in schedule.blocks]


def test_adjacent_slots_merge_and_hold_joins_charging() -> None:
    """Hold and charge are both battery first and merge; self-use takes no segment."""
    schedule = _schedule(EVENING)
    assert _spans(schedule) == [(BF, "16:00", "19:00"), (GF, "19:00", "21:00")]
    assert schedule.dropped == ()


def test_numbers_follow_the_first_charge_and_discharge_blocks() -> None:
    """Power is the block's highest power as % of the rating; stop SoC is where the plan ends it."""
    assert _schedule(EVENING).numbers == BatteryNumbers(
        charge_power_percent=40,
        charge_stop_soc=80,
        discharge_power_percent=75,
        discharge_stop_soc=30,
        ac_charge=True,
    )


def test_without_a_discharge_block_the_stop_soc_is_the_floor() -> None:
    """Load first discharges down to the on-grid stop SoC: that is EMS's floor."""
    plan = _day({3: (C, 2.0, 60.0)})
    numbers = tou_schedule(
        plan, NOW, TZ, max_charge_kw=5.0, max_discharge_kw=4.0, min_soc_percent=25.0
    ).numbers
    assert numbers.discharge_stop_soc == 25
    assert numbers.discharge_power_percent is None


def test_block_over_midnight_is_split_there() -> None:
    """A charge from 22:00 to 02:00 becomes 22:00-23:59 and 00:00-02:00."""
    plan = _day(dict.fromkeys(range(8, 12), (C, 2.0)))
    assert _spans(_schedule(plan)) == [(BF, "22:00", "23:59"), (BF, "00:00", "02:00")]


def test_more_blocks_than_segments_keeps_the_nearest_nine() -> None:
    """Twelve charge blocks: the first nine are written, the last three wait for a later run."""
    plan = _day(dict.fromkeys(range(0, 24, 2), (C, 2.0)))
    schedule = _schedule(plan)
    assert len(schedule.blocks) == 9
    assert [f"{b.start:%H:%M}" for b in schedule.blocks] == [
        "14:00",
        "16:00",
        "18:00",
        "20:00",
        "22:00",
        "00:00",
        "02:00",
        "04:00",
        "06:00",
    ]
    assert [f"{b.start:%H:%M}" for b in schedule.dropped] == ["08:00", "10:00", "12:00"]
    later = _schedule(plan, now=START + timedelta(hours=4, minutes=5))
    assert [f"{b.start:%H:%M}" for b in later.blocks][-2:] == ["08:00", "10:00"]


def test_window_is_one_wall_clock_day_from_the_slot_in_force() -> None:
    """Slots from the same clock time tomorrow on are left out: segments repeat daily."""
    plan = _day({0: (C, 2.0), 24: (D, -2.0)}, hours=26)
    assert _spans(_schedule(plan)) == [(BF, "14:00", "15:00")]


def test_fall_back_night_never_yields_overlapping_segments() -> None:
    """On 25 October 02:00-03:00 happens twice; a block that repeats a clock time is dropped."""
    start = datetime(2026, 10, 24, 14, 0, tzinfo=TZ)
    # Offsets 12 and 13 are 02:00 CEST and 02:00 CET.
    plan = _day({12: (C, 2.0), 13: (D, -2.0), 15: (C, 2.0)}, start=start, hours=25)
    schedule = _schedule(plan, now=start + timedelta(minutes=5))
    for a, b in combinations(schedule.blocks, 2):
        assert not overlaps(a.start, a.end, b.start, b.end)
    assert _spans(schedule) == [(GF, "02:00", "03:00"), (BF, "04:00", "05:00")]
    assert [(b.mode, f"{b.start:%H:%M}") for b in schedule.dropped] == [(BF, "02:00")]


def test_nothing_is_written_when_the_inverter_already_holds_the_table() -> None:
    """A table that reads back as wanted needs no write, whatever the disabled ones hold."""
    current = wanted_segments(_schedule(EVENING), _blank())
    assert (
        segments_to_write(_schedule(EVENING), current, NOW + timedelta(hours=2), TZ)
        == []
    )


def test_future_changes_wait_for_the_write_ahead_then_the_table_is_written_whole() -> (
    None
):
    """At 14:10 the 16:00 block is too far off; at 15:10 the whole table is written, in order."""
    assert segments_to_write(_schedule(EVENING), _blank(), NOW, TZ) == []
    at_1510 = NOW + timedelta(hours=1)
    table = [_segment(1, BF, "16:00", "18:59"), _segment(2, GF, "19:00", "20:59")]
    assert (
        segments_to_write(_schedule(EVENING, at_1510), _blank(), at_1510, TZ) == table
    )
    at_1810 = NOW + timedelta(hours=4)
    current = (*table, *_blank()[2:])
    assert segments_to_write(_schedule(EVENING, at_1810), current, at_1810, TZ) == []


def test_a_block_in_force_that_the_inverter_lacks_is_written_at_once() -> None:
    """When what runs now is wrong, the segment in force is written now."""
    plan = _day({0: (C, 2.0)})
    assert segments_to_write(_schedule(plan), _blank(), NOW, TZ) == [
        _segment(1, BF, "14:00", "14:59")
    ]


def test_a_change_more_than_an_hour_ahead_waits() -> None:
    """A running charge made longer is rewritten only once its old end is within the hour.

    The table starts at the slot in force, so the block written at 15:05 begins at 15:00.
    """
    plan = _day({0: (C, 2.0), 1: (C, 2.0), 2: (C, 2.0)})
    current = (_segment(1, BF, "14:00", "15:59"), *_blank()[1:])
    assert segments_to_write(_schedule(plan), current, NOW, TZ) == []
    at_1505 = START + timedelta(hours=1, minutes=5)
    assert segments_to_write(_schedule(plan, at_1505), current, at_1505, TZ) == [
        _segment(1, BF, "15:00", "16:59")
    ]


def test_the_table_is_rewritten_in_time_order_from_segment_1() -> None:
    """A stale grid-first segment 3 is disabled; the wanted block goes to segment 1."""
    plan = _day({1: (C, 2.0)})
    current = (*_blank()[:2], _segment(3, GF, "15:00", "15:30"), *_blank()[3:])
    assert segments_to_write(_schedule(plan), current, NOW, TZ) == [
        _segment(1, BF, "15:00", "15:59"),
        _segment(3, GF, "15:00", "15:30", enabled=False),
    ]


@pytest.mark.parametrize(
    "specs",
    [
        {2: (H, 0.0), 3: (C, 2.0), 5: (D, -3.0)},
        dict.fromkeys(range(8, 12), (C, 2.0)),  # over midnight
        dict.fromkeys(range(0, 24, 2), (C, 2.0)),  # more blocks than segments
        {0: (C, 2.0), 1: (D, -2.0), 2: (C, 2.0), 10: (D, -1.0), 11: (D, -1.0)},
    ],
)
def test_segments_are_in_time_order_and_never_share_a_minute(
    specs: dict[int, SlotSpec],
) -> None:
    """Segment 1, 2, ... start later and later and each ends before the next begins."""
    table = wanted_segments(_schedule(_day(specs)), _blank())
    enabled = [s for s in table if s.enabled]
    assert [s.segment_id for s in enabled] == list(range(1, len(enabled) + 1))
    for first, second in itertools.pairwise(enabled):
        assert first.start <= first.end < second.start


def test_parse_the_read_time_segments_response_and_build_the_update_call() -> None:
    """The service's shape reads into segments; a segment writes back the same fields."""
    response = {
        "time_segments": [
            {
                "segment_id": 1,
                "batt_mode": "battery_first",
                "start_time": "01:30",
                "end_time": "05:00",
                "enabled": True,
            },
            {
                "segment_id": 2,
                "batt_mode": "grid_first",
                "start_time": "17:00",
                "end_time": "19:00",
                "enabled": False,
            },
        ]
    }
    segments = segments_from_response(response)
    assert len(segments) == 9
    assert segments[0] == _segment(1, BF, "01:30", "05:00")
    assert not any(s.enabled for s in segments[1:])
    assert segments[0].service_data() == response["time_segments"][0]


def test_read_back_mismatches_are_reported() -> None:
    """A write that does not read back is named, so the caller can retry and raise a repair."""
    written = [_segment(1, BF, "16:00", "19:00"), _segment(2, GF, "19:00", "21:00")]
    read_back = (written[0], _segment(2, GF, "19:00", "20:00"), *_blank()[2:])
    assert mismatched(written, read_back) == [written[1]]


def test_numbers_to_write_only_changes() -> None:
    """Only numbers that differ from the inverter's are written; None leaves them alone."""
    wanted = BatteryNumbers(charge_power_percent=40, charge_stop_soc=80)
    current = BatteryNumbers(
        charge_power_percent=40, charge_stop_soc=90, discharge_stop_soc=20
    )
    assert numbers_to_write(wanted, current) == {"charge_stop_soc": 80}
