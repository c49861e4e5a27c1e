"""Time series the adapters produce and the small parsing helpers they share."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
import math

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class InputsError(ValueError):
    """A caller passed an impossible argument (not bad data from a source)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PricePoint:
    """One price, in currency per kWh, valid over [start, end)."""

    start: datetime
    end: datetime
    price: float


@dataclass(frozen=True, kw_only=True, slots=True)
class PriceSeries:
    """Prices per kWh as a source publishes them, sorted and non-overlapping.

    `is_spot` prices still go through the retail price formula; others pass through.
    `warnings` name the attribute and entry of every value that was skipped.
    """

    points: tuple[PricePoint, ...]
    currency: str | None
    is_spot: bool
    warnings: tuple[str, ...] = ()

    @property
    def end(self) -> datetime | None:
        """Return when the last known price ends."""
        return self.points[-1].end if self.points else None


@dataclass(frozen=True, kw_only=True, slots=True)
class PowerPoint:
    """Average power in kW over [start, end)."""

    start: datetime
    end: datetime
    kw: float


@dataclass(frozen=True, kw_only=True, slots=True)
class PowerSeries:
    """Average power over intervals, valid over [span_start, span_end).

    Inside the span, time no point covers counts as zero (Forecast.Solar lists no
    night hours); outside it the series knows nothing. An empty series has no span.
    """

    points: tuple[PowerPoint, ...]
    span_start: datetime | None
    span_end: datetime | None
    warnings: tuple[str, ...] = ()


def parse_instant(value: object) -> datetime | None:
    """Return the instant in UTC of an aware datetime or ISO 8601 string, else None.

    Everything downstream works in UTC: arithmetic on datetimes in a local zone is
    wall-clock arithmetic and goes wrong on DST days.
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value.astimezone(UTC)
    return None


def parse_number(value: object) -> float | None:
    """Return a finite float from a number or numeric string, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def floor_instant(instant: datetime, step: timedelta) -> datetime:
    """Return the instant in UTC, floored to a multiple of `step` since the epoch."""
    utc = instant.astimezone(UTC)
    return utc - (utc - _EPOCH) % step


def hourly_on_slots(
    hourly: Mapping[datetime, float], begin: datetime, end: datetime, minutes: int
) -> tuple[float | None, ...]:
    """Hold hourly values (keyed by hour start, UTC) over the slots [begin, end).

    None where the hour has no value; `minutes` divides the hour.
    """
    hour = timedelta(hours=1)
    first_hour = floor_instant(begin, hour)
    skip = round((begin - first_hour) / timedelta(minutes=minutes))
    count = round((end - begin) / timedelta(minutes=minutes))
    per_hour = 60 // minutes
    hours = -(-(skip + count) // per_hour)
    values = [hourly.get(first_hour + index * hour) for index in range(hours)]
    return tuple(value for value in values for _ in range(per_hour))[
        skip : skip + count
    ]


def typical_step(starts: Sequence[datetime]) -> timedelta:
    """Return the most common spacing of sorted starts (one hour if unknown)."""
    steps = Counter(
        later - earlier
        for earlier, later in zip(starts, starts[1:], strict=False)
        if later > earlier
    )
    return steps.most_common(1)[0][0] if steps else timedelta(hours=1)


def ends_from_starts(starts: Sequence[datetime]) -> list[datetime]:
    """Return interval ends for sorted starts: the next start, never past one step.

    A gap in the starts stays a gap: an interval never stretches over it.
    """
    step = typical_step(starts)
    return [
        min(starts[index + 1], start + step)
        if index + 1 < len(starts)
        else start + step
        for index, start in enumerate(starts)
    ]


def merge_prices(*series: PriceSeries) -> PriceSeries:
    """Join series of one source (today, tomorrow): first one wins where they overlap."""
    if not series:
        raise InputsError("merge_prices needs at least one series")
    points: list[PricePoint] = []
    for point in sorted(
        (point for one in series for point in one.points), key=lambda p: p.start
    ):
        if points and point.start < points[-1].end:
            continue
        points.append(point)
    return PriceSeries(
        points=tuple(points),
        currency=next((s.currency for s in series if s.currency), None),
        is_spot=series[0].is_spot,
        warnings=tuple(warning for one in series for warning in one.warnings),
    )


def sorted_price_points(
    points: Sequence[PricePoint], warnings: list[str], where: str
) -> tuple[PricePoint, ...]:
    """Sort points by start and drop any that overlap an earlier one (with a warning)."""
    kept: list[PricePoint] = []
    for point in sorted(points, key=lambda p: p.start):
        if point.end <= point.start:
            warnings.append(f"{where}: interval at {point.start.isoformat()} is empty")
        elif kept and point.start < kept[-1].end:
            warnings.append(
                f"{where}: interval at {point.start.isoformat()} overlaps the one before"
            )
        else:
            kept.append(point)
    return tuple(kept)


def describe_warnings(
    source: str, warnings: Sequence[str], shown: int = 3
) -> str | None:
    """Return one log line for a source's warnings (None if there are none).

    `source` names the entity; each warning already names its attribute and entry.
    """
    if not warnings:
        return None
    more = len(warnings) - shown
    listed = "; ".join(warnings[:shown])
    return f"{source}: {listed}" + (f" (and {more} more)" if more > 0 else "")


def describe_coverage(series: PriceSeries, at: datetime, zone: tzinfo) -> str:
    """Say why a price series has no price at `at`, in the local time of `zone`."""
    if series.warnings:
        more = len(series.warnings) - 2
        listed = "; ".join(series.warnings[:2])
        return listed + (f" (and {more} more)" if more > 0 else "")
    if not series.points:
        return "it lists no prices"

    def local(moment: datetime) -> str:
        return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"

    first, last = series.points[0], series.points[-1]
    if at < first.start:
        return f"its first price starts at {local(first.start)}, after {local(at)}"
    if at >= last.end:
        return f"its last price ended at {local(last.end)}"
    return f"no price covers {local(at)}"
