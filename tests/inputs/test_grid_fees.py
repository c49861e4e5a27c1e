"""Time-of-day grid fees (§14a EnWG module 3): windows, quarters, DST days, the plan's prices."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.ems.core.inputs import (
    GridFeeSchedule,
    InputsError,
    PowerSeries,
    align_inputs,
    grid_fee_series,
    nordpool_hacs,
    parse_windows,
)
from custom_components.ems.planner.prices import RetailTariff

from .shared_data import DE_LU, local_day

BERLIN = ZoneInfo("Europe/Berlin")
QUARTER = timedelta(minutes=15)
# A grid operator's module 3 sheet: 3.0 ct low at night, 12.0 ct high in the evening,
# 9.0 ct otherwise; the times apply in the first, second and fourth quarters.
SCHEDULE = GridFeeSchedule(
    low=0.03,
    standard=0.09,
    high=0.12,
    low_windows=parse_windows("00:00-06:00, 22:00-24:00"),
    high_windows=parse_windows("17:00-20:00"),
    quarters=(1, 2, 4),
)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), BERLIN)


def test_windows_are_read_and_checked() -> None:
    """Comma-separated windows; 24:00 is midnight; off quarter-hours are refused."""
    assert parse_windows("") == ()
    assert parse_windows(" 22:00-06:00 ") == ((time(22), time(6)),)
    assert parse_windows("00:00-06:00,22:00-24:00") == (
        (time(0), time(6)),
        (time(22), time(0)),
    )
    for bad, reason in (
        ("17:10-20:00", "quarter-hour"),
        ("17-20", "time window"),
        ("25:00-26:00", "no time of day"),
        ("06:00-06:00", "empty"),
    ):
        with pytest.raises(InputsError, match=reason):
            parse_windows(bad)


@pytest.mark.parametrize(
    ("day", "low", "high", "standard"),
    [
        # Spring forward: 02:00-03:00 does not exist, the night is an hour short.
        (date(2024, 3, 31), 7 * 4, 3 * 4, 13 * 4),
        # Fall back: 02:00-03:00 happens twice.
        (date(2024, 10, 27), 9 * 4, 3 * 4, 13 * 4),
        # The third quarter has no times: standard all day.
        (date(2024, 8, 1), 0, 0, 24 * 4),
    ],
)
def test_fee_levels_over_a_local_day(
    day: date, low: int, high: int, standard: int
) -> None:
    """Quarter-hours at each level over a whole local day, DST days included."""
    begin, end = _midnight(day), _midnight(day + timedelta(days=1))
    series = grid_fee_series(SCHEDULE, "Europe/Berlin", begin, end)
    counts = {0.03: 0, 0.09: 0, 0.12: 0}
    for point in series.points:
        counts[point.price] += int((point.end - point.start) / QUARTER)
    assert counts == {0.03: low, 0.09: standard, 0.12: high}
    assert series.points[0].start == begin.astimezone(UTC)
    assert series.points[-1].end == end.astimezone(UTC)


def test_fees_join_the_retail_formula_of_spot_prices() -> None:
    """Import = (spot + markup) x (1 + VAT) + fees + the slot's grid fee; export untouched."""
    day = date(2024, 11, 5)
    rows = local_day(DE_LU, day, BERLIN)
    begin = _midnight(day)
    attributes = {
        "unit": "MWh",
        "currency": "EUR",
        "raw_today": [
            {"start": start, "end": start + timedelta(hours=1), "value": value}
            for start, value in rows
        ],
    }
    spot = nordpool_hacs(attributes)
    tariff = RetailTariff(
        markup_per_kwh=0.02, vat_percent=19.0, fees_per_kwh=0.15, export_factor=1.0
    )
    empty = PowerSeries(points=(), span_start=None, span_end=None)
    aligned = align_inputs(
        start=begin,
        slot_minutes=15,
        max_horizon=timedelta(hours=24),
        import_prices=spot,
        export_prices=spot,
        tariff=tariff,
        pv=empty,
        grid_fees=grid_fee_series(
            SCHEDULE, "Europe/Berlin", begin, begin + timedelta(days=1)
        ),
    )
    assert len(aligned.import_price) == 96
    for index, price in enumerate(aligned.import_price):
        hour = index // 4
        fee = 0.03 if hour < 6 or hour >= 22 else 0.12 if 17 <= hour < 20 else 0.09
        expected = (rows[hour][1] / 1000 + 0.02) * 1.19 + 0.15 + fee
        assert price == pytest.approx(expected, abs=1e-9)
        assert aligned.export_price[index] == pytest.approx(rows[hour][1] / 1000)
