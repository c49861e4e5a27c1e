"""Growatt MIN/TLX through Home Assistant's `growatt_server`: a plan as at most 9 time segments.

Load first is the inverter's mode outside the segments, so only battery-first and
grid-first blocks take a segment; the rest are disabled. With more blocks than the 9
segments hold, the nearest 9 are kept and the later ones dropped (reported in `dropped`):
they are written on a later run, once earlier blocks have passed and the window has moved.
The table is kept as the inverter expects it: segments in time order, none overlapping,
each ending at its last minute (bess-manager treats this as a hardware rule).

`growatt_server.read_time_segments` answers `{"time_segments": [{"segment_id",
"batt_mode", "start_time": "HH:MM", "end_time", "enabled"}, ...]}`;
`growatt_server.update_time_segment` takes the same fields plus `device_id`.
Charge/discharge power (% of the inverter's rating) and stop SoC are number entities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
import math
from typing import Any

from custom_components.ems.planner.result import InverterMode, Plan, PlanSlot

from .tou import END_OF_DAY, BattMode, TouBlock, clock, parse_clock, plan_blocks, utc

SEGMENTS = 9
DEFAULT_WRITE_AHEAD = timedelta(hours=1)


@dataclass(frozen=True, kw_only=True, slots=True)
class TimeSegment:
    """One Growatt time segment (1-9)."""

    segment_id: int
    batt_mode: BattMode
    start: time
    end: time
    enabled: bool

    def same_effect(self, other: TimeSegment) -> bool:
        """Return True when both do the same: two disabled segments do nothing alike."""
        if not self.enabled and not other.enabled:
            return True
        return (self.enabled, self.batt_mode, self.start, self.end) == (
            other.enabled,
            other.batt_mode,
            other.start,
            other.end,
        )

    def service_data(self) -> dict[str, Any]:
        """Return the `growatt_server.update_time_segment` fields (add `device_id`)."""
        return {
            "segment_id": self.segment_id,
            "batt_mode": self.batt_mode.value,
            "start_time": clock(self.start),
            "end_time": clock(self.end),
            "enabled": self.enabled,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class BatteryNumbers:
    """Charge/discharge power (%) and stop SoC (%) for the next charge and discharge blocks.

    None leaves a number as it is (no such block in the day ahead).
    """

    charge_power_percent: int | None = None
    charge_stop_soc: int | None = None
    discharge_power_percent: int | None = None
    discharge_stop_soc: int | None = None
    ac_charge: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class TouSchedule:
    """The wanted segment blocks (at most 9, in time order), the numbers, and what was left out."""

    blocks: tuple[TouBlock, ...]
    numbers: BatteryNumbers
    dropped: tuple[TouBlock, ...]


def segments_from_response(response: Mapping[str, Any]) -> tuple[TimeSegment, ...]:
    """Parse a `read_time_segments` response; missing segments count as disabled."""
    found: dict[int, TimeSegment] = {}
    for raw in response.get("time_segments", ()):
        segment_id = int(raw["segment_id"])
        if not 1 <= segment_id <= SEGMENTS:
            continue
        mode = str(raw.get("batt_mode", BattMode.LOAD_FIRST))
        found[segment_id] = TimeSegment(
            segment_id=segment_id,
            batt_mode=BattMode(mode) if mode in BattMode else BattMode.LOAD_FIRST,
            start=parse_clock(raw.get("start_time", "00:00")),
            end=parse_clock(raw.get("end_time", "00:00")),
            enabled=bool(raw.get("enabled", False)),
        )
    return tuple(
        found.get(i) or _disabled(i, time(0), time(0)) for i in range(1, SEGMENTS + 1)
    )


def tou_schedule(
    plan: Plan,
    now: datetime,
    tz: tzinfo,
    *,
    max_charge_kw: float,
    max_discharge_kw: float,
    min_soc_percent: float = 0.0,
    max_soc_percent: float = 100.0,
) -> TouSchedule:
    """Turn the plan's day ahead into at most 9 battery-first/grid-first blocks and the numbers."""
    blocks, overlapping = plan_blocks(plan, now, tz)
    kept, later = blocks[:SEGMENTS], blocks[SEGMENTS:]
    return TouSchedule(
        blocks=tuple(kept),
        numbers=battery_numbers(
            kept,
            max_charge_kw=max_charge_kw,
            max_discharge_kw=max_discharge_kw,
            min_soc_percent=min_soc_percent,
            max_soc_percent=max_soc_percent,
        ),
        dropped=tuple(overlapping + later),
    )


