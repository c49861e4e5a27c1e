"""Amber Electric and Octopus Energy adapters, and which adapter a sensor's shape calls for."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from custom_components.ems.const import PriceSource
from custom_components.ems.core.inputs import (
    amber,
    detect_source,
    nordpool_core,
    octopus,
)
from tests.forecast_payloads import hacs_nordpool
from tests.provider_payloads import (
    HALF_HOUR,
    LONDON,
    SYDNEY,
    amber_current,
    amber_forecast,
    amber_interval,
    bom,
    octopus_current_rate,
    octopus_event,
    octopus_rates,
)

from .shared_data import SE3_15MIN, SE3_HOURLY, STOCKHOLM, local_day

SE3_DAY = local_day(SE3_15MIN, date(2025, 10, 1), STOCKHOLM)


def _half_hours(day: date) -> list[tuple[datetime, float]]:
    """SE3's quarter-hours of 2025-10-01 paired into half-hours, moved to a Sydney day."""
    begin = datetime.combine(day, datetime.min.time(), SYDNEY).astimezone(UTC)
    return [
        (begin + index * HALF_HOUR, (first + second) / 2000)
        for index, ((_, first), (_, second)) in enumerate(
            zip(SE3_DAY[::2], SE3_DAY[1::2], strict=True)
        )
    ]


def test_amber_current_and_forecast_make_one_series() -> None:
    """The current interval comes first; the forecasts start at the next half-hour."""
    rows = _half_hours(date(2025, 1, 15))
    intervals = [amber_interval(start, price) for start, price in rows]
    series, spike = amber(amber_current(intervals[0]), amber_forecast(intervals[1:]))
    assert series.warnings == ()
    assert not series.is_spot
    assert len(series.points) == 48
    for point, (start, price) in zip(series.points, rows, strict=True):
        # "…T13:00:01+00:00" is read as the interval from 13:00.
        assert point.start == start
        assert point.end == start + HALF_HOUR
        assert point.price == round(price, 2)
    assert spike.now == "none"
    assert spike.ahead == ()


def test_amber_spikes_and_feed_in() -> None:
    """The spike flag now and the forecast's spikes; feed-in is read as earned."""
    rows = _half_hours(date(2025, 1, 15))
    intervals = [
        amber_interval(start, price, spike="spike" if index in (36, 37) else "none")
        for index, (start, price) in enumerate(rows)
    ]
    current = amber_current(intervals[0]) | {"spike_status": "potential"}
    _, spike = amber(current, amber_forecast(intervals[1:]))
    assert spike.now == "potential"
    assert spike.ahead == (rows[36][0], rows[37][0])

    feed_in = [
        amber_interval(start, 0.05, channel="feedIn") | {"per_kwh": 0.05}
        for start, _ in rows
    ]
    series, _ = amber(amber_current(feed_in[0]), amber_forecast(feed_in[1:]))
    assert {point.price for point in series.points} == {0.05}


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2024, 4, 7), 25), (date(2024, 10, 6), 23)]
)
def test_amber_on_sydney_dst_days(day: date, hours: int) -> None:
    """A Sydney DST day has 50 or 46 half-hours; each lands on its own instant."""
    # Instants in UTC: arithmetic on local datetimes is wall-clock arithmetic.
    begin = datetime.combine(day, datetime.min.time(), SYDNEY).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), SYDNEY)
    count = int((end.astimezone(UTC) - begin) / HALF_HOUR)
    assert count == hours * 2
    intervals = [
        amber_interval(begin + index * HALF_HOUR, 0.2 + index / 1000)
        for index in range(count)
    ]
    series, _ = amber(amber_current(intervals[0]), amber_forecast(intervals[1:]))
    assert len(series.points) == count
    assert series.points[-1].end == end


