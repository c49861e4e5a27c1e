"""Battery schedule optimisation: pure, no Home Assistant imports.

`plan(problem, method="milp" | "dp")` never raises for a valid Problem: the MILP (HiGHS)
falls back to DP, DP to plain self-use, and the Plan says which method produced it and
why. The chain is the same on every install: highspy and numpy have wheels for every
platform Home Assistant runs on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
import time
from typing import Literal

from .cbc import solve_cbc
from .codec import plan_to_json, problem_from_json, problem_to_json
from .dp import DEFAULT_SOC_STEP_PERCENT, solve_dp
from .errors import ProblemError
from .evaluate import Evaluation, evaluate
from .limits import FloatArray, SlotLimits, derive
from .load_schedule import cheap_schedule, with_loads
from .loads import DeferrableLoad, DemandCharge, Load, ModulatingLoad, OptionalLoad
from .milp import solve_highs
from .model import (
    Battery,
    ChargeTaper,
    Grid,
    Problem,
    ReserveWindow,
    Scenario,
    SocTarget,
)
from .result import InverterMode, Plan, PlanSlot
from .schedule import build_plan, settle
from .selfuse import self_use
from .strategy import NEEDS_MILP, Strategy, strategy_name

__all__ = [
    "Battery",
    "ChargeTaper",
    "DeferrableLoad",
    "DemandCharge",
    "Evaluation",
    "Grid",
    "InverterMode",
    "Load",
    "Method",
    "ModulatingLoad",
    "OptionalLoad",
    "Plan",
    "PlanSlot",
    "Problem",
    "ProblemError",
    "ReserveWindow",
    "Scenario",
    "SocTarget",
    "Strategy",
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
    problem: Problem,
    limits: SlotLimits,
    *,
    solver: MilpSolver,
    time_limit: float,
    scenarios: Sequence[Scenario],
    first_kw: float | None,
) -> tuple[FloatArray, FloatArray | None, str, float | None]:
    if solver == "cbc":
        result = solve_cbc(problem, limits, time_limit=time_limit)
    else:
        result = solve_highs(
            problem,
            limits,
            time_limit=time_limit,
            first_kw=first_kw,
            scenarios=[
                (
                    scenario.weight,
                    derive(
                        replace(problem, pv_kw=scenario.pv_kw, load_kw=scenario.load_kw)
                    ),
                )
                for scenario in scenarios
            ],
        )
    return (
        result.battery_kw,
        result.loads_kw,
        f"exact MILP ({result.solver}, {result.binaries} charge/discharge binaries)",
        result.objective,
    )


def _fixed_loads_note(problem: Problem) -> str:
    """Say what a method other than the MILP leaves out."""
    note = ""
    if problem.loads:
        note += " around a fixed load schedule (each load where it costs least)"
    if problem.demand_charge is not None:
        note += ", demand charge not optimised"
    if problem.strategy in NEEDS_MILP:
        note += f", {strategy_name(problem.strategy)} not applied (planned for cost)"
    return note


def plan(
    problem: Problem,
    method: Method = "milp",
    *,
    time_limit: float = 10.0,
    soc_step_percent: float = DEFAULT_SOC_STEP_PERCENT,
    milp_solver: MilpSolver = "highs",
    caps: bool = False,
    scenarios: Sequence[Scenario] = (),
    first_kw: float | None = None,
    hurdle: float = 0.0,
) -> Plan:
    """Return the cheapest battery schedule for `problem` (see the module docstring).

    `caps`: the inverter has self use's charge and discharge limits; the plan's modes
    use them (see `explain`). `scenarios` (MILP only): other futures; the first
    slot is chosen for all of them at once (see `milp.solve_highs`). `first_kw` (MILP
    only): the first slot's battery power is given. Controllable loads are planned
    with the battery by the MILP; DP and self-use plan the battery around the loads
    placed where each costs least (`load_schedule.cheap_schedule`). The problem's
    strategy (`strategy.py`) is exact in the MILP; DP keeps self-consumption's limits,
    and a strategy only the MILP plans makes `dp` plan with the MILP (the reason says so).
    `hurdle`: currency per kWh discharged that the solvers add to the cycle cost (a
    margin against forecast error); the plan's costs are the problem's own.
    """
    if method not in ("milp", "dp"):
        raise ProblemError(f"unknown method {method!r}: use milp or dp")
    asked = ""
    if method == "dp" and problem.strategy in NEEDS_MILP:
        method = "milp"
        asked = f"; {strategy_name(problem.strategy)} needs the MILP (dp was asked)"
    started = time.perf_counter()
    limits = derive(problem)
    solved = _with_hurdle(problem, hurdle)
    failures: list[str] = []
    battery: FloatArray | None = None
    loads_kw: FloatArray | None = None
    expected: float | None = None
    produced, status, reason = "self_use", "fallback", ""
    if method == "milp":
        try:
            battery, loads_kw, reason, expected = _milp(
                solved,
                limits,
                solver=milp_solver,
                time_limit=time_limit,
                scenarios=scenarios,
                first_kw=first_kw,
            )
            produced, status = "milp", "optimal"
        except _SOLVER_ERRORS as err:
            failures.append(f"MILP failed ({err})")
    if battery is None:
        loads_kw = cheap_schedule(problem, limits)
    loaded = with_loads(limits, loads_kw) if loads_kw is not None else limits
    if battery is None:
        try:
            battery = solve_dp(solved, loaded, soc_step_percent=soc_step_percent)
            produced, status = "dp", "optimal" if method == "dp" else "fallback"
            reason = f"dynamic programming on a {soc_step_percent:g}% SoC grid"
        except _SOLVER_ERRORS as err:
            failures.append(f"DP failed ({err})")
    if battery is None:
        battery = self_use(problem, loaded)
        reason = "plain self-use"
    if produced != "milp":
        reason += _fixed_loads_note(problem)
    reason += asked
    if failures:
        reason = "; ".join([*failures, f"used {reason}"])
    solve_seconds = time.perf_counter() - started
    settled = settle(problem, limits, battery, loads_kw)
    idle = settle(problem, limits, battery * 0.0, loads_kw)
    plain = settle(problem, limits, self_use(problem, loaded), loads_kw)
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
        caps=caps,
        expected_cost=expected,
    )


def _with_hurdle(problem: Problem, hurdle: float) -> Problem:
    """Return `problem` with `hurdle` added to the battery's cycle cost (if any)."""
    if hurdle <= 0.0:
        return problem
    battery = problem.battery
    return replace(
        problem,
        battery=replace(
            battery, cycle_cost_per_kwh=battery.cycle_cost_per_kwh + hurdle
        ),
    )
