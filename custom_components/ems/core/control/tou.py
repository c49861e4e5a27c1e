"""Time-of-use tables from a plan: daily wall-clock blocks, and when a changed entry is due.

Time-of-use entries repeat every day at a local wall-clock time, so a plan is cut to one
wall-clock day starting at the slot in force now. Adjacent slots that map to the same
battery mode merge into one block; a block over midnight is split there (the part before
midnight ends at 23:59). Blocks that would overlap an earlier one in time of day (the
repeated hour when clocks go back) are dropped.

A changed entry is written only ahead of when it takes effect (its start within
`write_ahead`), and an entry in force now only when the mode in force is wrong for now.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from enum import StrEnum

from custom_components.ems.planner.result import InverterMode, Plan, PlanSlot

END_OF_DAY = time(23, 59)


class BattMode(StrEnum):
    """Growatt battery priority of a time segment."""

    LOAD_FIRST = "load_first"
    BATTERY_FIRST = "battery_first"
    GRID_FIRST = "grid_first"


# Growatt's battery first never discharges the battery; it charges from PV and, with AC
# charge on, from the grid. So hold is battery first: while AC charge is on (a force
# charge block exists), a hold block may also charge from the grid up to the stop SoC.
MODE_PRIORITY: Mapping[InverterMode, BattMode] = {
    InverterMode.SELF_USE: BattMode.LOAD_FIRST,
    InverterMode.ZERO_EXPORT: BattMode.LOAD_FIRST,
    InverterMode.FORCE_CHARGE: BattMode.BATTERY_FIRST,
    InverterMode.HOLD: BattMode.BATTERY_FIRST,
    InverterMode.FORCE_DISCHARGE: BattMode.GRID_FIRST,
}


def timed_mode(mode: InverterMode) -> BattMode | None:
    """Return the battery mode a time-of-use entry needs for `mode`; None for load first (the default)."""
    priority = MODE_PRIORITY[mode]
    return None if priority is BattMode.LOAD_FIRST else priority


@dataclass(frozen=True, kw_only=True, slots=True)
class TouBlock:
    """Merged plan slots with one battery mode, as a daily wall-clock period.

    `begins`/`ends` are the instants (UTC) the block covers; `start`/`end` its local clock times.
    """

    mode: BattMode
    start: time
    end: time
    begins: datetime
    ends: datetime
    slots: tuple[PlanSlot, ...]

    def covers(self, moment: time) -> bool:
        """Return True when the daily period contains the clock time `moment`."""
        return covers(self.start, self.end, moment)


def covers(start: time, end: time, moment: time) -> bool:
    """Return True when the daily period start..end contains `moment` (end 23:59 means midnight)."""
    if end == END_OF_DAY:
        return start <= moment
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end  # a period over midnight


def overlaps(a_start: time, a_end: time, b_start: time, b_end: time) -> bool:
    """Return True when two daily periods share any minute."""
    return covers(a_start, a_end, b_start) or covers(b_start, b_end, a_start)


def parse_clock(text: str) -> time:
    """Parse "HH:MM" (or "H:M", "HH:MM:SS") as Growatt reports it."""
    hour, minute, *_ = (int(part) for part in str(text).split(":"))
    return time(hour, minute)


def clock(moment: time) -> str:
    """Format a clock time as "HH:MM"."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def day_window(plan: Plan, now: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """Return [start, end): from the slot in force now to the same wall-clock time tomorrow."""
    moment = utc(now)
    slot = plan.slot_at(moment)
    start = utc(slot.start) if slot is not None else moment
    local = start.astimezone(tz)
    tomorrow = datetime.combine(local.date() + timedelta(days=1), local.time(), tz)
    return start, utc(tomorrow)


def utc(moment: datetime) -> datetime:
    """Return `moment` in UTC: aware datetimes sharing a tzinfo compare by wall clock."""
    return moment.astimezone(UTC)


def plan_blocks(
    plan: Plan, now: datetime, tz: tzinfo
) -> tuple[list[TouBlock], list[TouBlock]]:
    """Return (blocks, dropped) for the day ahead; load-first slots are left out (the default).

    `dropped` holds blocks that overlap an earlier block in time of day.
    """
    start, end = day_window(plan, now, tz)
    runs: list[list[PlanSlot]] = []
    modes: list[BattMode] = []
    for slot in plan.slots:
        if utc(slot.end) <= start or utc(slot.start) >= end:
            continue
        mode = timed_mode(slot.mode)
        if mode is None:
            continue
        if runs and modes[-1] == mode and utc(runs[-1][-1].end) == utc(slot.start):
            runs[-1].append(slot)
        else:
            runs.append([slot])
            modes.append(mode)
    blocks: list[TouBlock] = []
    dropped: list[TouBlock] = []
    for mode, run in zip(modes, runs, strict=True):
        for piece in _split_at_midnight(mode, run, start, end, tz):
            if piece.start == piece.end or any(
                overlaps(piece.start, piece.end, kept.start, kept.end)
                for kept in blocks
            ):
                dropped.append(piece)
            else:
                blocks.append(piece)
    return blocks, dropped


def _split_at_midnight(
    mode: BattMode,
    run: Sequence[PlanSlot],
    window_start: datetime,
    window_end: datetime,
    tz: tzinfo,
) -> list[TouBlock]:
    begins = max(utc(run[0].start), window_start)
    ends = min(utc(run[-1].end), window_end)
    pieces: list[TouBlock] = []
    while begins < ends:
        local = begins.astimezone(tz)
        midnight = utc(datetime.combine(local.date() + timedelta(days=1), time(0), tz))
        piece_end = min(ends, midnight)
        end_clock = (
            END_OF_DAY if piece_end == midnight else piece_end.astimezone(tz).time()
        )
        pieces.append(
            TouBlock(
                mode=mode,
                start=local.time().replace(second=0, microsecond=0),
                end=end_clock.replace(second=0, microsecond=0),
                begins=begins,
                ends=piece_end,
                slots=tuple(
                    s for s in run if utc(s.start) < piece_end and utc(s.end) > begins
                ),
            )
        )
        begins = piece_end
    return pieces


def next_occurrence(moment: time, now: datetime, tz: tzinfo) -> datetime:
    """Return the first instant at or after `now` whose local clock time is `moment`."""
    local = now.astimezone(tz)
    candidate = utc(datetime.combine(local.date(), moment, tz))
    if candidate < utc(now):
        candidate = utc(datetime.combine(local.date() + timedelta(days=1), moment, tz))
    return candidate


def starts_soon(start: time, now: datetime, tz: tzinfo, write_ahead: timedelta) -> bool:
    """Return True when a daily period starting at `start` takes effect within `write_ahead`."""
    return next_occurrence(start, now, tz) <= utc(now) + write_ahead


def assign(
    wanted: Sequence[tuple[BattMode, time, time]],
    current: Sequence[tuple[BattMode, time, time] | None],
) -> list[tuple[BattMode, time, time] | None]:
    """Place `wanted` entries into the table positions of `current` with as few changes as possible.

    An entry already in the table keeps its position; the others take positions whose
    entry is no longer wanted (one write instead of a disable and a write), then empty
    ones, lowest first. Positions left over are None (disabled).
    """
    table: list[tuple[BattMode, time, time] | None] = [None] * len(current)
    placed: set[int] = set()
    pending: list[tuple[BattMode, time, time]] = []
    for entry in wanted:
        index = next(
            (i for i, held in enumerate(current) if held == entry and i not in placed),
            None,
        )
        if index is None:
            pending.append(entry)
        else:
            table[index] = entry
            placed.add(index)
    free = sorted(
        (i for i in range(len(current)) if i not in placed),
        key=lambda i: (current[i] is None, i),
    )
    for entry, index in zip(pending, free, strict=False):
        table[index] = entry
    return table