def test_amber_unreadable_interval_is_skipped() -> None:
    """An interval without a price is skipped and named."""
    rows = _half_hours(date(2025, 1, 15))[:4]
    intervals = [amber_interval(start, price) for start, price in rows]
    intervals[2]["per_kwh"] = None
    series, _ = amber(amber_current(intervals[0]), amber_forecast(intervals[1:]))
    assert len(series.points) == 3
    assert series.warnings == (
        "forecasts[1]: unreadable 'start_time', 'end_time' or 'per_kwh'",
    )


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2024, 3, 31), 23), (date(2024, 10, 27), 25)]
)
def test_octopus_day_rates_on_london_dst_days(day: date, hours: int) -> None:
    """Agile's half-hours of a London DST day: the current and next day events."""
    prices = local_day(SE3_HOURLY, day, STOCKHOLM)
    assert len(prices) == hours
    begin = datetime.combine(day, datetime.min.time(), LONDON).astimezone(UTC)
    rows = [
        (begin + index * HALF_HOUR, prices[index // 2][1] / 1000)
        for index in range(hours * 2)
    ]
    end = begin + hours * 2 * HALF_HOUR
    today = octopus_rates(rows)
    tomorrow = octopus_rates(
        [(end + index * HALF_HOUR, value) for index, (_, value) in enumerate(rows[:46])]
    )
    series = octopus(
        [
            octopus_event(today, "octopus_energy_electricity_current_day_rates"),
            octopus_event(tomorrow, "octopus_energy_electricity_next_day_rates"),
        ]
    )
    assert series.warnings == ()
    assert not series.is_spot
    assert series.currency == "GBP"
    assert len(series.points) == hours * 2 + 46
    for point, (start, value) in zip(series.points, rows, strict=False):
        assert point.start == start
        assert point.price == pytest.approx(value)
    assert series.points[hours * 2 - 1].end == datetime.combine(
        day + timedelta(days=1), datetime.min.time(), LONDON
    )


def test_octopus_restored_rates_are_strings() -> None:
    """After a restart the event's rates come back with ISO strings: read the same."""
    begin = datetime(2025, 1, 15, tzinfo=UTC)
    rates = octopus_rates([(begin + index * HALF_HOUR, 0.2) for index in range(4)])
    restored = [
        rate | {"start": rate["start"].isoformat(), "end": rate["end"].isoformat()}
        for rate in rates
    ]
    series = octopus([octopus_event(restored, "x"), {"event_type": None}])
    assert [point.start for point in series.points] == [
        begin + index * HALF_HOUR for index in range(4)
    ]


def test_nordpool_core_area_in_any_case() -> None:
    """The area typed as "se4" finds the answer's "SE4"."""
    response = {
        "SE4": [
            {
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=15)).isoformat(),
                "price": value,
            }
            for start, value in SE3_DAY
        ]
    }
    series = nordpool_core(response, area="se4")
    assert series.warnings == ()
    assert len(series.points) == 96


def test_each_shape_gets_its_adapter() -> None:
    """Nord Pool, ENTSO-e, Amber (either sensor), Octopus (rate sensor or event)."""
    begin = datetime(2025, 1, 15, tzinfo=SYDNEY)
    interval = amber_interval(begin, 0.3)
    rate = octopus_rates([(datetime(2025, 1, 15, tzinfo=LONDON), 0.2)])
    assert detect_source(hacs_nordpool(SE3_DAY)) is PriceSource.NORDPOOL_HACS
    assert detect_source({"prices_today": [], "prices": []}) is PriceSource.ENTSOE
    assert detect_source(amber_current(interval)) is PriceSource.AMBER
    assert detect_source(amber_forecast([interval])) is PriceSource.AMBER
    assert detect_source(octopus_current_rate(rate[0])) is PriceSource.OCTOPUS
    assert detect_source(octopus_event(rate, "x")) is PriceSource.OCTOPUS
    assert detect_source(bom([])) is None
    assert detect_source({"unit_of_measurement": "EUR/kWh"}) is None
