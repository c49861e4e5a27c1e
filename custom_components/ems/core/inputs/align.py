"""Alignment of prices, PV and load onto the planner's slot grid (instants in UTC)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from custom_components.ems.planner.prices import RetailTariff

from .series import InputsError, PowerSeries, PriceSeries, floor_instant

SLOT_MINUTES = (15, 30, 60)


class IssueKind(StrEnum):
    """What was wrong with the inputs of one alignment."""

    NO_PRICES = "no_prices"
    PRICE_GAP = "price_gap"
    PV_SHORT = "pv_short"


@dataclass(frozen=True, kw_only=True, slots=True)
class InputIssue:
    """One problem found while aligning, from the instant `at` on."""

    kind: IssueKind
    at: datetime
    detail: str
    # The price series with no price at `at` ("import", "export"), for NO_PRICES.
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class AlignedInputs:
    """The planner's inputs, one value per slot: retail prices per kWh and PV in kW."""

    start: datetime
    slot_minutes: int
    starts: tuple[datetime, ...]
    import_price: tuple[float, ...]
    export_price: tuple[float, ...]
    pv_kw: tuple[float, ...]
    horizon_end: datetime
    issues: tuple[InputIssue, ...]


def slot_start(now: datetime, slot_minutes: int) -> datetime:
    """Return the start (UTC) of the slot holding `now`."""
    return floor_instant(now, _slot(slot_minutes))


def slot_starts(start: datetime, slot_minutes: int, count: int) -> tuple[datetime, ...]:
    """Return `count` consecutive slot starts from `start`, in UTC."""
    first = start.astimezone(UTC)
    slot = _slot(slot_minutes)
    return tuple(first + index * slot for index in range(count))


def _slot(slot_minutes: int) -> timedelta:
    if slot_minutes not in SLOT_MINUTES:
        raise InputsError(f"slot length must be one of {SLOT_MINUTES} minutes")
    return timedelta(minutes=slot_minutes)


def _weighted(
    starts_of_points: Sequence[datetime],
    ends_of_points: Sequence[datetime],
    values: Sequence[float],
    slot_begin: datetime,
    slot_end: datetime,
) -> tuple[float, timedelta]:
    """Return (sum of value x overlap seconds, covered time) of points within a slot."""
    total = 0.0
    covered = timedelta()
    index = bisect_right(ends_of_points, slot_begin)
    while index < len(values) and starts_of_points[index] < slot_end:
        overlap = min(ends_of_points[index], slot_end) - max(
            starts_of_points[index], slot_begin
        )
        if overlap > timedelta():
            total += values[index] * overlap.total_seconds()
            covered += overlap
        index += 1
    return total, covered


def resample_prices(
    series: PriceSeries,
    starts: Sequence[datetime],
    slot: timedelta,
    price_of: Callable[[float], float] = float,
) -> list[float | None]:
    """Time-weighted mean price per slot; None where the series does not cover a slot.

    An hourly price is held over its quarter-hours; quarter-hours average into hours.
    `price_of` maps each source price first (the retail formula, for instance).
    """
    begins = [point.start for point in series.points]
    ends = [point.end for point in series.points]
    values = [price_of(point.price) for point in series.points]
    result: list[float | None] = []
    for begin in starts:
        total, covered = _weighted(begins, ends, values, begin, begin + slot)
        result.append(total / slot.total_seconds() if covered == slot else None)
    return result


def resample_power(
    series: PowerSeries, starts: Sequence[datetime], slot: timedelta
) -> list[float | None]:
    """Mean kW per slot, energy conserved; None for slots not wholly inside the span."""
    begins = [point.start for point in series.points]
    ends = [point.end for point in series.points]
    values = [point.kw for point in series.points]
    result: list[float | None] = []
    for begin in starts:
        inside = (
            series.span_start is not None
            and series.span_end is not None
            and series.span_start <= begin
            and begin + slot <= series.span_end
        )
        if inside:
            total, _ = _weighted(begins, ends, values, begin, begin + slot)
            result.append(total / slot.total_seconds())
        else:
            result.append(None)
    return result


def align_inputs(
    *,
    start: datetime,
    slot_minutes: int,
    max_horizon: timedelta,
    import_prices: PriceSeries,
    export_prices: PriceSeries,
    tariff: RetailTariff,
    pv: PowerSeries,
    grid_fees: PriceSeries | None = None,
) -> AlignedInputs:
    """Put every input on the slot grid from `start`, as far as prices are known.

    Spot prices go through `tariff` (buy for import, sell for export), and spot import
    prices also get the time-of-day `grid_fees` (per kWh, after VAT); retail prices
    pass through. The horizon ends at the first slot either price does not cover, or
    at `max_horizon`; prices are never invented. PV missing past its forecast counts
    as zero, and is reported.
    """
    slot = _slot(slot_minutes)
    count = max_horizon // slot
    if count < 1:
        raise InputsError("the maximum horizon must hold at least one slot")
    starts = slot_starts(start, slot_minutes, count)
    buy = tariff.buy if import_prices.is_spot else float
    sell = tariff.sell if export_prices.is_spot else float
    imports = resample_prices(import_prices, starts, slot, buy)
    exports = resample_prices(export_prices, starts, slot, sell)
    if grid_fees is not None and import_prices.is_spot:
        fees = resample_prices(grid_fees, starts, slot)
        imports = [
            None if price is None or fee is None else price + fee
            for price, fee in zip(imports, fees, strict=True)
        ]
    issues: list[InputIssue] = []
    length = next(
        (
            i
            for i, pair in enumerate(zip(imports, exports, strict=True))
            if None in pair
        ),
        count,
    )
    if length < count:
        issues += _price_issues(
            length, starts, imports, exports, (import_prices, export_prices)
        )
    starts = starts[:length]
    pv_kw = _zero_filled(resample_power(pv, starts, slot), issues, starts)
    first = start.astimezone(UTC)
    return AlignedInputs(
        start=first,
        slot_minutes=slot_minutes,
        starts=starts,
        import_price=tuple(price for price in imports[:length] if price is not None),
        export_price=tuple(price for price in exports[:length] if price is not None),
        pv_kw=pv_kw,
        horizon_end=first + length * slot,
        issues=tuple(issues),
    )


def _price_issues(
    length: int,
    starts: Sequence[datetime],
    imports: Sequence[float | None],
    exports: Sequence[float | None],
    sources: tuple[PriceSeries, PriceSeries],
) -> list[InputIssue]:
    at = starts[length]
    if length == 0:
        missing = tuple(
            name
            for name, values in (("import", imports), ("export", exports))
            if values[0] is None
        )
        return [
            InputIssue(
                kind=IssueKind.NO_PRICES,
                at=at,
                detail="no price for the current slot",
                missing=missing,
            )
        ]
    resumes_later = any(
        at < point.start < starts[-1] for series in sources for point in series.points
    )
    if not resumes_later:
        return []
    return [
        InputIssue(
            kind=IssueKind.PRICE_GAP,
            at=at,
            detail=f"prices missing from {at.isoformat()}, horizon shortened",
        )
    ]


def _zero_filled(
    values: list[float | None], issues: list[InputIssue], starts: Sequence[datetime]
) -> tuple[float, ...]:
    known = [value for value in values if value is not None]
    if len(known) == len(values):
        return tuple(known)
    missing = next(i for i, value in enumerate(values) if value is None)
    issues.append(
        InputIssue(
            kind=IssueKind.PV_SHORT,
            at=starts[missing],
            detail=f"{len(values) - len(known)} slots without PV forecast, assumed 0 kW",
        )
    )
    return tuple(value or 0.0 for value in values)
