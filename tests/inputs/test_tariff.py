"""The fixed two-rate tariff, including both DST days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from custom_components.ems.core.inputs import (
    InputsError,
    TwoRateTariff,
    two_rate_prices,
)

from .shared_data import STOCKHOLM

DAY_PEAK = TwoRateTariff(
    peak_price=1.5,
    offpeak_price=0.6,
    peak_windows=((time(6), time(22)),),
    time_zone="Europe/Stockholm",
    currency="SEK",
)


def _quarter_prices(
    start: datetime, end: datetime, tariff: TwoRateTariff
) -> list[tuple[datetime, float]]:
    """Expand the series to (quarter-hour start, price) by walking UTC instants."""
    series = two_rate_prices(tariff, start, end)
    quarters = []
    for point in series.points:
        moment = point.start
        while moment < point.end:
            quarters.append((moment, point.price))
            moment += timedelta(minutes=15)
    return quarters


@pytest.mark.parametrize(
    ("day", "quarters"), [(date(2025, 3, 30), 92), (date(2025, 10, 26), 100)]
)
def test_dst_days_have_their_quarter_hours_at_the_right_price(
    day: date, quarters: int
) -> None:
    """23- and 25-hour days: every quarter-hour priced by its local wall clock."""
    start = datetime.combine(day, time(), STOCKHOLM)
    end = datetime.combine(day + timedelta(days=1), time(), STOCKHOLM)
    prices = _quarter_prices(start, end, DAY_PEAK)
    assert len(prices) == quarters
    assert prices[0][0] == start.astimezone(UTC)
    for moment, price in prices:
        local_hour = moment.astimezone(STOCKHOLM).hour
        assert price == (1.5 if 6 <= local_hour < 22 else 0.6)
    assert sum(price == 1.5 for _, price in prices) == 16 * 4


def test_overnight_window_on_weekdays_belongs_to_the_evening_it_starts() -> None:
    """22:00-06:00 on Monday-Friday nights: Friday night is peak, Saturday night is not."""
    tariff = TwoRateTariff(
        peak_price=0.9,
        offpeak_price=0.3,
        peak_windows=((time(22), time(6)),),
        time_zone="Europe/Stockholm",
        peak_weekdays=frozenset(range(5)),
    )
    friday = datetime(2025, 10, 24, 12, tzinfo=STOCKHOLM)
    prices = dict(_quarter_prices(friday, friday + timedelta(days=2), tariff))

    def at(day: int, hour: int) -> float:
        return prices[datetime(2025, 10, day, hour, tzinfo=STOCKHOLM).astimezone(UTC)]

    assert at(24, 21) == 0.3
    assert at(24, 23) == 0.9
    assert at(25, 3) == 0.9
    assert at(25, 6) == 0.3
    assert at(25, 23) == 0.3
    assert at(26, 3) == 0.3


def test_series_is_retail_and_starts_on_the_quarter() -> None:
    """Points are merged runs that start on the quarter-hour holding `start`."""
    start = datetime(2025, 10, 1, 5, 7, tzinfo=STOCKHOLM)
    series = two_rate_prices(DAY_PEAK, start, start + timedelta(hours=2))
    assert not series.is_spot
    assert series.currency == "SEK"
    assert [(p.start, p.end, p.price) for p in series.points] == [
        (
            datetime(2025, 10, 1, 5, tzinfo=STOCKHOLM),
            datetime(2025, 10, 1, 6, tzinfo=STOCKHOLM),
            0.6,
        ),
        (
            datetime(2025, 10, 1, 6, tzinfo=STOCKHOLM),
            datetime(2025, 10, 1, 7, 15, tzinfo=STOCKHOLM),
            1.5,
        ),
    ]


def test_windows_off_the_quarter_hour_are_refused() -> None:
    """A window at 06:10 cannot be priced on a quarter-hour grid."""
    with pytest.raises(InputsError):
        TwoRateTariff(
            peak_price=1,
            offpeak_price=0,
            peak_windows=((time(6, 10), time(9)),),
            time_zone="UTC",
        )
