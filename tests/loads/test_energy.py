"""A load's books and a plan's money per load, on exact small cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.ems.core.loads.energy import (
    LoadLedger,
    next_start,
    planned_kw,
    planned_money,
)
from custom_components.ems.planner import Battery, DeferrableLoad, Plan, Problem, plan

START = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
# 08:00 0.30, 09:00 0.40, 10:00 0.10, 11:00 0.20
PRICES = (0.30, 0.40, 0.10, 0.20)
WASHER = DeferrableLoad(
    id="washer",
    power_kw=2.0,
    energy_kwh=2.0,
    earliest=START + HOUR,
    latest=START + 4 * HOUR,
)


def _plan() -> Plan:
    problem = Problem(
        start=START,
        slot_minutes=60,
        import_price=PRICES,
        export_price=(0.0,) * 4,
        pv_kw=(0.0,) * 4,
        load_kw=(0.0,) * 4,
        battery=Battery(
            capacity_kwh=1.0, soc_percent=0.0, max_charge_kw=0.0, max_discharge_kw=0.0
        ),
        loads=(WASHER,),
    )
    return plan(problem)


def test_a_plan_says_what_a_load_costs_and_saves_against_running_at_once() -> None:
    """Planned at 10:00 (0.10): 0.20; at once from its window's 09:00 (0.40): 0.80."""
    planned = _plan()
    money = planned_money(planned, WASHER)
    assert money.kwh == pytest.approx(2.0)
    assert money.cost == pytest.approx(0.20)
    assert money.cost_at_once == pytest.approx(0.80)
    assert money.saving == pytest.approx(0.60)
    assert next_start(planned, "washer", START) == START + 2 * HOUR
    assert next_start(planned, "washer", START + 3 * HOUR) is None
    assert planned_kw(planned, "washer", START + 2 * HOUR) == 2.0
    assert planned_kw(planned, "washer", START) == 0.0


def test_the_ledger_books_energy_and_cost_per_quarter_hour() -> None:
    """2 kW for 30 minutes at 0.30 is 1 kWh and 0.30; since 08:15 only the second half."""
    ledger = LoadLedger()
    ledger.add("washer", start=START, end=START + HOUR / 4, kw=2.0, price=0.30)
    ledger.add(
        "washer", start=START + HOUR / 4, end=START + HOUR / 2, kw=2.0, price=0.30
    )
    assert ledger.since("washer", START).kwh == pytest.approx(1.0)
    assert ledger.since("washer", START).cost == pytest.approx(0.30)
    assert ledger.since("washer", START + HOUR / 4).kwh == pytest.approx(0.5)
    assert ledger.since("other", START).kwh == 0.0
    ledger.add(
        "washer",
        start=START + 3 * 24 * HOUR,
        end=START + 3 * 24 * HOUR + HOUR,
        kw=1.0,
        price=0.1,
    )
    assert ledger.since("washer", START).kwh == pytest.approx(1.0), (
        "older than 2 days: gone"
    )


def test_the_ledger_is_stored_and_read_back() -> None:
    """What the Store keeps reads back to the same figures; a bad row is dropped."""
    ledger = LoadLedger()
    ledger.add("washer", start=START, end=START + HOUR / 4, kw=2.0, price=0.30)
    stored = ledger.to_dict()
    stored["washer"].append(["not a time", 1.0, 1.0])
    again = LoadLedger.from_dict(stored)
    assert again.since("washer", START) == ledger.since("washer", START)
    assert LoadLedger.from_dict(None).since("washer", START).kwh == 0.0
