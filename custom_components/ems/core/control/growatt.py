"""Growatt MIN/TLX through Home Assistant's `growatt_server`: a plan as at most 9 time segments.

Load first is the inverter's mode outside the segments, so only battery-first and
grid-first blocks take a segment; the rest are disabled. With more blocks than the 9
segments hold, the nearest 9 are kept and the later ones dropped (reported in `dropped`):
they are written on a later run, once earlier blocks have passed and the window has moved.

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

from custom_components.ems.planner.model import InverterMode, Plan, PlanSlot

from .tou import (
    BattMode,
    TouBlock,
    assign,
    clock,
    covers,
    parse_clock,
    plan_blocks,
    starts_soon,
)

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
    """Return the segments to write now: changed ones that take effect within `write_ahead`.

    A segment in force now is rewritten only when the mode in force is wrong for now.
    """
    table = wanted_segments(schedule, current)
    moment = now.astimezone(tz).time().replace(second=0, microsecond=0)
    wrong_now = effective_mode(current, moment) != effective_mode(table, moment)
    writes: list[TimeSegment] = []
    for held, wanted in zip(current, table, strict=True):
        if held.same_effect(wanted):
            continue
        live = [s for s in (held, wanted) if s.enabled]
        if any(covers(s.start, s.end, moment) for s in live):
            due = wrong_now
        else:
            due = any(starts_soon(s.start, now, tz, write_ahead) for s in live)
        if due:
            writes.append(wanted)
    return writes


def wanted_segments(
    schedule: TouSchedule, current: Sequence[TimeSegment]
) -> tuple[TimeSegment, ...]:
    """Return the whole wanted table (9 segments), placed to change as few segments as possible."""
    keys = assign(
        [(b.mode, b.start, b.end) for b in schedule.blocks],
        [(s.batt_mode, s.start, s.end) if s.enabled else None for s in current],
    )
    table: list[TimeSegment] = []
    for held, key in zip(current, keys, strict=True):
        if key is None:
            table.append(
                _disabled(held.segment_id, held.start, held.end, held.batt_mode)
            )
        else:
            mode, start, end = key
            table.append(
                TimeSegment(
                    segment_id=held.segment_id,
                    batt_mode=mode,
                    start=start,
                    end=end,
                    enabled=True,
                )
            )
    return tuple(table)


def effective_mode(segments: Sequence[TimeSegment], moment: time) -> BattMode:
    """Return the battery mode in force at a clock time: the first enabled segment covering it."""
    for segment in sorted(segments, key=lambda s: s.segment_id):
        if segment.enabled and covers(segment.start, segment.end, moment):
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
    """Return power and stop SoC for the first force-charge and force-discharge block."""
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
    if discharging:
        numbers["discharge_power_percent"] = _percent_of(
            max(abs(s.battery_kw) for s in discharging), max_discharge_kw
        )
        numbers["discharge_stop_soc"] = max(
            math.floor(min(s.soc_percent for s in discharging)),
            math.ceil(min_soc_percent),
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
