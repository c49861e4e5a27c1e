"""Strategies (planner/strategy.py): each changes the plan as it says, cost breaks ties.

Hand cases with lossless batteries; every plan is judged by the independent evaluator.
"""

from __future__ import annotations

from dataclasses import replace
import json

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.ems.planner import (
    Plan,
    Problem,
    ProblemError,
    ReserveWindow,
    Strategy,
    evaluate,
    plan,
    problem_from_json,
    problem_to_json,
)
from custom_components.ems.planner.evaluate import Evaluation

from .helpers import battery, problem
from .test_properties import problems

LOSSLESS = {"charge_efficiency": 1.0, "discharge_efficiency": 1.0}


def _judged(case: Problem, result: Plan) -> Evaluation:
    """Return the evaluator's view of a plan, checked against the plan's own cost."""
    judged = evaluate(case, [slot.battery_kw for slot in result.slots])
    assert judged.feasible, judged.violations
    assert judged.cost == pytest.approx(result.objective, abs=1e-6)
    return judged


def _self_consumption_case(strategy: Strategy) -> Problem:
    """Cheap night import (0.1), dear day (0.5), an export price of 0.45 at the end.

    1 kW PV surplus in the first hour. Least cost charges 4 kW from the grid beside the
    PV and sells 3 kWh from the battery later: -0.95. Self-consumption stores the
    surplus only and covers one hour with it: 0.5.
    """
    return problem(
        [0.1, 0.5, 0.5],
        export_price=[0.0, 0.0, 0.45],
        pv_kw=[2.0, 0.0, 0.0],
        load_kw=[1.0, 1.0, 1.0],
        battery=battery(cycle_cost_per_kwh=0.0, **LOSSLESS),
        strategy=strategy,
    )


@pytest.mark.parametrize("method", ["milp", "dp"])
def test_self_consumption_never_charges_from_the_grid_even_when_it_pays(
    method: str,
) -> None:
    """No grid charging and no battery export, although both would earn money."""
    case = _self_consumption_case(Strategy.COST)
    cost = _judged(case, plan(case, method))  # type: ignore[arg-type]
    assert cost.cost == pytest.approx(-0.95, abs=1e-3)
    assert cost.grid_charged_kwh == pytest.approx(4.0, abs=1e-3)
    assert cost.battery_exported_kwh == pytest.approx(3.0, abs=1e-3)

    case = _self_consumption_case(Strategy.SELF_CONSUMPTION)
    result = plan(case, method)  # type: ignore[arg-type]
    judged = _judged(case, result)
    assert judged.grid_charged_kwh == pytest.approx(0.0, abs=1e-6)
    assert judged.battery_exported_kwh == pytest.approx(0.0, abs=1e-6)
    assert judged.cost == pytest.approx(0.5, abs=1e-3)
    assert result.slots[0].battery_kw == pytest.approx(1.0, abs=1e-3)
    assert result.slots[0].reason.startswith("self-consumption:")
    assert result.reason.startswith("self-consumption: no grid charging")


def test_self_consumption_still_charges_what_a_reserve_needs() -> None:
    """A storm reserve the PV cannot fill is kept, with the least grid charging."""
    case = _self_consumption_case(Strategy.SELF_CONSUMPTION)
    case = replace(
        case,
        reserve=ReserveWindow(
            start=case.slot_start(0), end=case.slot_start(3), min_soc_percent=40.0
        ),
    )
    judged = _judged(case, plan(case))
    # 1 kWh of PV, 2 kWh from the grid to reach 40 % of 10 kWh from 10 %.
    assert judged.grid_charged_kwh == pytest.approx(2.0, abs=1e-5)
    assert judged.battery_exported_kwh == pytest.approx(0.0, abs=1e-6)


def _peak_case(strategy: Strategy) -> Problem:
    """4 kW in the third hour, 1 kW otherwise, flat price 0.2, kept energy worth 0.15.

    Least cost leaves the battery idle (cycling costs wear): peak 4 kW, cost 1.25.
    The lowest peak is 2 kW: 1 kW charged in each of the first two hours, 2 kW
    discharged in the third: 7 kWh at 0.2 - 1 kWh kept at 0.15 + 2 kWh of wear at
    0.02 = 1.29.
    """
    return problem(
        [0.2] * 4,
        load_kw=[1.0, 1.0, 4.0, 1.0],
        battery=battery(**LOSSLESS),
        terminal_value_per_kwh=0.15,
        strategy=strategy,
    )


def test_peak_shaving_lowers_the_peak() -> None:
    """The highest import falls from 4 to 2 kW, for 0.04 more."""
    case = _peak_case(Strategy.COST)
    cost = _judged(case, plan(case))
    assert cost.highest_import_kw == pytest.approx(4.0)
    assert cost.cost == pytest.approx(1.25, abs=1e-6)

    case = _peak_case(Strategy.PEAK_SHAVING)
    result = plan(case)
    judged = _judged(case, result)
    assert judged.highest_import_kw == pytest.approx(2.0, abs=1e-5)
    assert judged.cost == pytest.approx(1.29, abs=1e-5)
    assert result.reason.startswith("peak shaving: highest import 2.00 kW")
    assert "lowest possible peak 2.00 kW" in result.slots[2].reason


