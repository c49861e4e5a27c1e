"""A real week (emhass household, ISO week 43 of 2024 with its 25-hour Sunday)."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

import pytest

from custom_components.ems.core.accounting import (
    Ledger,
    LedgerConfig,
    PeriodKind,
    PeriodTotals,
)
from custom_components.ems.planner.evaluate import evaluate
from custom_components.ems.planner.limits import derive
from custom_components.ems.planner.model import Battery, Problem
from custom_components.ems.planner.selfuse import self_use

from .helpers import PARIS
from .household import (
    EXPORT_PRICE,
    HOUSE_BATTERY,
    NIGHT_PRICE,
    SLOT,
    WEEK_END,
    WEEK_START,
    Slot,
    household_week,
)

ADDITIVE = (
    "import_kwh",
    "import_cost",
    "export_kwh",
    "export_revenue",
    "pv_kwh",
    "load_kwh",
    "charged_kwh",
    "charged_from_grid_kwh",
    "charged_from_pv_kwh",
    "discharged_kwh",
    "arbitrage_profit",
    "cost_no_battery",
    "covered_hours",
    "gap_hours",
)


@pytest.fixture(scope="module")
def week() -> list[Slot]:
    """Return the week's half-hours and the next Monday's first."""
    return household_week()


@pytest.fixture(scope="module")
def booked(week: list[Slot]) -> tuple[PeriodTotals, list[PeriodTotals]]:
    """Book the week sample by sample; return the week and its seven days.

    The series are half-hourly means, so a reading is held for up to 30 minutes.
    """
    books = Ledger(LedgerConfig(battery=HOUSE_BATTERY, zone=PARIS, max_gap=SLOT))
    days: dict[datetime, PeriodTotals] = {}
    for slot in week:
        assert books.add_sample(slot.sample())
        if (day := books.previous(PeriodKind.DAY)) is not None:
            days[day.start] = day
    finished = books.previous(PeriodKind.WEEK)
    assert finished is not None
    return finished, [days[start] for start in sorted(days)]


def _within(week: list[Slot], first: datetime, after: datetime) -> list[Slot]:
    return [slot for slot in week if first <= slot.start < after]


def test_the_week_is_complete_and_its_days_add_up(
    booked: tuple[PeriodTotals, list[PeriodTotals]],
) -> None:
    """7 days, 169 hours (DST), no gap; every additive total is the sum of the days."""
    totals, days = booked
    assert totals.start == WEEK_START
    assert totals.end == WEEK_END
    assert len(days) == 7
    assert totals.covered_hours == pytest.approx(7 * 24 + 1)
    assert days[-1].covered_hours == pytest.approx(25)
    assert totals.gap_hours == 0.0
    for name in ADDITIVE:
        assert getattr(totals, name) == pytest.approx(
            sum(getattr(day, name) for day in days), abs=1e-9
        ), name
    assert {field.name for field in fields(PeriodTotals)} >= set(ADDITIVE)


def test_energy_balances_every_day_and_the_week(
    booked: tuple[PeriodTotals, list[PeriodTotals]],
) -> None:
    """Grid import - export = load - pv + charge - discharge, within rounding."""
    totals, days = booked
    for period in (totals, *days):
        balance = (
            period.load_kwh - period.pv_kwh + period.charged_kwh - period.discharged_kwh
        )
        assert period.import_kwh - period.export_kwh == pytest.approx(balance, abs=1e-9)
        assert period.charged_from_grid_kwh + period.charged_from_pv_kwh == (
            pytest.approx(period.charged_kwh)
        )


def test_money_matches_an_independent_sum_over_the_slots(
    week: list[Slot], booked: tuple[PeriodTotals, list[PeriodTotals]]
) -> None:
    """Net cost, no-battery cost and grid charging recomputed from the half-hours."""
    totals, _ = booked
    slots = _within(week, WEEK_START, WEEK_END)
    bill = sum(
        0.5 * slot.grid_kw * (slot.import_price if slot.grid_kw > 0 else EXPORT_PRICE)
        for slot in slots
    )
    no_battery = sum(
        0.5
        * (slot.load_kw - slot.pv_kw)
        * (slot.import_price if slot.load_kw > slot.pv_kw else EXPORT_PRICE)
        for slot in slots
    )
    assert totals.net_cost == pytest.approx(bill)
    assert totals.cost_no_battery == pytest.approx(no_battery)
    assert totals.savings_vs_no_battery == pytest.approx(no_battery - bill)
    assert totals.charged_from_grid_kwh == pytest.approx(
        sum(slot.grid_charge_kwh for slot in slots)
    )
    assert totals.equivalent_full_cycles == pytest.approx(
        totals.throughput_kwh / (2 * HOUSE_BATTERY.capacity_kwh)
    )
    assert totals.charged_from_grid_kwh > 0.0
    assert totals.charged_from_pv_kwh > 0.0


def test_wacb_lies_between_the_cheapest_and_dearest_source(
    booked: tuple[PeriodTotals, list[PeriodTotals]],
) -> None:
    """Stored energy cost between PV's forgone export and night import, plus losses."""
    totals, days = booked
    for period in (totals, *days):
        assert period.wacb_per_kwh is not None
        assert (
            EXPORT_PRICE / HOUSE_BATTERY.charge_efficiency
            <= period.wacb_per_kwh
            <= NIGHT_PRICE / HOUSE_BATTERY.charge_efficiency
        )


def _planner_self_use_cost(slots: list[Slot]) -> float:
    """Plain self use by the planner's own code, judged by its independent evaluator."""
    spec = HOUSE_BATTERY
    problem = Problem(
        start=slots[0].start,
        slot_minutes=30,
        import_price=[slot.import_price for slot in slots],
        export_price=[EXPORT_PRICE] * len(slots),
        pv_kw=[slot.pv_kw for slot in slots],
        load_kw=[slot.load_kw for slot in slots],
        battery=Battery(
            capacity_kwh=spec.capacity_kwh,
            soc_percent=slots[0].soc_percent,
            min_soc_percent=spec.min_soc_percent,
            max_soc_percent=spec.max_soc_percent,
            max_charge_kw=spec.max_charge_kw,
            max_discharge_kw=spec.max_discharge_kw,
            charge_efficiency=spec.charge_efficiency,
            discharge_efficiency=spec.discharge_efficiency,
        ),
    )
    result = evaluate(problem, list(self_use(problem, derive(problem))))
    assert result.feasible, result.violations
    return result.cost


def test_self_use_counterfactual_matches_the_planners_self_use(
    week: list[Slot], booked: tuple[PeriodTotals, list[PeriodTotals]]
) -> None:
    """Each period replays self use from the SoC measured at its start."""
    totals, days = booked
    assert totals.cost_self_use == pytest.approx(
        _planner_self_use_cost(_within(week, WEEK_START, WEEK_END))
    )
    for day in days:
        assert day.cost_self_use == pytest.approx(
            _planner_self_use_cost(_within(week, day.start, day.end))
        )
    assert totals.savings_vs_self_use == pytest.approx(
        totals.cost_self_use - totals.net_cost
    )
