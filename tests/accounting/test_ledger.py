"""Books of hand-checkable days: constant import, arbitrage and WACB, gaps, missing data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from custom_components.ems.core.accounting import (
    AccountingError,
    BatterySpec,
    EnergyFlows,
    PeriodKind,
    PowerSample,
)

from .helpers import BERLIN, every, feed, house, ledger

QUARTER = timedelta(minutes=15)


def test_constant_import_for_one_hour() -> None:
    """2 kW for an hour at 0.25/kWh costs 0.50, with or without the battery."""
    books = ledger()
    start = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    feed(
        books,
        (
            house(at, load_kw=2.0, import_price=0.25)
            for at in every(start, timedelta(minutes=1), 61)
        ),
    )
    day = books.current(PeriodKind.DAY)
    assert day is not None
    assert day.import_kwh == pytest.approx(2.0)
    assert day.import_cost == pytest.approx(0.50)
    assert day.net_cost == pytest.approx(0.50)
    assert day.export_kwh == 0.0
    assert day.covered_hours == pytest.approx(1.0)
    assert day.cost_no_battery == pytest.approx(0.50)
    assert day.cost_self_use == pytest.approx(0.50)
    assert day.savings_vs_no_battery == pytest.approx(0.0)
    assert day.start == datetime(2026, 6, 10, tzinfo=BERLIN)


def test_left_rectangle_holds_each_reading_until_the_next() -> None:
    """The power read at a sample is booked until the next sample, at its price."""
    books = ledger()
    start = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    feed(
        books,
        [
            house(start, load_kw=1.0, import_price=0.20),
            house(start + QUARTER, load_kw=3.0, import_price=0.40),
            house(start + 2 * QUARTER, load_kw=0.0),
        ],
    )
    day = books.current(PeriodKind.DAY)
    assert day is not None
    assert day.import_kwh == pytest.approx(0.25 * 1.0 + 0.25 * 3.0)
    assert day.import_cost == pytest.approx(0.25 * 0.20 + 0.75 * 0.40)


EFFICIENT = BatterySpec(
    capacity_kwh=10.0,
    max_charge_kw=5.0,
    max_discharge_kw=5.0,
    charge_efficiency=0.95,
    discharge_efficiency=0.95,
)


def _arbitrage_day(at: datetime) -> PowerSample:
    """Charge 2 kW from the grid at night, store PV at noon, cover the evening."""
    hour = at.astimezone(BERLIN).hour
    if hour < 2:
        return house(at, load_kw=0.5, battery_kw=2.0, import_price=0.10)
    if hour == 12:
        return house(at, pv_kw=3.0, load_kw=1.0, battery_kw=2.0)
    if 18 <= hour < 20:
        return house(at, load_kw=2.5, battery_kw=-2.5, import_price=0.40)
    return house(at)


def test_charge_at_night_discharge_in_the_evening() -> None:
    """Arbitrage profit, WACB and both counterfactuals, computed by hand."""
    books = ledger(EFFICIENT)
    midnight = datetime(2026, 6, 10, tzinfo=BERLIN).astimezone(UTC)
    samples = [_arbitrage_day(at) for at in every(midnight, QUARTER, 24 * 4)]
    feed(books, [replace(samples[0], soc_percent=0.0)])
    feed(books, samples[1:])
    feed(books, [house(midnight + timedelta(days=1))])
    day = books.previous(PeriodKind.DAY)
    assert day is not None
    # Night: 2 kW x 2 h = 4 kWh AC stores 3.8 kWh for 4 x 0.10 = 0.40.
    # Noon: 2 kWh of PV stores 1.9 kWh at the export price forgone, 2 x 0.05 = 0.10.
    wacb = (0.40 + 0.10) / (3.8 + 1.9)
    assert day.wacb_per_kwh == pytest.approx(wacb)
    assert books.wacb_per_kwh == pytest.approx(wacb)
    # Evening: 2.5 kW x 2 h = 5 kWh delivered, worth the 0.40 import it avoided,
    # drew 5 / 0.95 stored kWh at the WACB.
    assert day.arbitrage_profit == pytest.approx(5 * 0.40 - 5 / 0.95 * wacb)
    assert books.stored_kwh == pytest.approx(3.8 + 1.9 - 5 / 0.95)
    assert day.charged_kwh == pytest.approx(6.0)
    assert day.charged_from_grid_kwh == pytest.approx(4.0)
    assert day.charged_from_pv_kwh == pytest.approx(2.0)
    assert day.discharged_kwh == pytest.approx(5.0)
    assert day.throughput_kwh == pytest.approx(11.0)
    assert day.equivalent_full_cycles == pytest.approx(11.0 / 20.0)
    # Only the night is bought: (0.5 + 2) kW x 2 h at 0.10.
    assert day.import_kwh == pytest.approx(5.0)
    assert day.net_cost == pytest.approx(0.50)
    # No battery: night load 1 kWh at 0.10, noon exports 2 kWh at 0.05,
    # evening buys 5 kWh at 0.40.
    assert day.cost_no_battery == pytest.approx(0.10 - 0.10 + 2.00)
    assert day.savings_vs_no_battery == pytest.approx(2.00 - 0.50)
    # Self use from empty: the night is bought, noon stores 1.9 kWh, which delivers
    # 1.805 kWh in the evening; the rest of the 5 kWh is bought at 0.40.
    self_use = 0.10 + (5.0 - 1.9 * 0.95) * 0.40
    assert day.cost_self_use == pytest.approx(self_use)
    assert day.savings_vs_self_use == pytest.approx(self_use - 0.50)


def test_discharge_that_is_exported_earns_the_export_price() -> None:
    """A kWh sold from the battery is worth the export price, not the import price."""
    books = ledger()
    start = datetime(2026, 6, 10, 6, 0, tzinfo=UTC)
    feed(
        books,
        [
            house(start, battery_kw=4.0, soc_percent=0.0, import_price=0.10),
            house(start + QUARTER, load_kw=1.0, battery_kw=-4.0, export_price=0.20),
            house(start + 2 * QUARTER),
        ],
    )
    day = books.current(PeriodKind.DAY)
    assert day is not None
    # 1 kWh charged at 0.10; then 0.25 kWh covers the load (0.30), 0.75 kWh is sold.
    assert day.arbitrage_profit == pytest.approx(0.25 * 0.30 + 0.75 * 0.20 - 0.10)
    assert day.export_revenue == pytest.approx(0.75 * 0.20)


def test_energy_found_in_the_battery_is_valued_at_the_export_price() -> None:
    """Energy of unknown origin costs what it could have earned: the export price."""
    books = ledger()
    start = datetime(2026, 6, 10, 18, 0, tzinfo=UTC)
    feed(
        books,
        [
            house(start, load_kw=2.0, battery_kw=-2.0, soc_percent=50.0),
            house(start + QUARTER),
        ],
    )
    day = books.current(PeriodKind.DAY)
    assert day is not None
    assert books.wacb_per_kwh == pytest.approx(0.05)
    assert day.arbitrage_profit == pytest.approx(0.5 * (0.30 - 0.05))


def test_a_silence_longer_than_the_limit_is_a_gap_not_energy() -> None:
    """After 20 minutes without samples nothing is invented; 15 minutes still count."""
    books = ledger()
    start = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    minutes = (0, 10, 30, 45, 46)
    feed(
        books,
        (house(start + timedelta(minutes=m), load_kw=2.0) for m in minutes),
    )
    day = books.current(PeriodKind.DAY)
    assert day is not None
    assert day.gap_hours == pytest.approx(20 / 60)
    assert day.covered_hours == pytest.approx(26 / 60)
    assert day.import_kwh == pytest.approx(2.0 * 26 / 60)


def test_an_incomplete_or_unpriced_reading_is_a_gap() -> None:
    """A reading with two powers missing, or with no price yet seen, books nothing."""
    books = ledger()
    start = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    feed(
        books,
        [
            PowerSample(at=start, grid_kw=1.0, pv_kw=0.0, battery_kw=0.0),
            PowerSample(at=start + QUARTER, grid_kw=1.0, load_kw=1.0),
            PowerSample(
                at=start + 2 * QUARTER, grid_kw=1.0, load_kw=1.0, import_price=0.3
            ),
        ],
    )
    day = books.current(PeriodKind.DAY)
    assert day is not None
    assert day.gap_hours == pytest.approx(0.5)
    assert day.covered_hours == 0.0


def test_missing_readings_are_filled_from_the_balance_and_held_prices() -> None:
    """One missing power follows from the other three; a missing price is held."""
    books = ledger()
    start = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    feed(
        books,
        [
            house(start, load_kw=1.0, import_price=0.20, export_price=0.05),
            PowerSample(at=start + QUARTER, pv_kw=3.0, battery_kw=1.0, load_kw=1.0),
            PowerSample(at=start + 2 * QUARTER, grid_kw=0.0),
        ],
    )
    day = books.current(PeriodKind.DAY)
    assert day is not None
    assert day.import_cost == pytest.approx(0.25 * 0.20)
    # Second quarter: grid = 1 - 3 + 1 = -1 kW, exported at the held 0.05.
    assert day.export_kwh == pytest.approx(0.25)
    assert day.export_revenue == pytest.approx(0.25 * 0.05)
    assert day.charged_from_pv_kwh == pytest.approx(0.25)


def test_metered_energy_is_booked_and_never_twice() -> None:
    """Meter differences book as given; an interval already booked is dropped."""
    books = ledger()
    start = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    hour = EnergyFlows(
        start=start,
        end=start + timedelta(hours=1),
        import_kwh=1.0,
        export_kwh=0.5,
        pv_kwh=2.0,
        charge_kwh=1.0,
        discharge_kwh=0.0,
        import_price=0.30,
        export_price=0.10,
    )
    assert books.add_energy(hour)
    assert not books.add_energy(hour)
    later = EnergyFlows(
        start=start + timedelta(minutes=30),
        end=start + timedelta(hours=2),
        import_kwh=1.5,
        export_kwh=0.0,
        pv_kwh=0.0,
        charge_kwh=0.0,
        discharge_kwh=0.0,
        import_price=0.30,
        export_price=0.10,
    )
    assert books.add_energy(later)
    day = books.current(PeriodKind.DAY)
    assert day is not None
    assert day.import_kwh == pytest.approx(1.0 + 1.0)
    assert day.load_kwh == pytest.approx(1.5 + 1.0)
    assert day.net_cost == pytest.approx(2.0 * 0.30 - 0.05)


@pytest.mark.parametrize(
    "change",
    [
        {"at": datetime(2026, 6, 10, 10, 0)},
        {"grid_kw": float("nan")},
    ],
)
def test_invalid_samples_are_refused(change: dict[str, object]) -> None:
    """A naive time or a non-finite reading raises AccountingError."""
    values: dict[str, object] = {"at": datetime(2026, 6, 10, tzinfo=UTC), **change}
    with pytest.raises(AccountingError):
        PowerSample(**values)  # type: ignore[arg-type]
