"""Price adapters read the payloads Home Assistant really hands over."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from homeassistant.core import HomeAssistant
import pytest

from custom_components.ems.core.inputs import (
    PriceSeries,
    attribute_list,
    describe_warnings,
    entsoe,
    merge_prices,
    nordpool_core,
    nordpool_hacs,
    scale_from_unit,
    tibber,
)
from custom_components.ems.planner.prices import PriceScale

from .shared_data import SE3_15MIN, SE3_HOURLY, STOCKHOLM, local_day

OCT_1 = date(2025, 10, 1)
SE3_DAY = local_day(SE3_15MIN, OCT_1, STOCKHOLM)  # SEK/MWh, 15 minutes


def _raw(
    rows: list[tuple[datetime, float]], step: timedelta, factor: float
) -> list[dict[str, object]]:
    """HACS nordpool's raw_today: local aware datetimes, value in the sensor's unit."""
    return [
        {"start": start, "end": start + step, "value": value * factor}
        for start, value in rows
    ]


def _assert_se3_per_kwh(series: PriceSeries) -> None:
    assert len(series.points) == 96
    for point, (start, sek_per_mwh) in zip(series.points, SE3_DAY, strict=True):
        assert point.start == start
        assert point.end - point.start == timedelta(minutes=15)
        assert point.price == pytest.approx(sek_per_mwh / 1000, abs=1e-6)


@pytest.mark.parametrize(
    ("unit", "in_cents", "factor"),
    [
        ("kWh", False, 1 / 1000),
        ("kWh", True, 1 / 10),
        ("MWh", False, 1.0),
        ("MWh", True, 100.0),
        ("Wh", False, 1e-6),
    ],
)
def test_nordpool_hacs_every_unit_gives_the_same_price_per_kwh(
    unit: str, in_cents: bool, factor: float
) -> None:
    """SEK/kWh, öre/kWh, SEK/MWh, öre/MWh and SEK/Wh all come out as SEK per kWh."""
    attributes = {
        "unit": unit,
        "currency": "SEK",
        "price_in_cents": in_cents,
        "raw_today": _raw(SE3_DAY, timedelta(minutes=15), factor),
        "raw_tomorrow": [],
        "tomorrow_valid": False,
    }
    series = nordpool_hacs(attributes)
    assert series.warnings == ()
    assert series.currency == "SEK"
    assert series.is_spot
    if unit != "Wh":
        _assert_se3_per_kwh(series)
    # the most expensive quarter-hour of that day: 3828.03 SEK/MWh at 17:00 UTC
    peak = max(series.points, key=lambda point: point.price)
    assert peak.start == datetime(2025, 10, 1, 17, 0, tzinfo=UTC)
    assert peak.price == pytest.approx(3.82803, abs=1e-4)


def test_nordpool_hacs_reads_tomorrow_only_when_valid() -> None:
    """Before publication raw_tomorrow is ignored; after it, the series runs a day longer."""
    tomorrow = local_day(SE3_HOURLY, date(2024, 12, 12), STOCKHOLM)  # hourly, EUR/MWh
    tomorrow_moved = [
        (datetime.combine(date(2025, 10, 2), start.time(), STOCKHOLM), value)
        for start, value in tomorrow
    ]
    attributes: dict[str, object] = {
        "unit": "kWh",
        "currency": "SEK",
        "price_in_cents": False,
        "raw_today": _raw(SE3_DAY, timedelta(minutes=15), 1 / 1000),
        "raw_tomorrow": _raw(tomorrow_moved, timedelta(hours=1), 1 / 1000),
        "tomorrow_valid": False,
    }
    today_only = nordpool_hacs(attributes)
    assert today_only.end == datetime(2025, 10, 2, tzinfo=STOCKHOLM)
    both = nordpool_hacs({**attributes, "tomorrow_valid": True})
    assert len(both.points) == 96 + 24
    assert both.end == datetime(2025, 10, 3, tzinfo=STOCKHOLM)
    assert both.points[-1].price == pytest.approx(tomorrow[-1][1] / 1000)


def test_nordpool_hacs_skips_bad_entries_and_says_where() -> None:
    """Unreadable entries are dropped, each named once; the rest still count."""
    good = _raw(SE3_DAY, timedelta(minutes=15), 1 / 1000)
    raw: list[object] = list(good)
    raw[5] = {**good[5], "value": None}
    raw[9] = {**good[9], "start": "yesterday"}
    raw[11] = "garbage"
    series = nordpool_hacs({"unit": "kWh", "raw_today": raw, "tomorrow_valid": False})
    assert len(series.points) == 93
    assert series.warnings == (
        "raw_today[5]: unreadable 'value'",
        "raw_today[9]: unreadable 'start'",
        "raw_today[11]: not a mapping",
    )
    assert describe_warnings("sensor.nordpool", series.warnings, shown=2) == (
        "sensor.nordpool: raw_today[5]: unreadable 'value'; "
        "raw_today[9]: unreadable 'start' (and 1 more)"
    )
    assert describe_warnings("sensor.nordpool", ()) is None
    assert nordpool_hacs({"unit": "kWh", "raw_today": "oops"}).warnings == (
        "raw_today: expected a list, got str",
    )
    assert nordpool_hacs({"unit": "GJ", "raw_today": raw}).points == ()


async def test_nordpool_hacs_from_a_real_home_assistant_state(
    hass: HomeAssistant,
) -> None:
    """The attributes of a state set in Home Assistant read the same as the dict."""
    attributes = {
        "unit": "kWh",
        "currency": "SEK",
        "price_in_cents": True,
        "raw_today": _raw(SE3_DAY, timedelta(minutes=15), 1 / 10),
        "raw_tomorrow": [],
        "tomorrow_valid": False,
    }
    hass.states.async_set("sensor.nordpool_kwh_se3_sek_3_10_025", "55.668", attributes)
    state = hass.states.get("sensor.nordpool_kwh_se3_sek_3_10_025")
    assert state is not None
    _assert_se3_per_kwh(nordpool_hacs(state.attributes))


def test_nordpool_core_service_response() -> None:
    """`nordpool.get_prices_for_date` gives UTC ISO strings and prices per MWh."""
    response = {
        "SE3": [
            {
                "start": start.astimezone(UTC).isoformat(),
                "end": (start + timedelta(minutes=15)).astimezone(UTC).isoformat(),
                "price": value,
            }
            for start, value in SE3_DAY
        ]
    }
    series = nordpool_core(response, area="SE3", currency="SEK")
    assert series.warnings == ()
    _assert_se3_per_kwh(series)
    missing = nordpool_core(response, area="SE4")
    assert missing.points == ()
    assert missing.warnings == ("SE4: area not in the response",)


def _entsoe_items(
    rows: list[tuple[datetime, float]], factor: float
) -> list[dict[str, object]]:
    return [
        {"time": start.astimezone(UTC).isoformat(), "price": value * factor}
        for start, value in rows
    ]


@pytest.mark.parametrize(
    ("unit", "factor"), [("EUR/kWh", 1 / 1000), ("EUR/MWh", 1.0), ("c/kWh", 1 / 10)]
)
def test_entsoe_hourly_with_units(unit: str, factor: float) -> None:
    """ENTSO-e lists {time, price}; ends come from the hourly spacing."""
    today = local_day(SE3_HOURLY, date(2024, 12, 11), STOCKHOLM)
    tomorrow = local_day(SE3_HOURLY, date(2024, 12, 12), STOCKHOLM)
    series = entsoe(
        {
            "prices_today": _entsoe_items(today, factor),
            "prices_tomorrow": _entsoe_items(tomorrow, factor),
        },
        unit=unit,
    )
    assert series.warnings == ()
    assert len(series.points) == 48
    assert all(point.end - point.start == timedelta(hours=1) for point in series.points)
    assert [point.price for point in series.points] == pytest.approx(
        [value / 1000 for _, value in today + tomorrow]
    )
    assert series.currency == (None if unit.startswith("c/") else "EUR")


def test_entsoe_prefers_prices_and_keeps_gaps() -> None:
    """`prices` wins over the day lists; a missing hour stays missing, not bridged."""
    rows = local_day(SE3_HOURLY, date(2024, 1, 5), STOCKHOLM)
    with_gap = rows[:10] + rows[11:]
    series = entsoe(
        {
            "prices": _entsoe_items(with_gap, 1 / 1000),
            "prices_today": [{"time": "x", "price": 1}],
        },
        unit="EUR/kWh",
    )
    assert series.warnings == ()
    assert len(series.points) == 23
    assert series.points[9].end == rows[10][0]
    assert series.points[10].start == rows[11][0]


def test_tibber_prices_are_retail_and_need_a_home_when_there_are_two() -> None:
    """`tibber.get_prices` totals pass through; with two homes the one to use is named."""
    rows = local_day(SE3_HOURLY, date(2024, 1, 5), STOCKHOLM)
    prices = [
        {"start_time": start.isoformat(), "price": 0.8 + value / 1000}
        for start, value in rows
    ]
    one = tibber({"prices": {"Villa": prices}}, currency="SEK")
    assert not one.is_spot
    assert one.warnings == ()
    assert [point.price for point in one.points] == pytest.approx(
        [0.8 + v / 1000 for _, v in rows]
    )
    two = {"prices": {"Villa": prices, "Stuga": prices[:3]}}
    assert tibber(two).points == ()
    assert tibber(two).warnings == ("prices: 2 homes, name the one to use",)
    assert len(tibber(two, home="Stuga").points) == 3
    assert tibber(two, home="Kontor").warnings == ("prices: no home named 'Kontor'",)


def test_generic_attribute_list_with_named_keys() -> None:
    """Any sensor: the attribute and its keys are options, öre/kWh becomes SEK/kWh."""
    items = [
        {"from": start, "to": start + timedelta(minutes=15), "ore": value / 10}
        for start, value in SE3_DAY
    ]
    series = attribute_list(
        {"forecast": items},
        attribute="forecast",
        start_key="from",
        end_key="to",
        price_key="ore",
        unit="öre/kWh",
        is_spot=False,
    )
    assert not series.is_spot
    _assert_se3_per_kwh(series)
    no_ends = attribute_list(
        {"forecast": items},
        attribute="forecast",
        start_key="from",
        price_key="ore",
        unit="öre/kWh",
    )
    _assert_se3_per_kwh(no_ends)


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("EUR/kWh", (PriceScale.PER_KWH, 1.0)),
        ("SEK/MWh", (PriceScale.PER_MWH, 1.0)),
        ("öre/kWh", (PriceScale.CENTS_PER_KWH, 1.0)),
        ("ct/kWh", (PriceScale.CENTS_PER_KWH, 1.0)),
        ("c/MWh", (PriceScale.PER_MWH, 0.01)),
        ("EUR/Wh", (PriceScale.PER_KWH, 1000.0)),
        ("EUR", None),
        ("EUR/GJ", None),
    ],
)
def test_scale_from_unit(unit: str, expected: tuple[PriceScale, float] | None) -> None:
    """Units as sensors state them map onto the planner's price scales."""
    assert scale_from_unit(unit) == expected


def test_merge_today_and_tomorrow_responses() -> None:
    """Two service responses join into one series; a repeated interval counts once."""

    def response(rows: list[tuple[datetime, float]]) -> dict[str, object]:
        return {
            "SE3": [
                {
                    "start": s.isoformat(),
                    "end": (s + timedelta(hours=1)).isoformat(),
                    "price": v,
                }
                for s, v in rows
            ]
        }

    today = local_day(SE3_HOURLY, date(2024, 12, 11), STOCKHOLM)
    tomorrow = local_day(SE3_HOURLY, date(2024, 12, 12), STOCKHOLM)
    merged = merge_prices(
        nordpool_core(response(today), area="SE3", currency="EUR"),
        nordpool_core(response(today[-2:] + tomorrow), area="SE3"),
    )
    assert len(merged.points) == 48
    assert merged.currency == "EUR"
    assert [p.price for p in merged.points] == pytest.approx(
        [v / 1000 for _, v in today + tomorrow]
    )
