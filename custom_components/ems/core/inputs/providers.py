"""Retail price adapters (Amber Electric, Octopus Energy) and which adapter a sensor needs.

Both publish what the house pays per kWh, taxes and network included: their prices
pass through the retail formula untouched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from custom_components.ems.const import PriceSource

from .series import (
    PricePoint,
    PriceSeries,
    parse_instant,
    parse_number,
    sorted_price_points,
)

AMBER_SPIKE = "spike"


def detect_source(attributes: Mapping[str, object]) -> PriceSource | None:
    """Return the adapter a price sensor's attributes call for, None if none fits."""
    if "raw_today" in attributes:
        return PriceSource.NORDPOOL_HACS
    if "prices_today" in attributes or "prices" in attributes:
        return PriceSource.ENTSOE
    if "spike_status" in attributes or isinstance(attributes.get("forecasts"), list):
        return PriceSource.AMBER
    if "rates" in attributes or "mpan" in attributes:
        return PriceSource.OCTOPUS
    return None


@dataclass(frozen=True, kw_only=True, slots=True)
class AmberSpike:
    """Amber's spike flag now (`none`, `potential`, `spike`) and the spikes it forecasts."""

    now: str | None
    ahead: tuple[datetime, ...] = ()


def _amber_point(
    interval: object, where: str, warnings: list[str]
) -> tuple[PricePoint, str | None] | None:
    """Read one Amber interval, [start_time, end_time).

    Amber's `start_time` lies a second after the previous interval's end
    ("02:00:01Z" to "02:30:00Z"): it is taken to its minute. Without it, the start is
    `duration` minutes before the end.
    """
    if not isinstance(interval, Mapping):
        warnings.append(f"{where}: not a mapping")
        return None
    end = parse_instant(interval.get("end_time"))
    price = parse_number(interval.get("per_kwh"))
    start = parse_instant(interval.get("start_time"))
    minutes = parse_number(interval.get("duration"))
    if start is not None:
        start = start.replace(second=0, microsecond=0)
    elif end is not None and minutes is not None and minutes > 0:
        start = end - timedelta(minutes=minutes)
    if start is None or end is None or price is None:
        warnings.append(f"{where}: unreadable 'start_time', 'end_time' or 'per_kwh'")
        return None
    status = interval.get("spike_status")
    return PricePoint(start=start, end=end, price=price), (
        status if isinstance(status, str) else None
    )


def amber(
    current: Mapping[str, object] | None, forecast: Mapping[str, object] | None
) -> tuple[PriceSeries, AmberSpike]:
    """Read Amber Electric's current price and forecast sensors of one channel.

    The current sensor's attributes describe the running interval; the forecast
    sensor's `forecasts` list starts at the next one. Prices are $/kWh as billed (the
    feed-in channel already as earnings).
    """
    warnings: list[str] = []
    points: list[PricePoint] = []
    spike_now: str | None = None
    spikes: list[datetime] = []
    if current is not None:
        read = _amber_point(current, "current price", warnings)
        if read is not None:
            points.append(read[0])
            spike_now = read[1]
    if forecast is not None:
        entries = forecast.get("forecasts")
        if not isinstance(entries, list | tuple):
            warnings.append("forecasts: expected a list")
            entries = ()
        for index, interval in enumerate(entries):
            read = _amber_point(interval, f"forecasts[{index}]", warnings)
            if read is None:
                continue
            points.append(read[0])
            if read[1] == AMBER_SPIKE:
                spikes.append(read[0].start)
    series = PriceSeries(
        points=sorted_price_points(points, warnings, "forecasts"),
        currency="AUD",
        is_spot=False,
        warnings=tuple(warnings),
    )
    return series, AmberSpike(now=spike_now, ahead=tuple(spikes))


def octopus(events: Sequence[Mapping[str, object]]) -> PriceSeries:
    """Read Octopus Energy's day rates events: `rates` of {start, end, value_inc_vat}.

    One mapping per event entity (current day, next day); `value_inc_vat` is in
    pounds per kWh, VAT included, as billed.
    """
    warnings: list[str] = []
    points: list[PricePoint] = []
    for event in events:
        rates = event.get("rates")
        if rates is None:
            continue
        if not isinstance(rates, list | tuple):
            warnings.append("rates: expected a list")
            continue
        for index, rate in enumerate(rates):
            if not isinstance(rate, Mapping):
                warnings.append(f"rates[{index}]: not a mapping")
                continue
            start = parse_instant(rate.get("start"))
            end = parse_instant(rate.get("end"))
            price = parse_number(rate.get("value_inc_vat"))
            if start is None or end is None or price is None:
                warnings.append(
                    f"rates[{index}]: unreadable 'start', 'end' or 'value_inc_vat'"
                )
                continue
            points.append(PricePoint(start=start, end=end, price=price))
    return PriceSeries(
        points=sorted_price_points(points, warnings, "rates"),
        currency="GBP",
        is_spot=False,
        warnings=tuple(warnings),
    )