def test_peak_shaving_breaks_ties_by_cost() -> None:
    """The peak is the hour the battery cannot cover (6 kW, 5 kW discharge): 1 kW.

    Among the plans with that peak the cheapest covers every other hour from the
    battery: 1 kWh at 0.2 - 2 kWh kept at 0.05 = 0.1.
    """
    case = problem(
        [0.1, 0.2, 0.5, 0.1],
        load_kw=[1.0, 6.0, 1.0, 1.0],
        battery=battery(soc_percent=100.0, cycle_cost_per_kwh=0.0, **LOSSLESS),
        terminal_value_per_kwh=0.05,
        strategy=Strategy.PEAK_SHAVING,
    )
    judged = _judged(case, plan(case))
    assert judged.highest_import_kw == pytest.approx(1.0, abs=1e-5)
    assert judged.cost == pytest.approx(0.1, abs=1e-5)


def _smoothing_case(strategy: Strategy) -> Problem:
    """Load 1, 3, 1, 3 kW; prices 0.2, 0.3, 0.2, 0.1; 4 kWh above the floor.

    Least cost discharges where the price beats the 0.15 kept value and the wear, not
    in the last hour. The least variation is a flat grid: at 1 kW (the battery gives
    all it has) it costs 0.8 - 0.15 + 0.04 = 0.69, the cheapest flat level.
    """
    return problem(
        [0.2, 0.3, 0.2, 0.1],
        load_kw=[1.0, 3.0, 1.0, 3.0],
        battery=battery(soc_percent=50.0, cycle_cost_per_kwh=0.01, **LOSSLESS),
        terminal_value_per_kwh=0.15,
        strategy=strategy,
    )


def test_smoothing_flattens_the_grid() -> None:
    """The grid varies by 0 kW in all instead of several kW."""
    case = _smoothing_case(Strategy.COST)
    assert _judged(case, plan(case)).grid_variation_kw > 2.0

    case = _smoothing_case(Strategy.SMOOTHING)
    result = plan(case)
    judged = _judged(case, result)
    assert judged.grid_variation_kw == pytest.approx(0.0, abs=1e-5)
    assert judged.cost == pytest.approx(0.69, abs=1e-5)
    assert [slot.grid_kw for slot in result.slots] == pytest.approx([1.0] * 4, abs=1e-4)
    assert result.slots[1].reason.startswith("smoothing: grid held at 1.00 kW")


@pytest.mark.parametrize("strategy", [Strategy.PEAK_SHAVING, Strategy.SMOOTHING])
def test_dp_hands_what_it_cannot_plan_to_the_milp(strategy: Strategy) -> None:
    """Asked for DP, the planner runs the MILP and says why."""
    case = _peak_case(strategy)
    result = plan(case, "dp")
    assert result.method == "milp"
    assert result.status == "optimal"
    assert "needs the MILP (dp was asked)" in result.reason


def test_strategy_round_trips_through_json() -> None:
    """The codec writes `strategy` only when it is not the default, and reads it."""
    case = _peak_case(Strategy.SMOOTHING)
    data = json.loads(json.dumps(problem_to_json(case)))
    assert data["strategy"] == "smoothing"
    assert problem_from_json(data) == case
    assert "strategy" not in problem_to_json(_peak_case(Strategy.COST))
    with pytest.raises(ProblemError, match="unknown strategy 'cheapest'"):
        problem_from_json({**data, "strategy": "cheapest"})


def _measure(strategy: Strategy, judged: Evaluation) -> float:
    """Return what a strategy minimises first, from the evaluator."""
    if strategy is Strategy.PEAK_SHAVING:
        return judged.highest_import_kw
    if strategy is Strategy.SMOOTHING:
        return judged.grid_variation_kw
    return judged.grid_charged_kwh + judged.battery_exported_kwh


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    problems(),
    st.sampled_from(
        [Strategy.SELF_CONSUMPTION, Strategy.PEAK_SHAVING, Strategy.SMOOTHING]
    ),
)
def test_a_strategy_is_best_on_its_measure_and_costs_no_less(
    case: Problem, strategy: Strategy
) -> None:
    """Against the least-cost plan: never worse on the measure, never cheaper."""
    cheapest = plan(case)
    aimed = plan(replace(case, strategy=strategy))
    assert aimed.method == "milp"
    base = evaluate(case, [slot.battery_kw for slot in cheapest.slots])
    judged = evaluate(case, [slot.battery_kw for slot in aimed.slots])
    assert judged.violations == ()
    assert abs(aimed.objective - judged.cost) < 1e-4
    assert aimed.objective >= cheapest.objective - 1e-4
    assert _measure(strategy, judged) <= _measure(strategy, base) + 1e-4
    if strategy is Strategy.SELF_CONSUMPTION:
        # The battery starts within its limits: nothing forces grid charging.
        assert _measure(strategy, judged) < 1e-4
        approximate = plan(replace(case, strategy=strategy), "dp")
        dp_judged = evaluate(case, [slot.battery_kw for slot in approximate.slots])
        assert dp_judged.violations == ()
        assert _measure(strategy, dp_judged) < 1e-4
