"""Battery schedule optimisation: pure, no Home Assistant imports.

`plan(problem, method="milp" | "dp")` never raises for a valid Problem: the MILP (HiGHS)
falls back to DP, DP to plain self-use, and the Plan says which method produced it and
why. The chain is the same on every install: highspy and numpy have wheels for every
platform Home Assistant runs on.
"""

from __future__ import annotations

import time
from typing import Literal

from .codec import plan_to_json, problem_from_json, problem_to_json
from .dp import DEFAULT_SOC_STEP_PERCENT, solve_dp
from .evaluate import Evaluation, evaluate
from .limits import FloatArray, SlotLimits, derive
from .milp import solve_cbc, solve_highs
from .model import (
    Battery,
    ChargeTaper,
    Grid,
    InverterMode,
    Plan,
    PlanSlot,
    Problem,
    ProblemError,
    ReserveWindow,
    SocTarget,
)
from .schedule import build_plan, settle
from .selfuse import self_use

__all__ = [
    "Battery",
    "ChargeTaper",
    "Evaluation",
    "Grid",
    "InverterMode",
    "Method",
    "Plan",
    "PlanSlot",
    "Problem",
    "ProblemError",
    "ReserveWindow",
    "SocTarget",
    "evaluate",
    "plan",
    "plan_to_json",
    "problem_from_json",
    "problem_to_json",
]

type Method = Literal["milp", "dp"]
# HiGHS plans; CBC (through PuLP, installed for tests and benchmarks only) solves the
# same model as an independent cross-check.
type MilpSolver = Literal["highs", "cbc"]
_SOLVER_ERRORS = (RuntimeError, ArithmeticError, ValueError, ImportError, OSError)


def _milp(
    problem: Problem, limits: SlotLimits, solver: MilpSolver, time_limit: float
) -> tuple[FloatArray, str]:
    solve = solve_cbc if solver == "cbc" else solve_highs
    result = solve(problem, limits, time_limit=time_limit)
    return result.battery_kw, (
        f"exact MILP ({result.solver}, {result.binaries} charge/discharge binaries)"
    )


def plan(
    problem: Problem,
    method: Method = "milp",
    *,
    time_limit: float = 10.0,
    soc_step_percent: float = DEFAULT_SOC_STEP_PERCENT,
    milp_solver: MilpSolver = "highs",
) -> Plan:
    """Return the cheapest battery schedule for `problem` (see the module docstring)."""
    if method not in ("milp", "dp"):
        raise ProblemError(f"unknown method {method!r}: use milp or dp")
    started = time.perf_counter()
    limits = derive(problem)
    failures: list[str] = []
    battery: FloatArray | None = None
    produced, status, reason = "self_use", "fallback", ""
    if method == "milp":
        try:
            battery, reason = _milp(problem, limits, milp_solver, time_limit)
            produced, status = "milp", "optimal"
        except _SOLVER_ERRORS as err:
            failures.append(f"MILP failed ({err})")
    if battery is None:
        try:
            battery = solve_dp(problem, limits, soc_step_percent=soc_step_percent)
            produced, status = "dp", "optimal" if method == "dp" else "fallback"
            reason = f"dynamic programming on a {soc_step_percent:g}% SoC grid"
        except _SOLVER_ERRORS as err:
            failures.append(f"DP failed ({err})")
    if battery is None:
        battery = self_use(problem, limits)
        reason = "plain self-use"
    if failures:
        reason = "; ".join([*failures, f"used {reason}"])
    solve_seconds = time.perf_counter() - started
    settled = settle(problem, limits, battery)
    idle = settle(problem, limits, battery * 0.0)
    plain = settle(problem, limits, self_use(problem, limits))
    return build_plan(
        problem,
        limits,
        settled,
        method=produced,
        status=status,
        reason=reason,
        cost_idle=idle.cost,
        cost_self_use=plain.cost,
        solve_seconds=solve_seconds,
    )
