"""The fixed daily charge: in the net cost of every period, the savings untouched."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
import json

import pytest

from custom_components.ems.core.accounting import (
    Ledger,
    LedgerConfig,
    PeriodKind,
    PeriodTotals,
)

from .helpers import BATTERY, BERLIN, every, feed, house

QUARTER = timedelta(minutes=15)
CHARGE = 0.48  # a standing charge per day


def _books(daily_charge: float) -> Ledger:
    return Ledger(LedgerConfig(battery=BATTERY, zone=BERLIN, daily_charge=daily_charge))


def _day(day: date, books: Ledger) -> None:
    """Feed a whole local day and the first sample of the next: charging, then discharging."""
    begin = datetime.combine(day, datetime.min.time(), BERLIN)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), BERLIN)
    count = int((end.timestamp() - begin.timestamp()) // QUARTER.total_seconds())
    feed(
        books,
        [
            house(
                at,
                load_kw=1.0,
                battery_kw=2.0 if index < count // 2 else -1.0,
                soc_percent=30.0,
                import_price=0.20 + index / 1000,
            )
            for index, at in enumerate(every(begin.astimezone(UTC), QUARTER, count + 1))
        ],
    )


@pytest.mark.parametrize(
    "day", [date(2024, 3, 31), date(2024, 6, 5), date(2024, 10, 27)]
)
def test_a_whole_day_costs_the_daily_charge_more(day: date) -> None:
    """23, 24 or 25 hours: the day's net cost rises by the charge, the savings do not."""
    plain, charged = _books(0.0), _books(CHARGE)
    _day(day, plain)
    _day(day, charged)
    without = plain.previous(PeriodKind.DAY)
    with_charge = charged.previous(PeriodKind.DAY)
    assert without is not None and with_charge is not None
    assert with_charge.start == datetime.combine(day, datetime.min.time(), BERLIN)
    assert with_charge.fixed_charge == pytest.approx(CHARGE)
    assert with_charge.net_cost == pytest.approx(without.net_cost + CHARGE)
    assert with_charge.savings_vs_no_battery == pytest.approx(
        without.savings_vs_no_battery
    )
    assert with_charge.savings_vs_self_use == pytest.approx(without.savings_vs_self_use)
    (month,) = (
        totals
        for totals in (
            charged.current(PeriodKind.MONTH),
            charged.previous(PeriodKind.MONTH),
        )
        if totals is not None and totals.start <= with_charge.start < totals.end
    )
    assert month.fixed_charge == pytest.approx(CHARGE)


def test_time_without_data_is_charged_too() -> None:
    """Home Assistant down for six hours: the gap still owes its share of the day."""
    books = _books(CHARGE)
    begin = datetime(2024, 6, 5, 6, tzinfo=BERLIN)
    feed(
        books,
        [house(begin, load_kw=1.0), house(begin + timedelta(hours=6), load_kw=1.0)],
    )
    day = books.current(PeriodKind.DAY)
    assert day is not None
    assert day.gap_hours == pytest.approx(6.0)
    assert day.fixed_charge == pytest.approx(CHARGE / 4)


def test_books_stored_before_the_charge_load() -> None:
    """Stored totals without `fixed_charge` load with none."""
    books = _books(CHARGE)
    _day(date(2024, 6, 5), books)
    stored = json.loads(json.dumps(books.to_dict()))
    for periods in stored["periods"].values():
        for totals in periods.values():
            if totals is not None:
                del totals["fixed_charge"]
    restored = Ledger.from_dict(books.config, stored)
    day = restored.previous(PeriodKind.DAY)
    assert isinstance(day, PeriodTotals)
    assert day.fixed_charge == 0.0
    assert day.import_kwh > 0.0
