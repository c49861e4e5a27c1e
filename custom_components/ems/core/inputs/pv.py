"""PV forecast adapters: Solcast attributes, Forecast.Solar's energy platform, or none."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from .series import PowerPoint, PowerSeries, parse_instant, parse_number


class SolcastEstimate(StrEnum):
    """Which Solcast estimate to plan with: the user's risk option."""

    MEDIAN = "pv_estimate"
    PESSIMISTIC = "pv_estimate10"
    OPTIMISTIC = "pv_estimate90"


_SOLCAST_PERIODS = (
    ("detailedForecast", timedelta(minutes=30)),
    ("detailedHourly", timedelta(hours=1)),
)


def solcast(
    attributes_per_day: Sequence[Mapping[str, object]],
    *,
    estimate: SolcastEstimate = SolcastEstimate.MEDIAN,
) -> PowerSeries:
    """Read Solcast day sensors (today, tomorrow, day 3...) into one kW series.

    Uses `detailedForecast` (half-hourly) where present, else `detailedHourly`. Each
    day's list covers the whole local day, nights included.
    """
    points: list[PowerPoint] = []
    warnings: list[str] = []
    for attributes in attributes_per_day:
        found = next(
            (
                (attribute, period)
                for attribute, period in _SOLCAST_PERIODS
                if attributes.get(attribute)
            ),
            None,
        )
        if found is None:
            warnings.append("detailedForecast: missing")
            continue
        attribute, period = found
        entries = attributes[attribute]
        if not isinstance(entries, list | tuple):
            warnings.append(f"{attribute}: expected a list")
            continue
        for index, entry in enumerate(entries):
            start = parse_instant(
                entry.get("period_start") if isinstance(entry, Mapping) else None
            )
            kw = (
                parse_number(entry.get(estimate))
                if isinstance(entry, Mapping)
                else None
            )
            if start is None or kw is None or kw < 0:
                warnings.append(
                    f"{attribute}[{index}]: unreadable period_start or {estimate}"
                )
                continue
            points.append(PowerPoint(start=start, end=start + period, kw=kw))
    return _series(points, warnings, span=None)


def forecast_solar(response: Mapping[str, object]) -> PowerSeries:
    """Read Forecast.Solar's `async_get_solar_forecast` result: {"wh_hours": {iso: Wh}}.

    Each key is the END of its period (the library sums Wh since the previous key;
    a day's first key, at sunrise, carries 0). A period starts at the previous key if
    that is less than an hour earlier, else an hour before. The span runs over the
    whole local days listed: hours not listed (night) count as no production.
    """
    warnings: list[str] = []
    raw = response.get("wh_hours")
    if not isinstance(raw, Mapping):
        return _series([], ["wh_hours: expected a mapping"], span=None)
    readings: list[tuple[datetime, float]] = []
    local_days: list[datetime] = []
    for key, value in raw.items():
        end = parse_instant(key)
        wh = parse_number(value)
        if end is None or wh is None or wh < 0:
            warnings.append(f"wh_hours[{key}]: unreadable")
            continue
        readings.append((end, wh))
        # midnight of the key's own day, in the API's offset it carries
        local = datetime.fromisoformat(key) if isinstance(key, str) else key
        local_days.append(local.replace(hour=0, minute=0, second=0, microsecond=0))
    readings.sort(key=lambda reading: reading[0])
    points: list[PowerPoint] = []
    previous: datetime | None = None
    for end, wh in readings:
        start = end - timedelta(hours=1)
        if previous is not None and start < previous:
            start = previous
        previous = end
        if end > start and wh > 0:
            hours = (end - start).total_seconds() / 3600
            points.append(PowerPoint(start=start, end=end, kw=wh / 1000 / hours))
    span = None
    if local_days:
        first_day, last_day = min(local_days), max(local_days)
        span = (first_day.astimezone(UTC), last_day.astimezone(UTC) + timedelta(days=1))
    return _series(points, warnings, span=span)


def sum_power(parts: Sequence[PowerSeries]) -> PowerSeries:
    """Sum forecasts of several arrays (roofs, sources) into one kW series.

    A part without data (its source failed) is left out; the sum spans where every
    other part is known, so no roof is silently counted as dark.
    """
    known = [part for part in parts if part.span_start and part.span_end]
    warnings = [warning for part in parts for warning in part.warnings]
    if len(known) <= 1:
        only = (
            known[0]
            if known
            else PowerSeries(points=(), span_start=None, span_end=None)
        )
        return PowerSeries(
            points=only.points,
            span_start=only.span_start,
            span_end=only.span_end,
            warnings=tuple(warnings),
        )
    begin = max(part.span_start for part in known if part.span_start)
    end = min(part.span_end for part in known if part.span_end)
    if begin >= end:
        return PowerSeries(
            points=(), span_start=None, span_end=None, warnings=tuple(warnings)
        )
    cuts = sorted(
        {begin, end}
        | {
            moment
            for part in known
            for point in part.points
            for moment in (point.start, point.end)
            if begin < moment < end
        }
    )
    points: list[PowerPoint] = []
    for start, stop in zip(cuts, cuts[1:], strict=False):
        kw = sum(
            point.kw
            for part in known
            for point in part.points
            if point.start <= start and stop <= point.end
        )
        if kw > 0.0:
            points.append(PowerPoint(start=start, end=stop, kw=kw))
    return PowerSeries(
        points=tuple(points), span_start=begin, span_end=end, warnings=tuple(warnings)
    )


def held_measured_pv(
    measured_kw: float, *, start: datetime, slot: timedelta, until: datetime
) -> PowerSeries:
    """Without a forecast: the measured PV holds for the first slot, nothing after it."""
    first = start.astimezone(UTC)
    return PowerSeries(
        points=(PowerPoint(start=first, end=first + slot, kw=max(measured_kw, 0.0)),),
        span_start=first,
        span_end=max(until.astimezone(UTC), first + slot),
    )


def _series(
    points: list[PowerPoint],
    warnings: list[str],
    *,
    span: tuple[datetime, datetime] | None,
) -> PowerSeries:
    points.sort(key=lambda point: point.start)
    kept: list[PowerPoint] = []
    for point in points:
        if kept and point.start < kept[-1].end:
            warnings.append(
                f"period at {point.start.isoformat()} overlaps the one before"
            )
        else:
            kept.append(point)
    if span is None and kept:
        span = (kept[0].start, kept[-1].end)
    return PowerSeries(
        points=tuple(kept),
        span_start=span[0] if span else None,
        span_end=span[1] if span else None,
        warnings=tuple(warnings),
    )
