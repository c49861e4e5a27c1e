"""Time-of-day grid fees: three levels by time of day and quarter (§14a EnWG module 3).

The grid operator publishes a low, a standard and a high fee per kWh, the local times
each of the low and high fees applies, and the quarters of the year the times apply
in; outside those quarters the standard fee holds all day. The fees enter the retail
price formula after VAT, like the fixed fees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
import re
from zoneinfo import ZoneInfo

from .series import InputsError, PricePoint, PriceSeries, floor_instant

_QUARTER_HOUR = timedelta(minutes=15)
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

type Window = tuple[time, time]


def _clock(hours: str, minutes: str) -> time:
    hour, minute = int(hours), int(minutes)
    if (hour, minute) == (24, 0):
        return time(0)
    if hour > 23 or minute > 59:
        raise InputsError(f"{hours}:{minutes} is no time of day")
    if minute % 15:
        raise InputsError(f"{hours}:{minutes} is not on a quarter-hour")
    return time(hour, minute)


def parse_windows(text: str) -> tuple[Window, ...]:
    """Return the windows of "HH:MM-HH:MM, HH:MM-HH:MM" (an end at 24:00 is midnight).

    An end at or before its start runs past midnight. Raises InputsError on anything
    else, naming the part it could not read.
    """
    windows: list[Window] = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        match = _WINDOW.match(part)
        if match is None:
            raise InputsError(f"'{part}' is not a time window like 17:00-20:00")
        start = _clock(match[1], match[2])
        end = _clock(match[3], match[4])
        if start == end:
            raise InputsError(f"'{part}' is empty")
        windows.append((start, end))
    return tuple(windows)


def _inside(clock: time, window: Window) -> bool:
    start, end = window
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


@dataclass(frozen=True, kw_only=True, slots=True)
class GridFeeSchedule:
    """The three fee levels per kWh (with VAT, as billed) and when they apply.

    `quarters` holds 1-4: the quarters the low and high windows apply in.
    """

    low: float
    standard: float
    high: float
    low_windows: tuple[Window, ...]
    high_windows: tuple[Window, ...]
    quarters: tuple[int, ...]

    def fee_at(self, local: datetime) -> float:
        """Return the fee per kWh at a local wall-clock instant (high wins an overlap)."""
        if (local.month - 1) // 3 + 1 not in self.quarters:
            return self.standard
        clock = local.time().replace(tzinfo=None)
        if any(_inside(clock, window) for window in self.high_windows):
            return self.high
        if any(_inside(clock, window) for window in self.low_windows):
            return self.low
        return self.standard


def grid_fee_series(
    schedule: GridFeeSchedule, time_zone: str, start: datetime, end: datetime
) -> PriceSeries:
    """Return the fees over [start, end) as points per kWh, one per change of level.

    Walks quarter-hours as instants, so DST days get their 92 or 100 quarter-hours.
    """
    if start.utcoffset() is None or end.utcoffset() is None:
        raise InputsError("grid_fee_series needs aware datetimes")
    zone = ZoneInfo(time_zone)
    cursor = floor_instant(start, _QUARTER_HOUR)
    points: list[PricePoint] = []
    while cursor < end:
        fee = schedule.fee_at(cursor.astimezone(zone))
        following = cursor + _QUARTER_HOUR
        if points and points[-1].price == fee:
            points[-1] = PricePoint(start=points[-1].start, end=following, price=fee)
        else:
            points.append(PricePoint(start=cursor, end=following, price=fee))
        cursor = following
    return PriceSeries(points=tuple(points), currency=None, is_spot=False)
