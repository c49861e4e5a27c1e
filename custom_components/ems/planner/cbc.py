"""The same MILP solved by CBC through PuLP: the cross-check of tests and benchmarks.

PuLP is not a requirement of the integration; every slot gets its charge/discharge
binary upfront (no lazy binaries), so that a mistake in HiGHS's path shows up here.
Controllable loads, the demand charge and strategies other than cost are HiGHS's
alone (`milp_loads.py` and `milp_strategy.py` add them to a HiGHS model): a problem
with them raises SolverFailed here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .milp import MilpResult, big_m, columns, exclusive_grid_slots, rows
from .milp_lazy import CHARGE, DISCHARGE, EXPORT, IMPORT, SolverFailed
from .milp_loads import HIGHS_INF
from .strategy import Strategy

if TYPE_CHECKING:
    from .limits import SlotLimits
    from .model import Problem


def solve_cbc(problem: Problem, limits: SlotLimits, *, time_limit: float) -> MilpResult:
    """Solve the same model with CBC through PuLP, with a binary in every slot upfront."""
    if problem.loads or problem.demand_charge is not None:
        raise SolverFailed("CBC does not model controllable loads or a demand charge")
    if problem.strategy is not Strategy.COST:
        raise SolverFailed("CBC plans the cost strategy only")
    import pulp  # noqa: PLC0415  (a test and benchmark dependency only)

    size = problem.horizon
    cost, col_lower, col_upper = columns(problem, limits)
    model = pulp.LpProblem("ems", pulp.LpMinimize)
    variables = [
        model.add_variable(
            f"x{number}",
            lowBound=float(low),
            upBound=None if high >= HIGHS_INF else float(high),
        )
        for number, (low, high) in enumerate(zip(col_lower, col_upper, strict=True))
    ]
    model += pulp.lpSum(
        float(weight) * column
        for weight, column in zip(cost, variables, strict=True)
        if weight
    )
    row_lower, row_upper, starts, index, value = rows(problem, limits)
    ends = [*starts[1:].tolist(), len(index)]
    for low, high, start, end in zip(row_lower, row_upper, starts, ends, strict=True):
        expression = pulp.lpSum(
            float(value[k]) * variables[int(index[k])] for k in range(start, end)
        )
        if low == high:
            model += expression == float(low)
        else:
            if low > -HIGHS_INF:
                model += expression >= float(low)
            if high < HIGHS_INF:
                model += expression <= float(high)
    imp_cap, exp_cap = big_m(limits)
    exclusive = set(exclusive_grid_slots(limits))
    for t in range(size):
        charging = model.add_variable(f"charging_{t}", cat="Binary")
        model += variables[CHARGE * size + t] <= limits.max_charge_kw * charging
        model += variables[DISCHARGE * size + t] <= limits.max_discharge_kw * (
            1 - charging
        )
        if t in exclusive:
            importing = model.add_variable(f"importing_{t}", cat="Binary")
            model += variables[IMPORT * size + t] <= float(imp_cap[t]) * importing
            model += variables[EXPORT * size + t] <= float(exp_cap[t]) * (1 - importing)
    # cbcbox 2.935's bound propagation "proves" infeasible models that are feasible
    # (a battery pinned at 0 % makes it chase charge = 1.03 x discharge forever), so
    # it is switched off; CBC's own presolve still runs.
    solver = pulp.COIN_CMD(  # type: ignore[no-untyped-call]
        msg=False,
        timeLimit=max(1, math.ceil(time_limit)),
        gapRel=0.0,
        gapAbs=1e-9,
        options=["boundPropLevel off"],
    )
    if not solver.available():  # type: ignore[no-untyped-call]
        raise SolverFailed("CBC is not installed")
    stats = model.solve(solver)
    # With zero gap tolerances, "gap limit" also means proven optimal.
    proven = (pulp.LpSolveStatus.Optimal, pulp.LpSolveStatus.GapLimit)
    if stats.status not in proven or not stats.has_solution:
        raise SolverFailed(f"CBC status {stats.status_str.lower()}")
    values = np.array([column.value() or 0.0 for column in variables])
    blocks = values.reshape(6, size)
    return MilpResult(
        battery_kw=blocks[CHARGE] - blocks[DISCHARGE], solver="cbc", binaries=size
    )