def segments_to_write(
    schedule: TouSchedule,
    current: Sequence[TimeSegment],
    now: datetime,
    tz: tzinfo,
    *,
    write_ahead: timedelta = DEFAULT_WRITE_AHEAD,
) -> list[TimeSegment]:
    """Return the segments to write now: the whole table's changes, once one is due.

    A change is due when the mode in force would differ at some minute between now and
    `write_ahead` from now. Then every segment that differs is written, in order, so
    that the table the inverter holds stays in time order without overlaps.
    """
    table = wanted_segments(schedule, current)
    start = utc(now).replace(second=0, microsecond=0)
    minutes = int(write_ahead.total_seconds() // 60)
    due = any(
        effective_mode(current, moment) != effective_mode(table, moment)
        for moment in (
            (start + timedelta(minutes=m)).astimezone(tz).time()
            for m in range(minutes + 1)
        )
    )
    if not due:
        return []
    return [
        wanted
        for held, wanted in zip(current, table, strict=True)
        if not held.same_effect(wanted)
    ]


def wanted_segments(
    schedule: TouSchedule, current: Sequence[TimeSegment]
) -> tuple[TimeSegment, ...]:
    """Return the whole wanted table (9 segments) as the inverter expects it.

    Segments 1, 2, ... hold the blocks in order of their start in the day, without
    overlaps; a segment's end is its last minute (a block to 16:00 ends at 15:59, as
    Growatt's own app and bess-manager write them). The rest are disabled, keeping
    whatever else they held, so a disabled segment is never rewritten for nothing.
    """
    blocks = sorted(schedule.blocks, key=lambda b: b.start)
    table: list[TimeSegment] = []
    for index, held in enumerate(current):
        if index < len(blocks):
            block = blocks[index]
            table.append(
                TimeSegment(
                    segment_id=held.segment_id,
                    batt_mode=block.mode,
                    start=block.start,
                    end=last_minute(block.end),
                    enabled=True,
                )
            )
        else:
            table.append(
                _disabled(held.segment_id, held.start, held.end, held.batt_mode)
            )
    return tuple(table)


def last_minute(end: time) -> time:
    """Return the last minute of a block ending at `end` (23:59, midnight, stays)."""
    if end == END_OF_DAY:
        return end
    moment = datetime.combine(datetime.min.date() + timedelta(days=1), end)
    return (moment - timedelta(minutes=1)).time()


def effective_mode(segments: Sequence[TimeSegment], moment: time) -> BattMode:
    """Return the battery mode in force at a clock time: the first enabled segment covering it.

    A segment covers its start and end minutes both (the end is its last minute).
    """
    for segment in sorted(segments, key=lambda s: s.segment_id):
        if not segment.enabled:
            continue
        start, end = segment.start, segment.end
        inside = (
            start <= moment <= end
            if start <= end
            else moment >= start or moment <= end  # over midnight
        )
        if inside:
            return segment.batt_mode
    return BattMode.LOAD_FIRST


def mismatched(
    written: Sequence[TimeSegment], read_back: Sequence[TimeSegment]
) -> list[TimeSegment]:
    """Return the written segments that do not read back the same."""
    by_id = {s.segment_id: s for s in read_back}
    return [
        s
        for s in written
        if s.segment_id not in by_id or not s.same_effect(by_id[s.segment_id])
    ]


def numbers_to_write(wanted: BatteryNumbers, current: BatteryNumbers) -> dict[str, int]:
    """Return the numbers (by field name) whose wanted value differs from the current one."""
    changes: dict[str, int] = {}
    for name in (
        "charge_power_percent",
        "charge_stop_soc",
        "discharge_power_percent",
        "discharge_stop_soc",
    ):
        value = getattr(wanted, name)
        if value is not None and value != getattr(current, name):
            changes[name] = value
    return changes


def _disabled(
    segment_id: int, start: time, end: time, mode: BattMode = BattMode.LOAD_FIRST
) -> TimeSegment:
    return TimeSegment(
        segment_id=segment_id, batt_mode=mode, start=start, end=end, enabled=False
    )


def battery_numbers(
    blocks: Sequence[TouBlock],
    *,
    max_charge_kw: float,
    max_discharge_kw: float,
    min_soc_percent: float,
    max_soc_percent: float,
) -> BatteryNumbers:
    """Return power and stop SoC for the first force-charge and force-discharge block.

    The discharge stop SoC is the on-grid one: without a discharge block it is the
    floor EMS plans to, so load first never goes below the minimum or the reserve.
    """
    charging = _first_slots(blocks, InverterMode.FORCE_CHARGE)
    discharging = _first_slots(blocks, InverterMode.FORCE_DISCHARGE)
    numbers: dict[str, int | None] = {}
    if charging:
        numbers["charge_power_percent"] = _percent_of(
            max(abs(s.battery_kw) for s in charging), max_charge_kw
        )
        numbers["charge_stop_soc"] = min(
            math.ceil(max(s.soc_percent for s in charging)), math.floor(max_soc_percent)
        )
    # The on-grid stop SoC is one number for load first and grid first alike: the
    # floor (the minimum and the storm reserve), or a discharge block's end above it.
    floor = math.ceil(min_soc_percent)
    numbers["discharge_stop_soc"] = floor
    if discharging:
        numbers["discharge_power_percent"] = _percent_of(
            max(abs(s.battery_kw) for s in discharging), max_discharge_kw
        )
        numbers["discharge_stop_soc"] = max(
            math.floor(min(s.soc_percent for s in discharging)), floor
        )
    return BatteryNumbers(ac_charge=bool(charging), **numbers)


def _first_slots(blocks: Sequence[TouBlock], mode: InverterMode) -> list[PlanSlot]:
    """Return the slots in `mode` of the first block that has any."""
    for block in blocks:
        slots = [s for s in block.slots if s.mode is mode]
        if slots:
            return slots
    return []


def _percent_of(power_kw: float, rating_kw: float) -> int:
    if rating_kw <= 0.0:
        return 100
    return max(1, min(100, math.ceil(100.0 * power_kw / rating_kw - 1e-9)))
