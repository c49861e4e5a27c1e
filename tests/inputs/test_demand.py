"""The demand charge's peak so far: measure windows, counted hours and the two rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.ems.core.demand import (
    DemandConfig,
    PeakRule,
    daily_peaks,
    demand_tariff,
    month_bounds,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
MONDAY = datetime(2026, 3, 2, tzinfo=BRUSSELS)
END = datetime(2026, 4, 1, tzinfo=BRUSSELS)


def five_minutes(
    start: datetime, kws: list[float]
) -> list[tuple[datetime, float, int]]:
    """Return consecutive 5-minute means from `start`."""
    return [
        (start + index * timedelta(minutes=5), kw, 5) for index, kw in enumerate(kws)
    ]


def test_a_quarter_hour_is_the_mean_of_its_three_five_minute_means() -> None:
    """9 kW for five minutes in a quarter of 0 kW is a 3 kW quarter-hour peak."""
    config = DemandConfig(price_per_kw=4.0, measure_minutes=15)
    means = five_minutes(MONDAY.replace(hour=8), [0.0, 9.0, 0.0, 1.0, 1.0, 1.0])
    assert daily_peaks(means, config, BRUSSELS) == {MONDAY.date(): 3.0}
    hourly = DemandConfig(price_per_kw=4.0, measure_minutes=60)
    assert daily_peaks(means, hourly, BRUSSELS) == {MONDAY.date(): 2.0}


def test_only_counted_hours_and_days_count_and_export_is_zero() -> None:
    """Weekdays 07-19: a Saturday peak and an evening peak are free; export is 0."""
    config = DemandConfig(price_per_kw=4.0, weekdays_only=True, from_hour=7, to_hour=19)
    saturday = MONDAY + timedelta(days=5)
    means = [
        (MONDAY.replace(hour=8), 2.0, 60),
        (MONDAY.replace(hour=20), 9.0, 60),
        (saturday.replace(hour=10), 9.0, 60),
        ((MONDAY + timedelta(days=1)).replace(hour=9), -3.0, 60),
    ]
    assert daily_peaks(means, config, BRUSSELS) == {
        MONDAY.date(): 2.0,
        (MONDAY + timedelta(days=1)).date(): 0.0,
    }


def test_monthly_peak_with_belgiums_minimum() -> None:
    """The month's highest peak, at least 2.5 kW; the period ends with the month."""
    config = DemandConfig(price_per_kw=4.0, minimum_kw=2.5)
    low = demand_tariff(
        config, {date(2026, 3, 2): 1.2}, today=date(2026, 3, 3), period_end=END
    )
    assert low.peak_so_far_kw == 2.5
    assert low.price_per_kw == 4.0
    assert low.period_end == END
    high = demand_tariff(
        config,
        {date(2026, 3, 2): 1.2, date(2026, 3, 3): 4.1},
        today=date(2026, 3, 3),
        period_end=END,
    )
    assert high.peak_so_far_kw == 4.1


@pytest.mark.parametrize(
    ("peaks", "today_kw", "so_far"),
    [
        ([5.0, 4.0], 1.0, 1.0),  # fewer than three other days: today's peak
        ([5.0, 4.0, 3.0, 2.0], 1.0, 3.0),  # the third highest of the other days
        ([5.0, 4.0, 3.0], 3.5, 3.5),  # today already entered the top three
    ],
)
def test_swedens_top_three_days(
    peaks: list[float], today_kw: float, so_far: float
) -> None:
    """Price / 3 on today's rise above the third highest other day (or today's peak).

    With other days at 5, 4 and 3 kW, today at 3.5 kW makes the bill's mean
    (5 + 4 + 3.5) / 3; every further kW today adds 1/3 kW to it.
    """
    today = date(2026, 3, 20)
    days = {date(2026, 3, 1 + index): kw for index, kw in enumerate(peaks)}
    tariff = demand_tariff(
        DemandConfig(
            price_per_kw=60.0, rule=PeakRule.TOP_THREE_DAYS, measure_minutes=60
        ),
        {**days, today: today_kw},
        today=today,
        period_end=END,
    )
    assert tariff.price_per_kw == pytest.approx(20.0)
    assert tariff.peak_so_far_kw == so_far


def test_month_bounds_are_local() -> None:
    """The billing month begins at local midnight on the first."""
    start, end = month_bounds(datetime(2026, 3, 31, 23, 30, tzinfo=BRUSSELS), BRUSSELS)
    assert start == datetime(2026, 3, 1, tzinfo=BRUSSELS)
    assert end == END
