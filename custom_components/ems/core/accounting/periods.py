"""Calendar periods in the user's local time: day, ISO week, month, billing cycle.

Every period starts at a local midnight, so local midnights are the only places an
interval ever has to be cut. Boundaries are returned as UTC instants (arithmetic and
comparison on datetimes sharing a ZoneInfo are wall-clock, which is wrong across DST):
a DST day is 23 or 25 hours long.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .model import PeriodKind


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """Return the first instant of a local day in UTC (where midnight is skipped, the next)."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    """Shift a date (day of month <= 28) by whole months."""
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def _first_day(kind: PeriodKind, day: date, billing_start_day: int) -> date:
    match kind:
        case PeriodKind.DAY:
            return day
        case PeriodKind.WEEK:
            return day - timedelta(days=day.weekday())
        case PeriodKind.MONTH:
            return day.replace(day=1)
        case PeriodKind.BILLING:
            start = day.replace(day=billing_start_day)
            return start if day.day >= billing_start_day else _add_months(start, -1)


def _next_first_day(kind: PeriodKind, first: date) -> date:
    match kind:
        case PeriodKind.DAY:
            return first + timedelta(days=1)
        case PeriodKind.WEEK:
            return first + timedelta(days=7)
        case PeriodKind.MONTH | PeriodKind.BILLING:
            return _add_months(first, 1)


def period_bounds(
    kind: PeriodKind, instant: datetime, zone: ZoneInfo, billing_start_day: int = 1
) -> tuple[datetime, datetime]:
    """Return the [start, end) UTC instants of the local period holding `instant`."""
    first = _first_day(kind, instant.astimezone(zone).date(), billing_start_day)
    return _midnight(first, zone), _midnight(_next_first_day(kind, first), zone)


def local_midnights(
    start: datetime, end: datetime, zone: ZoneInfo
) -> Iterator[datetime]:
    """Yield the local midnights (as UTC instants) strictly between two instants."""
    day = start.astimezone(zone).date() + timedelta(days=1)
    while (midnight := _midnight(day, zone)) < end:
        if midnight > start:
            yield midnight
        day += timedelta(days=1)


def cut_at_midnights(
    start: datetime, end: datetime, zone: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """Return [start, end) cut into pieces that each lie within one local day."""
    edges = [start, *local_midnights(start, end, zone), end]
    return list(zip(edges, edges[1:], strict=False))
