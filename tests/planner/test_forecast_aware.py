"""Planning for wrong forecasts: self use's caps, scenarios, and the early tie-break."""

from __future__ import annotations

import pytest

from custom_components.ems.planner import (
    InverterMode,
    Scenario,
    evaluate,
    plan,
    plan_to_json,
)

from .helpers import battery, problem


def test_a_held_deficit_slot_still_stores_surprise_pv() -> None:
    """Keeping energy for the dear hour: with caps, self use without discharge, not hold."""
    case = problem(
        [0.10, 0.40],
        export_price=[0.02, 0.02],
        load_kw=[1.0, 3.0],
        battery=battery(soc_percent=40.0, max_soc_percent=40.0, cycle_cost_per_kwh=0.0),
    )
    without = plan(case)
    assert without.slots[0].mode is InverterMode.HOLD
    capped = plan(case, caps=True)
    first = capped.slots[0]
    assert first.mode is InverterMode.SELF_USE
    assert (first.max_charge_kw, first.max_discharge_kw) == (None, 0.0)
    assert first.battery_kw == without.slots[0].battery_kw == 0.0
    assert "hold the battery" in first.reason
    assert plan_to_json(capped)["slots"][0]["max_discharge_kw"] == 0.0
    assert "max_charge_kw" not in plan_to_json(capped)["slots"][0]


def test_storing_part_of_the_surplus_caps_the_charge() -> None:
    """Room is kept for a dearer surplus later: the first slot stores only what it plans."""
    case = problem(
        [0.30, 0.30, 0.30],
        export_price=[0.10, -0.05, 0.20],
        pv_kw=[3.0, 5.0, 0.0],
        load_kw=[0.0, 0.0, 0.0],
        battery=battery(soc_percent=40.0, cycle_cost_per_kwh=0.0),
        terminal_value_per_kwh=0.25,
    )
    result = plan(case, caps=True)
    first = result.slots[0]
    # 6 kWh of room: 5 kW x 0.95 stored at the negative price, the rest now.
    assert first.battery_kw == pytest.approx((6.0 - 5.0 * 0.95) / 0.95, abs=1e-3)
    assert first.mode is InverterMode.SELF_USE
    assert first.max_charge_kw == pytest.approx(first.battery_kw, abs=1e-3)
    assert plan(case).slots[0].max_charge_kw is None


def test_identical_scenarios_change_nothing() -> None:
    """Scenarios equal to the forecast: the same schedule and cost."""
    case = problem(
        [0.10, 0.30, 0.20, 0.35],
        export_price=[0.05] * 4,
        pv_kw=[0.0, 2.0, 1.0, 0.0],
        load_kw=[0.5, 0.5, 1.5, 2.0],
    )
    same = Scenario(weight=0.5, pv_kw=case.pv_kw, load_kw=case.load_kw)
    alone = plan(case)
    hedged = plan(case, scenarios=[same])
    assert [s.battery_kw for s in hedged.slots] == pytest.approx(
        [s.battery_kw for s in alone.slots], abs=1e-6
    )
    assert hedged.objective == pytest.approx(alone.objective, abs=1e-6)


def test_unlikely_evening_load_is_not_worth_keeping_energy_for() -> None:
    """The mean says 3 kW tonight; most evenings it is 0.3: sell more at the peak now."""
    case = problem(
        [0.30, 0.20, 0.30],
        export_price=[0.20, 0.05, 0.05],
        load_kw=[0.0, 0.0, 3.0],
        battery=battery(soc_percent=60.0, cycle_cost_per_kwh=0.0),
    )
    quiet = Scenario(weight=0.7, pv_kw=case.pv_kw, load_kw=[0.0, 0.0, 0.3])
    deterministic = plan(case)
    hedged = plan(case, scenarios=[quiet])
    assert hedged.slots[0].battery_kw < deterministic.slots[0].battery_kw - 1.0
    assert hedged.slots[0].mode is InverterMode.FORCE_DISCHARGE
    judged = evaluate(case, [slot.battery_kw for slot in hedged.slots])
    assert judged.feasible


def test_the_first_slot_can_be_given() -> None:
    """first_kw fixes the first slot (within the battery); the rest is planned around it."""
    case = problem(
        [0.10, 0.40],
        export_price=[0.02, 0.02],
        load_kw=[1.0, 3.0],
        battery=battery(soc_percent=50.0),
    )
    free = plan(case)
    held = plan(case, first_kw=-1.0)
    assert held.slots[0].battery_kw == pytest.approx(-1.0, abs=1e-6)
    assert held.objective >= free.objective - 1e-9
    too_much = plan(case, first_kw=-50.0)
    assert too_much.method == "milp"
    # 4 kWh above the floor, delivered at 95 % within the hour.
    assert too_much.slots[0].battery_kw == pytest.approx(-4.0 * 0.95, abs=1e-6)
