"""A Situation with controllable loads: read and written, validated, planned with the battery."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
import json

import pytest

from custom_components.ems.core.situation import (
    plan_situation,
    situation_from_json,
    situation_to_json,
)
from custom_components.ems.planner import (
    DeferrableLoad,
    ModulatingLoad,
    OptionalLoad,
    ProblemError,
)
from tests.inputs.shared_data import PARIS

from .real_day import situation
from .test_cli import _quarter_hours

DISHWASHER = DeferrableLoad(
    id="dishwasher",
    power_kw=2.0,
    energy_kwh=2.0,
    earliest=datetime(2024, 10, 27, 12, 0, tzinfo=PARIS),
    latest=datetime(2024, 10, 27, 18, 0, tzinfo=PARIS),
    min_run_minutes=60,
    one_block=True,
)
CAR = ModulatingLoad(
    id="car",
    min_kw=1.4,
    max_kw=3.7,
    energy_kwh=5.0,
    earliest=datetime(2024, 10, 27, 18, 0, tzinfo=PARIS),
    latest=datetime(2024, 10, 27, 23, 0, tzinfo=PARIS),
)
BOOST = OptionalLoad(id="boost", power_kw=3.0, max_energy_kwh=3.0, value_per_kwh=0.5)


def test_loads_round_trip_as_formats_problem_section() -> None:
    """`loads` is written as the problem's section and read back to the same Situation."""
    known = replace(situation(), loads=(DISHWASHER, CAR, BOOST))
    data = json.loads(json.dumps(situation_to_json(known)))
    assert data["loads"][0] == {
        "id": "dishwasher",
        "kind": "deferrable",
        "power_kw": 2.0,
        "energy_kwh": 2.0,
        "earliest": "2024-10-27T12:00:00+01:00",
        "latest": "2024-10-27T18:00:00+01:00",
        "min_run_minutes": 60,
        "one_block": True,
    }
    assert situation_from_json(data) == known
    assert "loads" not in situation_to_json(situation())


def test_a_bad_load_is_refused() -> None:
    """A load the planner cannot use makes the Situation invalid, with its name."""
    with pytest.raises(ProblemError, match="'car'.*min_kw <= max_kw"):
        replace(situation(), loads=(replace(CAR, min_kw=5.0),))
    data = situation_to_json(replace(situation(), loads=(CAR,)))
    data["loads"][0]["kind"] = "sometimes"
    with pytest.raises(ProblemError, match=r"loads\[0\] \(car\): unknown kind"):
        situation_from_json(data)


def _kwh(plan_slots: object, load_id: str) -> float:
    return sum(
        slot.loads_kw.get(load_id, 0.0) * 0.5
        for slot in plan_slots  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize("method", ["milp", "dp"])
def test_loads_are_planned_with_the_battery(method: str) -> None:
    """Each required energy within its window; the boost where its value beats the price."""
    known = replace(situation(), loads=(DISHWASHER, CAR, BOOST))
    problem, plan = plan_situation(known, method=method)  # type: ignore[arg-type]
    assert problem.loads == known.loads
    assert plan.load_issues == ()
    assert _kwh(plan.slots, "dishwasher") == pytest.approx(2.0)
    assert _kwh(plan.slots, "car") == pytest.approx(5.0)
    dishwasher_on = [s.start for s in plan.slots if s.loads_kw["dishwasher"] > 0]
    assert len(dishwasher_on) == 2
    assert DISHWASHER.earliest <= dishwasher_on[0]
    assert dishwasher_on[1] < DISHWASHER.latest
    for slot in plan.slots:
        car_kw = slot.loads_kw["car"]
        assert car_kw == 0.0 or 1.4 - 1e-6 <= car_kw <= 3.7 + 1e-6
        if car_kw:
            assert CAR.earliest <= slot.start < CAR.latest
    assert _kwh(plan.slots, "boost") <= 3.0 + 1e-6
    # Every import price of the day is below the boost's 0.5 per kWh: it runs.
    assert _kwh(plan.slots, "boost") == pytest.approx(3.0)


def test_the_milp_plans_loads_at_least_as_well_as_dp() -> None:
    """The exact plan costs no more than DP around its fixed load schedule."""
    known = replace(situation(), loads=(DISHWASHER, CAR, BOOST))
    _, exact = plan_situation(known, method="milp")
    _, fixed = plan_situation(known, method="dp")
    assert exact.objective <= fixed.objective + 1e-6
    assert "fixed load schedule" in fixed.reason


def test_energy_that_cannot_fit_is_an_issue_and_the_rest_is_planned() -> None:
    """A car needing more than its window allows gets all it can, and the plan says so."""
    known = replace(situation(), loads=(replace(CAR, energy_kwh=40.0), DISHWASHER))
    _, plan = plan_situation(known)
    assert len(plan.load_issues) == 1
    assert "car" in plan.load_issues[0]
    assert _kwh(plan.slots, "car") == pytest.approx(3.7 * 5)
    assert _kwh(plan.slots, "dishwasher") == pytest.approx(2.0)


def test_two_days_of_quarter_hours_with_three_loads_stay_exact() -> None:
    """48 h x 15 min with the recent days as scenarios: the MILP plans, no fallback."""
    known = replace(_quarter_hours(situation()), loads=(DISHWASHER, CAR, BOOST))
    problem, plan = plan_situation(known)
    assert (plan.method, plan.status) == ("milp", "optimal")
    assert len(plan.slots) == 192
    assert plan.load_issues == ()
    assert problem.loads == known.loads
    _, dp = plan_situation(known, method="dp")
    assert plan.objective <= dp.objective + 1e-6
