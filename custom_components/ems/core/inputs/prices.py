"""Price adapters: from what Home Assistant gives (attributes, service responses) to series.

Each adapter takes exactly the dict Home Assistant hands over and returns a
`PriceSeries` in currency per kWh. Bad entries are skipped, never guessed, and listed
in `warnings` (naming the attribute and the entry) for the caller to log once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from custom_components.ems.planner.prices import PriceScale, to_per_kwh

from .series import (
    PricePoint,
    PriceSeries,
    ends_from_starts,
    parse_instant,
    parse_number,
    sorted_price_points,
)

_SCALE_BY_ENERGY_UNIT: dict[str, tuple[PriceScale, float]] = {
    "wh": (PriceScale.PER_KWH, 1000.0),
    "kwh": (PriceScale.PER_KWH, 1.0),
    "mwh": (PriceScale.PER_MWH, 1.0),
}
_SUBUNITS = frozenset(
    {"c", "ct", "cent", "cents", "öre", "ore", "øre", "p", "pence", "snt"}
)


def energy_unit_scale(energy: str, *, subunit: bool) -> tuple[PriceScale, float] | None:
    """Return (scale, factor) for prices per `energy` ("Wh", "kWh", "MWh"), None if unknown.

    Multiply a value by `factor` before converting it with `scale`; `subunit` means the
    values are in cents (öre, øre, ct) rather than whole currency.
    """
    found = _SCALE_BY_ENERGY_UNIT.get(energy.strip().lower())
    if found is None:
        return None
    scale, factor = found
    if not subunit:
        return scale, factor
    if scale is PriceScale.PER_KWH and factor == 1.0:
        return PriceScale.CENTS_PER_KWH, 1.0
    return scale, factor / 100.0


def scale_from_unit(unit: str) -> tuple[PriceScale, float] | None:
    """Return (scale, factor) for a unit like "EUR/kWh", "öre/kWh" or "SEK/MWh"."""
    money, _, energy = unit.partition("/")
    return energy_unit_scale(energy, subunit=money.strip().lower() in _SUBUNITS)


def currency_of(unit: str) -> str | None:
    """Return the currency of a unit like "EUR/kWh" (None for cents or no currency)."""
    money = unit.partition("/")[0].strip()
    return money if money and money.lower() not in _SUBUNITS else None


def per_kwh(value: float, unit: tuple[PriceScale, float]) -> float:
    """Convert a price in `unit` (from `scale_from_unit`) to currency per kWh."""
    scale, factor = unit
    return to_per_kwh(value * factor, scale)


def _read_list(
    attributes: Mapping[str, object], attribute: str, warnings: list[str]
) -> Sequence[object]:
    value = attributes.get(attribute)
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return value
    warnings.append(f"{attribute}: expected a list, got {type(value).__name__}")
    return ()


def _points_with_ends(
    entries: Sequence[object],
    *,
    where: str,
    start_key: str,
    end_key: str | None,
    price_key: str,
    unit: tuple[PriceScale, float],
    warnings: list[str],
) -> list[PricePoint]:
    """Read entries of {start, [end], price}; without ends, infer them from the starts."""
    parsed: list[tuple[datetime, datetime | None, float]] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            warnings.append(f"{where}[{index}]: not a mapping")
            continue
        start = parse_instant(entry.get(start_key))
        end = parse_instant(entry.get(end_key)) if end_key else None
        price = parse_number(entry.get(price_key))
        if start is None:
            warnings.append(f"{where}[{index}]: unreadable '{start_key}'")
        elif end_key and end is None:
            warnings.append(f"{where}[{index}]: unreadable '{end_key}'")
        elif price is None:
            warnings.append(f"{where}[{index}]: unreadable '{price_key}'")
        else:
            parsed.append((start, end, per_kwh(price, unit)))
    parsed.sort(key=lambda item: item[0])
    ends = ends_from_starts([start for start, _, _ in parsed])
    return [
        PricePoint(start=start, end=end or inferred, price=price)
        for (start, end, price), inferred in zip(parsed, ends, strict=True)
    ]


def nordpool_hacs(
    attributes: Mapping[str, object], *, is_spot: bool = True
) -> PriceSeries:
    """Read the HACS `nordpool` sensor: `raw_today` and, when valid, `raw_tomorrow`."""
    warnings: list[str] = []
    energy = str(attributes.get("unit") or "kWh")
    unit = energy_unit_scale(energy, subunit=bool(attributes.get("price_in_cents")))
    if unit is None:
        return PriceSeries(
            points=(),
            currency=None,
            is_spot=is_spot,
            warnings=(f"unit: unknown energy unit '{energy}'",),
        )
    attribute_names = ["raw_today"]
    if attributes.get("tomorrow_valid"):
        attribute_names.append("raw_tomorrow")
    points: list[PricePoint] = []
    for name in attribute_names:
        points += _points_with_ends(
            _read_list(attributes, name, warnings),
            where=name,
            start_key="start",
            end_key="end",
            price_key="value",
            unit=unit,
            warnings=warnings,
        )
    currency = attributes.get("currency")
    return PriceSeries(
        points=sorted_price_points(points, warnings, "raw_today/raw_tomorrow"),
        currency=currency if isinstance(currency, str) else None,
        is_spot=is_spot,
        warnings=tuple(warnings),
    )


def nordpool_core(
    response: Mapping[str, object], *, area: str, currency: str | None = None
) -> PriceSeries:
    """Read a `nordpool.get_prices_for_date` response: {area: [{start, end, price}]}, per MWh.

    The area is matched in any case ("se4" finds the answer's "SE4").
    """
    warnings: list[str] = []
    area = next((key for key in response if key.upper() == area.upper()), area)
    points = _points_with_ends(
        _read_list(response, area, warnings),
        where=area,
        start_key="start",
        end_key="end",
        price_key="price",
        unit=(PriceScale.PER_MWH, 1.0),
        warnings=warnings,
    )
    if area not in response:
        warnings.append(f"{area}: area not in the response")
    return PriceSeries(
        points=sorted_price_points(points, warnings, area),
        currency=currency,
        is_spot=True,
        warnings=tuple(warnings),
    )


def entsoe(
    attributes: Mapping[str, object],
    *,
    unit: str = "EUR/kWh",
    is_spot: bool = True,
) -> PriceSeries:
    """Read the HACS `entsoe` sensor: `prices` or else `prices_today` + `prices_tomorrow`.

    `unit` is the sensor's unit of measurement (the integration's energy scale).
    """
    warnings: list[str] = []
    scale = scale_from_unit(unit)
    if scale is None:
        return PriceSeries(
            points=(),
            currency=None,
            is_spot=is_spot,
            warnings=(f"unit_of_measurement: unknown price unit '{unit}'",),
        )
    names = (
        ["prices"] if attributes.get("prices") else ["prices_today", "prices_tomorrow"]
    )
    points: list[PricePoint] = []
    for name in names:
        points += _points_with_ends(
            _read_list(attributes, name, warnings),
            where=name,
            start_key="time",
            end_key=None,
            price_key="price",
            unit=scale,
            warnings=warnings,
        )
    return PriceSeries(
        points=sorted_price_points(points, warnings, "/".join(names)),
        currency=currency_of(unit),
        is_spot=is_spot,
        warnings=tuple(warnings),
    )


def tibber(
    response: Mapping[str, object],
    *,
    home: str | None = None,
    currency: str | None = None,
) -> PriceSeries:
    """Read a `tibber.get_prices` response: {"prices": {home: [{start_time, price}]}}.

    Tibber's prices are totals per kWh (energy, tax, VAT): retail, passed through.
    Without `home`, the response must hold exactly one home.
    """
    warnings: list[str] = []
    homes = response.get("prices")
    entries: Sequence[object] = ()
    if not isinstance(homes, Mapping):
        warnings.append("prices: expected a mapping of homes")
    elif home is None and len(homes) != 1:
        warnings.append(f"prices: {len(homes)} homes, name the one to use")
    else:
        name = home if home is not None else next(iter(homes))
        entries = _read_list(homes, name, warnings)
        if name not in homes:
            warnings.append(f"prices: no home named '{name}'")
    points = _points_with_ends(
        entries,
        where="prices",
        start_key="start_time",
        end_key=None,
        price_key="price",
        unit=(PriceScale.PER_KWH, 1.0),
        warnings=warnings,
    )
    return PriceSeries(
        points=sorted_price_points(points, warnings, "prices"),
        currency=currency,
        is_spot=False,
        warnings=tuple(warnings),
    )


def attribute_list(
    attributes: Mapping[str, object],
    *,
    attribute: str,
    start_key: str = "start",
    price_key: str = "price",
    end_key: str | None = None,
    unit: str,
    is_spot: bool = True,
) -> PriceSeries:
    """Read any sensor whose `attribute` holds a list of {start_key, price_key[, end_key]}.

    `unit` is "<currency>/<energy>" such as "EUR/kWh", "öre/kWh", "EUR/MWh".
    """
    warnings: list[str] = []
    scale = scale_from_unit(unit)
    if scale is None:
        return PriceSeries(
            points=(),
            currency=None,
            is_spot=is_spot,
            warnings=(f"{attribute}: unknown price unit '{unit}'",),
        )
    points = _points_with_ends(
        _read_list(attributes, attribute, warnings),
        where=attribute,
        start_key=start_key,
        end_key=end_key,
        price_key=price_key,
        unit=scale,
        warnings=warnings,
    )
    return PriceSeries(
        points=sorted_price_points(points, warnings, attribute),
        currency=currency_of(unit),
        is_spot=is_spot,
        warnings=tuple(warnings),
    )
