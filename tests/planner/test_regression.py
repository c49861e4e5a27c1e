"""Regression cases from real series: JSON problem and expected objective pairs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.ems.planner import evaluate, plan, problem_from_json

CASES = sorted((Path(__file__).parent / "cases").glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_milp_reaches_the_recorded_optimum(path: Path) -> None:
    """The exact MILP finds the recorded objective, confirmed by the evaluator."""
    case = _load(path)
    problem = problem_from_json(case["problem"])
    result = plan(problem, "milp")
    judged = evaluate(problem, [slot.battery_kw for slot in result.slots])
    assert result.status == "optimal"
    assert judged.violations == ()
    assert judged.cost == pytest.approx(case["expected_objective"], abs=1e-4)


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_dp_captures_nearly_all_of_it(path: Path) -> None:
    """DP keeps every limit and captures at least 99.5 % of what the battery can earn."""
    case = _load(path)
    problem = problem_from_json(case["problem"])
    result = plan(problem, "dp")
    judged = evaluate(problem, [slot.battery_kw for slot in result.slots])
    assert result.method == "dp"
    assert judged.violations == ()
    best = case["expected_objective"]
    assert judged.cost >= best - 1e-4
    assert judged.cost - best <= 0.005 * abs(result.cost_idle - best) + 1e-4


def test_cases_cover_the_options() -> None:
    """At least one case has a reserve, a target, a taper and zero export."""
    problems = [_load(path)["problem"] for path in CASES]
    for option in ("reserve", "target", "charge_taper", "zero_export"):
        assert any(option in problem for problem in problems), option
