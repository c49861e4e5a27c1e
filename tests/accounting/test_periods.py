"""Periods in local time: billing cycles across February, DST days, weeks, rollover."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from custom_components.ems.core.accounting import PeriodKind, period_bounds

from .helpers import BERLIN, every, feed, house, ledger

QUARTER = timedelta(minutes=15)


def _local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("moment", "first", "after"),
    [
        (_local(2026, 2, 27, 23, 59), date(2026, 1, 28), date(2026, 2, 28)),
        (_local(2026, 2, 28, 0, 0), date(2026, 2, 28), date(2026, 3, 28)),
        (_local(2026, 3, 27, 12, 0), date(2026, 2, 28), date(2026, 3, 28)),
        (_local(2026, 1, 5, 8, 0), date(2025, 12, 28), date(2026, 1, 28)),
        (_local(2028, 2, 29, 8, 0), date(2028, 2, 28), date(2028, 3, 28)),
    ],
)
def test_billing_cycle_starting_on_the_28th(
    moment: datetime, first: date, after: date
) -> None:
    """A cycle from the 28th runs to the next 28th, February and leap years included."""
    start, end = period_bounds(PeriodKind.BILLING, moment, BERLIN, 28)
    assert start.astimezone(BERLIN) == _local(first.year, first.month, first.day)
    assert end.astimezone(BERLIN) == _local(after.year, after.month, after.day)


@pytest.mark.parametrize(
    ("kind", "moment", "hours"),
    [
        (PeriodKind.DAY, _local(2026, 3, 29, 12), 23),
        (PeriodKind.DAY, _local(2026, 10, 25, 12), 25),
        (PeriodKind.DAY, _local(2026, 6, 1, 12), 24),
        (PeriodKind.WEEK, _local(2026, 3, 29, 12), 7 * 24 - 1),
        (PeriodKind.MONTH, _local(2026, 3, 1, 0), 31 * 24 - 1),
        (PeriodKind.MONTH, _local(2026, 2, 14, 0), 28 * 24),
        (PeriodKind.BILLING, _local(2026, 10, 20, 0), 31 * 24 + 1),
    ],
)
def test_period_lengths_follow_the_local_clock(
    kind: PeriodKind, moment: datetime, hours: int
) -> None:
    """DST days are 23 and 25 hours long; weeks and months inherit that."""
    start, end = period_bounds(kind, moment, BERLIN, 15)
    assert end - start == timedelta(hours=hours)
    assert start <= moment < end


def test_week_starts_on_monday() -> None:
    """ISO weeks: Sunday 29 March 2026 belongs to the week from Monday 23 March."""
    start, _ = period_bounds(PeriodKind.WEEK, _local(2026, 3, 29, 23, 59), BERLIN)
    assert start.astimezone(BERLIN) == _local(2026, 3, 23)


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25)]
)
def test_a_dst_day_books_its_real_hours(day: date, hours: int) -> None:
    """1 kW all day is 23 kWh on the spring day and 25 kWh on the autumn day."""
    books = ledger()
    midnight = _local(day.year, day.month, day.day).astimezone(UTC)
    feed(
        books,
        (house(at, load_kw=1.0) for at in every(midnight, QUARTER, hours * 4 + 1)),
    )
    yesterday = books.previous(PeriodKind.DAY)
    today = books.current(PeriodKind.DAY)
    assert yesterday is not None and today is not None
    assert yesterday.start == midnight
    assert yesterday.import_kwh == pytest.approx(hours)
    assert yesterday.covered_hours == pytest.approx(hours)
    assert today.start == midnight + timedelta(hours=hours)
    assert today.import_kwh == 0.0


def test_an_interval_across_midnight_is_split_between_the_days() -> None:
    """23:55 to 00:05 books five minutes into each day, week and billing cycle."""
    books = ledger(billing_start_day=28)
    before = _local(2026, 2, 27, 23, 55)
    feed(
        books,
        [
            house(before, load_kw=6.0),
            house(before + timedelta(minutes=10), load_kw=6.0),
        ],
    )
    for kind in (PeriodKind.DAY, PeriodKind.BILLING):
        previous, current = books.previous(kind), books.current(kind)
        assert previous is not None and current is not None
        assert previous.import_kwh == pytest.approx(0.5)
        assert current.import_kwh == pytest.approx(0.5)
    month = books.current(PeriodKind.MONTH)
    assert month is not None
    assert month.import_kwh == pytest.approx(1.0)
    assert books.previous(PeriodKind.MONTH) is None


def test_advance_starts_a_new_day_without_samples() -> None:
    """At midnight the day restarts even when no reading arrives."""
    books = ledger()
    evening = _local(2026, 6, 10, 22, 0)
    feed(books, [house(evening, load_kw=1.0), house(evening + QUARTER, load_kw=1.0)])
    books.advance(_local(2026, 6, 11, 0, 0))
    today = books.current(PeriodKind.DAY)
    yesterday = books.previous(PeriodKind.DAY)
    assert today is not None and yesterday is not None
    assert today.import_kwh == 0.0
    assert yesterday.import_kwh == pytest.approx(0.25)
    week = books.current(PeriodKind.WEEK)
    assert week is not None
    assert week.import_kwh == pytest.approx(0.25)
    assert books.previous(PeriodKind.WEEK) is None


def test_after_a_long_outage_the_previous_day_is_the_empty_day_before() -> None:
    """Yesterday's totals never show an older day's numbers."""
    books = ledger()
    feed(books, [house(_local(2026, 6, 10, 12, 0), load_kw=1.0)])
    feed(books, [house(_local(2026, 6, 13, 12, 0), load_kw=1.0)])
    yesterday = books.previous(PeriodKind.DAY)
    assert yesterday is not None
    assert yesterday.start == _local(2026, 6, 12)
    assert yesterday.import_kwh == 0.0
    assert yesterday.gap_hours == pytest.approx(24.0)
