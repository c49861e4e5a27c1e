"""Exact schedule as a MILP: HiGHS through highspy in matrix form.

CBC through PuLP solves the same model for cross-checks in tests and benchmarks; PuLP
is not a requirement of the integration.

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
from .quiet import quiet_highs

if TYPE_CHECKING:
    from .model import Problem

_CHARGE, _DISCHARGE, _IMPORT, _EXPORT, _CURTAIL, _STORED = range(6)
_SIMULTANEOUS_KW = 1e-6
_HIGHS_INF = 1e30
_SLACK_KW = 1e-6  # keeps near-degenerate export limits clear of solver tolerances


class SolverFailed(RuntimeError):
    """The MILP solver did not return an optimal schedule."""


@dataclass(frozen=True, kw_only=True, slots=True)
class MilpResult:
    """Battery kW per slot (+ charge) and which solver produced it."""

    battery_kw: FloatArray
    solver: str
    binaries: int


def _big_m(limits: SlotLimits) -> tuple[FloatArray, FloatArray]:
    """Finite bounds on import and export, for slots that need an import/export binary."""
    imp = np.minimum(limits.max_import_kw, limits.load_kw + limits.max_charge_kw)
    exp = limits.pv_kw + limits.max_discharge_kw
    return imp, exp


def _exclusive_grid_slots(limits: SlotLimits) -> list[int]:
    """Slots where importing and exporting at once would pay: they get a binary upfront.

    Export above the import price, or a negative import price (curtailing PV to import
    more is not in the model: curtailment only ever reduces export).
    """
    exclusive = (limits.export_price > limits.import_price) | (
        limits.import_price < 0.0
    )
    return [int(slot) for slot in np.flatnonzero(exclusive)]


def _columns(problem: Problem, limits: SlotLimits) -> tuple[FloatArray, ...]:
    """Return cost, lower and upper bounds of the 6N continuous columns."""
    size = problem.horizon
    hours = limits.hours
    cost = np.zeros((6, size))
    cost[_IMPORT] = hours * limits.import_price
    cost[_EXPORT] = -hours * limits.export_price
    cost[_CURTAIL] = hours * limits.export_price  # curtailed export earns nothing
    cost[_DISCHARGE] = hours * problem.battery.cycle_cost_per_kwh
    cost[_STORED, -1] = -problem.terminal_value_per_kwh
    lower = np.zeros((6, size))
    lower[_STORED] = limits.floor_kwh
    upper = np.empty((6, size))
    upper[_CHARGE] = limits.max_charge_kw
    upper[_CHARGE, 0] = float(limits.charge_cap_kw(limits.initial_kwh))
    upper[_DISCHARGE] = limits.max_discharge_kw
    upper[_IMPORT] = limits.max_import_kw
    upper[_EXPORT] = limits.pv_kw + limits.max_discharge_kw
    upper[_CURTAIL] = limits.pv_kw
    upper[_STORED] = limits.ceiling_kwh
    return cost.ravel(), lower.ravel(), np.minimum(upper.ravel(), _HIGHS_INF)


def _rows(problem: Problem, limits: SlotLimits) -> tuple[Any, ...]:
    """Return the model's rows in row-wise sparse form.

    Balance: import - export - charge + discharge = load - pv (export before
    curtailment). Curtailment: curtail <= export, export - curtail <= export limit.
    Energy: e[t] - e[t-1] - eta_c h c[t] + h / eta_d d[t] = 0 (e[-1] is the initial).
    Taper: c[t] + slope e[t-1] <= max_charge + slope knee.
    """
    size = problem.horizon
    hours = limits.hours
    slots = np.arange(size)

    def col(block: int) -> Any:
        return block * size + slots

    index: list[Any] = []
    value: list[Any] = []
    lengths: list[Any] = []
    lower: list[Any] = []
    upper: list[Any] = []

    def add(columns: list[Any], coefficients: list[float], low: Any, high: Any) -> None:
        index.append(np.stack(columns, 1).ravel())
        value.append(np.tile(coefficients, len(columns[0])))
        lengths.append(np.full(len(columns[0]), len(columns)))
        lower.append(np.broadcast_to(low, len(columns[0])))
        upper.append(np.broadcast_to(high, len(columns[0])))

    net = limits.load_kw - limits.pv_kw
    add(
        [col(_IMPORT), col(_EXPORT), col(_CHARGE), col(_DISCHARGE)],
        [1, -1, -1, 1],
        net,
        net,
    )
    add([col(_CURTAIL), col(_EXPORT)], [1, -1], -_HIGHS_INF, 0.0)
    add(
        [col(_EXPORT), col(_CURTAIL)],
        [1, -1],
        -_HIGHS_INF,
        np.minimum(limits.max_export_kw + _SLACK_KW, _HIGHS_INF),
    )
    energy = [-limits.charge_efficiency * hours, hours / limits.discharge_efficiency]
    add(
        [col(_STORED)[:1], col(_CHARGE)[:1], col(_DISCHARGE)[:1]],
        [1.0, *energy],
        limits.initial_kwh,
        limits.initial_kwh,
    )
    if size > 1:
        add(
            [
                col(_STORED)[1:],
                col(_STORED)[:-1],
                col(_CHARGE)[1:],
                col(_DISCHARGE)[1:],
            ],
            [1.0, -1.0, *energy],
            0.0,
            0.0,
        )
    if limits.taper_slope_kw_per_kwh > 0.0 and size > 1:
        slope = limits.taper_slope_kw_per_kwh
        add(
            [col(_CHARGE)[1:], col(_STORED)[:-1]],
            [1.0, slope],
            -_HIGHS_INF,
            limits.max_charge_kw + slope * limits.taper_knee_kwh,
        )
    counts = np.concatenate(lengths)
    return (
        np.concatenate(lower).astype(float),
        np.concatenate(upper).astype(float),
        np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32),
        np.concatenate(index).astype(np.int32),
        np.concatenate(value).astype(float),
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
    import highspy  # noqa: PLC0415  (loaded with the first plan, not at import)

    size = problem.horizon
    cost, col_lower, col_upper = _columns(problem, limits)
    row_lower, row_upper, starts, index, value = _rows(problem, limits)
    highs = quiet_highs(highspy)
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
    imp_cap, exp_cap = _big_m(limits)
    pending: list[tuple[int, int, float, float]] = [
        (_IMPORT * size + t, _EXPORT * size + t, imp_cap[t], exp_cap[t])
        for t in _exclusive_grid_slots(limits)
    ]
    deadline = time.perf_counter() + time_limit
    binaries = 0
    bound: set[int] = set()  # slots whose charge/discharge binary exists
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
        if status == highspy.HighsModelStatus.kInfeasible:
            # MIP presolve can misjudge near-degenerate data (values near tolerances):
            # the model always has a solution (an idle battery), so solve without it.
            highs.setOptionValue("presolve", "off")
            highs.run()
            status = highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolverFailed(highs.modelStatusToString(status).lower())
        values = np.asarray(highs.getSolution().col_value)[: 6 * size]
        blocks = values.reshape(6, size)
        charge, discharge = blocks[_CHARGE], blocks[_DISCHARGE]
        # A slot that has its binary already shows at most the solver's integrality
        # tolerance times the power cap: that is noise, and the net power is exact.
        both: list[int] = [
            int(t)
            for t in np.flatnonzero(np.minimum(charge, discharge) > _SIMULTANEOUS_KW)
            if int(t) not in bound
        ]
        bound.update(both)
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
    """Solve the same model with CBC through PuLP, with a binary in every slot upfront."""
    import pulp  # noqa: PLC0415  (a test and benchmark dependency only)

    size = problem.horizon
    cost, col_lower, col_upper = _columns(problem, limits)
    model = pulp.LpProblem("ems", pulp.LpMinimize)
    columns = [
        model.add_variable(
            f"x{number}",
            lowBound=float(low),
            upBound=None if high >= _HIGHS_INF else float(high),
        )
        for number, (low, high) in enumerate(zip(col_lower, col_upper, strict=True))
    ]
    model += pulp.lpSum(
        float(weight) * column
        for weight, column in zip(cost, columns, strict=True)
        if weight
    )
    row_lower, row_upper, starts, index, value = _rows(problem, limits)
    ends = [*starts[1:].tolist(), len(index)]
    for low, high, start, end in zip(row_lower, row_upper, starts, ends, strict=True):
        expression = pulp.lpSum(
            float(value[k]) * columns[int(index[k])] for k in range(start, end)
        )
        if low == high:
            model += expression == float(low)
        else:
            if low > -_HIGHS_INF:
                model += expression >= float(low)
            if high < _HIGHS_INF:
                model += expression <= float(high)
    imp_cap, exp_cap = _big_m(limits)
    exclusive = set(_exclusive_grid_slots(limits))
    for t in range(size):
        charging = model.add_variable(f"charging_{t}", cat="Binary")
        model += columns[_CHARGE * size + t] <= limits.max_charge_kw * charging
        model += columns[_DISCHARGE * size + t] <= limits.max_discharge_kw * (
            1 - charging
        )
        if t in exclusive:
            importing = model.add_variable(f"importing_{t}", cat="Binary")
            model += columns[_IMPORT * size + t] <= float(imp_cap[t]) * importing
            model += columns[_EXPORT * size + t] <= float(exp_cap[t]) * (1 - importing)
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
    values = np.array([column.value() or 0.0 for column in columns])
    blocks = values.reshape(6, size)
    return MilpResult(
        battery_kw=blocks[_CHARGE] - blocks[_DISCHARGE], solver="cbc", binaries=size
    )
