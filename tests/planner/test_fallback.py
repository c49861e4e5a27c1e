"""The planner never raises for a valid problem: MILP -> DP -> self-use, labelled."""

from __future__ import annotations

from datetime import timedelta

import pytest

from custom_components.ems.planner import SocTarget, evaluate, plan

from .helpers import START, battery, problem


def test_milp_timeout_falls_back_to_dp_and_says_so() -> None:
    """A MILP with no time left falls back to DP; the plan names method and reason."""
    case = problem([0.08, 0.31], export_price=[0.05, 0.05], load_kw=[0.5, 3.0])
    result = plan(case, "milp", time_limit=1e-9)
    assert result.method == "dp"
    assert result.status == "fallback"
    assert result.reason.startswith("MILP failed (time limit reached)")
    assert result.expected_saving > 0.5


def test_dp_failure_falls_back_to_safe_self_use() -> None:
    """A target reachable only at exactly full power lies between DP's grid levels.

    DP cannot meet it and the planner returns plain self-use that still charges to
    the target in time, labelled as a fallback.
    """
    reachable = 10.0 + 100.0 * 5.0 * 0.95 * 0.25 / 10.0  # % after one full-power slot
    case = problem(
        [0.3, 0.3, 0.3],
        slot_minutes=15,
        battery=battery(soc_percent=10.0 + 1e-3),
        target=SocTarget(soc_percent=reachable, by=START + timedelta(minutes=15)),
    )
    result = plan(case, "dp", soc_step_percent=7.0)
    assert result.method == "self_use"
    assert result.status == "fallback"
    assert "DP failed" in result.reason
    judged = evaluate(case, [slot.battery_kw for slot in result.slots])
    assert judged.violations == ()
    assert result.slots[0].soc_percent == pytest.approx(reachable, abs=1e-6)


def test_self_use_stores_surplus_and_covers_the_deficit() -> None:
    """The plain self-use cost in every plan follows PV surplus and load deficit."""
    case = problem(
        [0.3, 0.3],
        export_price=[0.05, 0.05],
        pv_kw=[3.0, 0.0],
        load_kw=[1.0, 1.0],
        battery=battery(cycle_cost_per_kwh=0.0),
    )
    result = plan(case)
    stored = 2.0 * 0.95  # the surplus of the first hour
    delivered = min(1.0, stored * 0.95)
    by_hand = 0.3 * (1.0 - delivered)
    assert result.cost_self_use == pytest.approx(by_hand, abs=1e-9)
