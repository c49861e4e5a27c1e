"""Exact schedule as a MILP: HiGHS through highspy in matrix form, CBC through PuLP.

Per slot: charge c and discharge d (AC kW), grid import and export, PV curtailment and
stored energy e at the slot end. The no-simultaneous-charge-and-discharge binaries are
added lazily: the LP is solved first and a binary is added only for slots where the
solution charges and discharges at once; this repeats until no slot does. The final
solution is feasible for the full MILP and optimal for a relaxation of it, so it is
optimal for the full MILP.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from .limits import FloatArray, SlotLimits

if TYPE_CHECKING:
    from .model import Problem

_CHARGE, _DISCHARGE, _IMPORT, _EXPORT, _CURTAIL, _STORED = range(6)
_SIMULTANEOUS_KW = 1e-6
_HIGHS_INF = 1e30


class SolverFailed(RuntimeError):
    """The MILP solver did not return an optimal schedule."""


@dataclass(frozen=True, kw_only=True, slots=True)
class MilpResult:
    """Battery kW per slot (+ charge) and which solver produced it."""

    battery_kw: FloatArray
    solver: str
    binaries: int


def _big_m(problem: Problem, limits: SlotLimits) -> tuple[FloatArray, FloatArray]:
    """Finite caps for import and export, for slots that need an import/export binary."""
    load = np.asarray(problem.load_kw)
    pv = np.asarray(problem.pv_kw)
    imp = np.minimum(limits.max_import_kw, load + limits.max_charge_kw)
    exp = np.minimum(limits.max_export_kw, pv + limits.max_discharge_kw)
    return imp, exp


def _columns(problem: Problem, limits: SlotLimits) -> tuple[FloatArray, ...]:
    """Return cost, lower and upper bounds of the 6N continuous columns."""
    size = problem.horizon
    hours = limits.hours
    cost = np.zeros((6, size))
    cost[_IMPORT] = hours * np.asarray(problem.import_price)
    cost[_EXPORT] = -hours * np.asarray(problem.export_price)
    cost[_DISCHARGE] = hours * problem.battery.cycle_cost_per_kwh
    cost[_STORED, -1] = -problem.terminal_value_per_kwh
    lower = np.zeros((6, size))
    lower[_STORED] = limits.floor_kwh
    upper = np.empty((6, size))
    upper[_CHARGE] = limits.max_charge_kw
    upper[_CHARGE, 0] = float(limits.charge_cap_kw(limits.initial_kwh))
    upper[_DISCHARGE] = limits.max_discharge_kw
    upper[_IMPORT] = limits.max_import_kw
    upper[_EXPORT] = limits.max_export_kw
    upper[_CURTAIL] = problem.pv_kw
    upper[_STORED] = limits.ceiling_kwh
    return cost.ravel(), lower.ravel(), np.minimum(upper.ravel(), _HIGHS_INF)


def _rows(problem: Problem, limits: SlotLimits) -> tuple[Any, ...]:
    """Return balance, energy and taper rows in row-wise sparse form."""
    size = problem.horizon
    slots = np.arange(size)
    hours = limits.hours

    def col(block: int) -> Any:
        return block * size + slots

    # Balance: import - export - curtail - charge + discharge = load - pv.
    balance_idx = np.stack(
        [col(_IMPORT), col(_EXPORT), col(_CURTAIL), col(_CHARGE), col(_DISCHARGE)], 1
    )
    balance_val = np.tile([1.0, -1.0, -1.0, -1.0, 1.0], (size, 1))
    net = np.asarray(problem.load_kw) - np.asarray(problem.pv_kw)
    # Energy: e[t] - e[t-1] - eta_c h c[t] + h / eta_d d[t] = 0 (e[-1] is the initial).
    previous = col(_STORED) - 1  # slot 0 has no previous column: its entry is dropped
    energy_idx = np.stack([col(_STORED), previous, col(_CHARGE), col(_DISCHARGE)], 1)
    energy_val = np.tile(
        [
            1.0,
            -1.0,
            -limits.charge_efficiency * hours,
            hours / limits.discharge_efficiency,
        ],
        (size, 1),
    )
    energy_rhs = np.zeros(size)
    energy_rhs[0] = limits.initial_kwh
    index: list[Any] = [balance_idx.ravel(), np.delete(energy_idx.ravel(), 1)]
    value: list[Any] = [balance_val.ravel(), np.delete(energy_val.ravel(), 1)]
    starts: list[Any] = [
        np.arange(size) * 5,
        5 * size + np.maximum(np.arange(size) * 4 - 1, 0),
    ]
    lower: list[Any] = [net, energy_rhs]
    upper: list[Any] = [net, energy_rhs]
    nonzeros = 9 * size - 1
    if limits.taper_slope_kw_per_kwh > 0.0 and size > 1:
        # Taper: c[t] + slope e[t-1] <= max_charge + slope knee, for t >= 1.
        slope = limits.taper_slope_kw_per_kwh
        index.append(np.stack([col(_CHARGE)[1:], col(_STORED)[:-1]], 1).ravel())
        value.append(np.tile([1.0, slope], size - 1))
        starts.append(nonzeros + np.arange(size - 1) * 2)
        lower.append(np.full(size - 1, -_HIGHS_INF))
        upper.append(
            np.full(size - 1, limits.max_charge_kw + slope * limits.taper_knee_kwh)
        )
    return (
        np.concatenate(lower),
        np.concatenate(upper),
        np.concatenate(starts).astype(np.int32),
        np.concatenate(index).astype(np.int32),
        np.concatenate(value),
    )


def _add_binaries(
    highs: Any, pairs: list[tuple[int, int, float, float]], first_column: int
) -> None:
    """For each (a, b, cap_a, cap_b) add y in {0,1}: a <= cap_a y, b <= cap_b (1 - y)."""
    count = len(pairs)
    highs.addCols(
        count,
        np.zeros(count),
        np.zeros(count),
        np.ones(count),
        0,
        np.zeros(0, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0),
    )
    new = np.arange(first_column, first_column + count, dtype=np.int32)
    highs.changeColsIntegrality(count, new, np.ones(count, dtype=np.uint8))
    index: list[int] = []
    value: list[float] = []
    upper: list[float] = []
    for (a, b, cap_a, cap_b), binary in zip(pairs, new.tolist(), strict=True):
        index += [a, binary, b, binary]
        value += [1.0, -cap_a, 1.0, cap_b]
        upper += [0.0, cap_b]
    highs.addRows(
        2 * count,
        np.full(2 * count, -_HIGHS_INF),
        np.array(upper),
        4 * count,
        np.arange(0, 4 * count, 2, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(value),
    )


def solve_highs(
    problem: Problem, limits: SlotLimits, *, time_limit: float
) -> MilpResult:
    """Solve with HiGHS (highspy), adding binaries only where they bind."""
    import highspy  # noqa: PLC0415  (optional at import time: CBC is the fallback)

    size = problem.horizon
    cost, col_lower, col_upper = _columns(problem, limits)
    row_lower, row_upper, starts, index, value = _rows(problem, limits)
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.passModel(
        6 * size,
        len(row_lower),
        len(index),
        2,  # row-wise
        1,  # minimise
        0.0,
        cost,
        col_lower,
        col_upper,
        row_lower,
        row_upper,
        starts,
        index,
        value,
        np.zeros(6 * size, dtype=np.int32),
    )
    columns = 6 * size
    imp_cap, exp_cap = _big_m(problem, limits)
    reversed_prices = np.flatnonzero(
        np.asarray(problem.export_price) > np.asarray(problem.import_price)
    )
    pending: list[tuple[int, int, float, float]] = [
        (_IMPORT * size + int(t), _EXPORT * size + int(t), imp_cap[t], exp_cap[t])
        for t in reversed_prices
    ]
    deadline = time.perf_counter() + time_limit
    binaries = 0
    while True:
        if pending:
            _add_binaries(highs, pending, columns)
            columns += len(pending)
            binaries += len(pending)
        remaining = deadline - time.perf_counter()
        if remaining <= 0.0:
            raise SolverFailed("time limit reached")
        highs.setOptionValue("time_limit", remaining)
        highs.run()
        status = highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolverFailed(highs.modelStatusToString(status).lower())
        values = np.asarray(highs.getSolution().col_value)[: 6 * size]
        blocks = values.reshape(6, size)
        charge, discharge = blocks[_CHARGE], blocks[_DISCHARGE]
        both: list[int] = [
            int(t)
            for t in np.flatnonzero(np.minimum(charge, discharge) > _SIMULTANEOUS_KW)
        ]
        if not both:
            return MilpResult(
                battery_kw=charge - discharge, solver="highs", binaries=binaries
            )
        pending = [
            (
                _CHARGE * size + t,
                _DISCHARGE * size + t,
                limits.max_charge_kw,
                limits.max_discharge_kw,
            )
            for t in both
        ]


def solve_cbc(problem: Problem, limits: SlotLimits, *, time_limit: float) -> MilpResult:
    """Solve the full MILP (a binary per slot) with CBC through PuLP."""
    import pulp  # noqa: PLC0415

    size = problem.horizon
    hours = limits.hours
    cost, col_lower, col_upper = _columns(problem, limits)
    model = pulp.LpProblem("ems", pulp.LpMinimize)
    names = ("charge", "discharge", "import", "export", "curtail", "stored")
    columns = [
        model.add_variable(
            f"{names[block]}_{t}",
            lowBound=float(col_lower[block * size + t]),
            upBound=None
            if col_upper[block * size + t] >= _HIGHS_INF
            else float(col_upper[block * size + t]),
        )
        for block in range(6)
        for t in range(size)
    ]
    charge, discharge, imp, exp, curtail, stored = (
        columns[block * size : (block + 1) * size] for block in range(6)
    )
    model += pulp.lpSum(
        float(weight) * column
        for weight, column in zip(cost, columns, strict=True)
        if weight
    )
    imp_cap, exp_cap = _big_m(problem, limits)
    for t in range(size):
        model += (
            imp[t] - exp[t] - curtail[t] - charge[t] + discharge[t]
            == problem.load_kw[t] - problem.pv_kw[t]
        )
        before = stored[t - 1] if t else limits.initial_kwh
        model += (
            stored[t]
            == before
            + limits.charge_efficiency * hours * charge[t]
            - hours / limits.discharge_efficiency * discharge[t]
        )
        if t and limits.taper_slope_kw_per_kwh > 0.0:
            slope = limits.taper_slope_kw_per_kwh
            model += charge[t] + slope * stored[t - 1] <= (
                limits.max_charge_kw + slope * limits.taper_knee_kwh
            )
        charging = model.add_variable(f"charging_{t}", cat="Binary")
        model += charge[t] <= limits.max_charge_kw * charging
        model += discharge[t] <= limits.max_discharge_kw * (1 - charging)
        if problem.export_price[t] > problem.import_price[t]:
            importing = model.add_variable(f"importing_{t}", cat="Binary")
            model += imp[t] <= float(imp_cap[t]) * importing
            model += exp[t] <= float(exp_cap[t]) * (1 - importing)
    solver = pulp.COIN_CMD(  # type: ignore[no-untyped-call]
        msg=False, timeLimit=max(1, math.ceil(time_limit)), gapRel=0.0, gapAbs=1e-9
    )
    if not solver.available():  # type: ignore[no-untyped-call]
        raise SolverFailed("CBC is not installed")
    stats = model.solve(solver)
    # With zero gap tolerances, "gap limit" also means proven optimal.
    proven = (pulp.LpSolveStatus.Optimal, pulp.LpSolveStatus.GapLimit)
    if stats.status not in proven or not stats.has_solution:
        raise SolverFailed(f"CBC status {stats.status_str.lower()}")
    battery = np.array(
        [
            (c.value() or 0.0) - (d.value() or 0.0)
            for c, d in zip(charge, discharge, strict=True)
        ]
    )
    return MilpResult(battery_kw=battery, solver="cbc", binaries=size)
