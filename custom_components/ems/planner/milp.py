"""Exact schedule as a MILP: HiGHS through highspy in matrix form.

CBC through PuLP solves the same model for cross-checks in tests and benchmarks
(`cbc.py`); PuLP is not a requirement of the integration.

Per slot: charge c and discharge d (AC kW), grid import and export, PV curtailment and
stored energy e at the slot end. The no-simultaneous-charge-and-discharge binaries are
added lazily: the LP is solved first and a binary is added only for slots where the
solution charges and discharges at once; this repeats until no slot does. The final
solution is feasible for the full MILP and optimal for a relaxation of it, so it is
optimal for the full MILP.

Controllable loads and the demand charge add their own columns and rows
(`milp_loads.py`); without them the model is the battery's alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from .limits import FloatArray, SlotLimits
from .milp_lazy import (
    CHARGE,
    CURTAIL,
    DISCHARGE,
    EXPORT,
    IMPORT,
    STORED,
    LazyBinaries,
    SolverFailed,
)
from .milp_loads import HIGHS_INF, Block, LoadColumns, add_loads, apply, most_load_kw
from .milp_strategy import BlockColumns, add_strategy, measure_bound, measure_costs
from .quiet import quiet_highs
from .strategy import Strategy

if TYPE_CHECKING:
    from .model import Problem

__all__ = ["SolverFailed"]  # where the tests find it
_MIP_GAP = 1e-7
_SLACK_KW = 1e-6  # keeps near-degenerate export limits clear of solver tolerances


@dataclass(frozen=True, kw_only=True, slots=True)
class MilpResult:
    """Battery kW per slot (+ charge) and which solver produced it."""

    battery_kw: FloatArray
    solver: str
    binaries: int
    objective: float | None = None  # what the solver minimised (scenarios weighed)
    loads_kw: FloatArray | None = None  # kW per controllable load and slot


def big_m(
    limits: SlotLimits, load_kw: FloatArray | float = 0.0
) -> tuple[FloatArray, FloatArray]:
    """Finite bounds on import and export, for slots that need an import/export binary.

    `load_kw`: the most the controllable loads can add to the house's load.
    """
    imp = np.minimum(
        limits.max_import_kw, limits.load_kw + load_kw + limits.max_charge_kw
    )
    exp = limits.pv_kw + limits.max_discharge_kw
    return imp, exp


def exclusive_grid_slots(limits: SlotLimits) -> list[int]:
    """Slots where importing and exporting at once would pay: they get a binary upfront.

    Export above the import price, or a negative import price (curtailing PV to import
    more is not in the model: curtailment only ever reduces export).
    """
    exclusive = (limits.export_price > limits.import_price) | (
        limits.import_price < 0.0
    )
    return [int(slot) for slot in np.flatnonzero(exclusive)]


def columns(problem: Problem, limits: SlotLimits) -> tuple[FloatArray, ...]:
    """Return cost, lower and upper bounds of the 6N continuous columns."""
    size = problem.horizon
    hours = limits.hours
    cost = np.zeros((6, size))
    cost[IMPORT] = hours * limits.import_price
    cost[EXPORT] = -hours * limits.export_price
    cost[CURTAIL] = hours * limits.export_price  # curtailed export earns nothing
    cost[DISCHARGE] = hours * problem.battery.cycle_cost_per_kwh
    cost[STORED, -1] = -problem.terminal_value_per_kwh
    lower = np.zeros((6, size))
    lower[STORED] = limits.floor_kwh
    upper = np.empty((6, size))
    upper[CHARGE] = limits.max_charge_kw
    upper[CHARGE, 0] = float(limits.charge_cap_kw(limits.initial_kwh))
    upper[DISCHARGE] = limits.max_discharge_kw
    upper[IMPORT] = limits.max_import_kw
    upper[EXPORT] = limits.pv_kw + limits.max_discharge_kw
    upper[CURTAIL] = limits.pv_kw
    upper[STORED] = limits.ceiling_kwh
    return cost.ravel(), lower.ravel(), np.minimum(upper.ravel(), HIGHS_INF)


def rows(problem: Problem, limits: SlotLimits) -> tuple[Any, ...]:
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
        [col(IMPORT), col(EXPORT), col(CHARGE), col(DISCHARGE)],
        [1, -1, -1, 1],
        net,
        net,
    )
    add([col(CURTAIL), col(EXPORT)], [1, -1], -HIGHS_INF, 0.0)
    add(
        [col(EXPORT), col(CURTAIL)],
        [1, -1],
        -HIGHS_INF,
        np.minimum(limits.max_export_kw + _SLACK_KW, HIGHS_INF),
    )
    energy = [-limits.charge_efficiency * hours, hours / limits.discharge_efficiency]
    add(
        [col(STORED)[:1], col(CHARGE)[:1], col(DISCHARGE)[:1]],
        [1.0, *energy],
        limits.initial_kwh,
        limits.initial_kwh,
    )
    if size > 1:
        add(
            [
                col(STORED)[1:],
                col(STORED)[:-1],
                col(CHARGE)[1:],
                col(DISCHARGE)[1:],
            ],
            [1.0, -1.0, *energy],
            0.0,
            0.0,
        )
    if limits.taper_slope_kw_per_kwh > 0.0 and size > 1:
        slope = limits.taper_slope_kw_per_kwh
        add(
            [col(CHARGE)[1:], col(STORED)[:-1]],
            [1.0, slope],
            -HIGHS_INF,
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


def _stacked(
    problem: Problem, blocks: Sequence[tuple[float, SlotLimits]]
) -> tuple[tuple[Any, ...], list[int]]:
    """One model per block (weighted), the first slot's charge and discharge shared.

    Returns the model's arrays and each block's first row (its balance rows).
    """
    width = 6 * problem.horizon
    costs, lowers, uppers = [], [], []
    row_lower, row_upper, starts, index, value = [], [], [], [], []
    entries = row_count = 0
    first_rows = []
    for number, (weight, limits) in enumerate(blocks):
        first_rows.append(row_count)
        cost, low, high = columns(problem, limits)
        costs.append(weight * cost)
        lowers.append(low)
        uppers.append(high)
        block = rows(problem, limits)
        row_lower.append(block[0])
        row_upper.append(block[1])
        row_count += len(block[1])
        starts.append(block[2] + entries)
        index.append(block[3] + number * width)
        value.append(block[4])
        entries += len(block[3])
    links = [
        (block * width + column, column)
        for block in range(1, len(blocks))
        for column in (CHARGE * problem.horizon, DISCHARGE * problem.horizon)
    ]
    if links:
        row_lower.append(np.zeros(len(links)))
        row_upper.append(np.zeros(len(links)))
        starts.append(entries + 2 * np.arange(len(links)))
        index.append(np.array(links).ravel())
        value.append(np.tile([1.0, -1.0], len(links)))
    return (
        np.concatenate(costs),
        np.concatenate(lowers),
        np.concatenate(uppers),
        np.concatenate(row_lower).astype(float),
        np.concatenate(row_upper).astype(float),
        np.concatenate(starts).astype(np.int32),
        np.concatenate(index).astype(np.int32),
        np.concatenate(value).astype(float),
    ), first_rows


def _first_within(limits: SlotLimits, battery_kw: float) -> float:
    """Clip a first slot's battery power to what the battery, SoC and grid allow."""
    hours, stored = limits.hours, limits.initial_kwh
    net = limits.load_kw[0] - limits.pv_kw[0]
    can_charge = min(
        float(limits.charge_cap_kw(stored)),
        max(limits.ceiling_kwh[0] - stored, 0.0) / (limits.charge_efficiency * hours),
        max(limits.max_import_kw[0] - net, 0.0),
    )
    can_discharge = min(
        limits.max_discharge_kw,
        max(stored - limits.floor_kwh[0], 0.0) * limits.discharge_efficiency / hours,
        max(limits.max_export_kw[0] + limits.load_kw[0], 0.0),
    )
    return float(min(max(battery_kw, -can_discharge), can_charge))


def solve_highs(
    problem: Problem,
    limits: SlotLimits,
    *,
    time_limit: float,
    scenarios: Sequence[tuple[float, SlotLimits]] = (),
    first_kw: float | None = None,
) -> MilpResult:
    """Solve with HiGHS (highspy), adding binaries only where they bind.

    `scenarios` (weight, limits with other PV and load) turn the model into a two-stage
    one: the first slot's charge and discharge are one decision for all; every later
    slot is planned per scenario; the objective weighs the scenarios (the problem's
    own forecast has weight 1 - their sum). The schedule returned is the forecast's.
    `first_kw` fixes the first slot's battery power (within what the battery can do).
    """
    import highspy  # noqa: PLC0415  (loaded with the first plan, not at import)

    size = problem.horizon
    blocks = [(1.0 - sum(weight for weight, _ in scenarios), limits), *scenarios]
    (cost, col_lower, col_upper, *rows), first_rows = _stacked(problem, blocks)
    if first_kw is not None:
        fixed = _first_within(limits, first_kw)
        col_lower[CHARGE * size] = col_upper[CHARGE * size] = max(fixed, 0.0)
        col_lower[DISCHARGE * size] = col_upper[DISCHARGE * size] = max(-fixed, 0.0)
    highs = quiet_highs(highspy)
    # HiGHS stops a MIP within 0.01 % of the optimum by default: not exact enough to
    # be the benchmark's reference (DP found 1e-4 better on a 1 kWh battery).
    highs.setOptionValue("mip_rel_gap", _MIP_GAP)
    columns = len(cost)
    highs.passModel(
        columns,
        len(rows[0]),
        len(rows[3]),
        2,  # row-wise
        1,  # minimise
        0.0,
        cost,
        col_lower,
        col_upper,
        *rows,
        np.zeros(columns, dtype=np.int32),
    )
    loads: LoadColumns | None = None
    terms: list[tuple[int, float]] = []
    strategic = problem.strategy is not Strategy.COST
    if problem.loads or problem.demand_charge is not None or strategic:
        first_imports = range(IMPORT * size, 6 * size * len(blocks), 6 * size)
        loads = add_loads(
            problem,
            [
                Block(weight=weight, first_row=row, import_columns=range(at, at + size))
                for (weight, _), row, at in zip(
                    blocks, first_rows, first_imports, strict=True
                )
            ],
            columns,
        )
        terms = add_strategy(problem, _block_columns(blocks, size), loads)
        apply(highs, loads)
        full_cost = np.concatenate([cost, loads.cost])
        columns += len(loads.cost)
    pending: list[tuple[int, int, float, float]] = []
    for number, (_, block) in enumerate(blocks):
        imp_cap, exp_cap = big_m(block, most_load_kw(problem) if loads else 0.0)
        base = 6 * size * number
        pending += [
            (
                base + IMPORT * size + t,
                base + EXPORT * size + t,
                imp_cap[t],
                exp_cap[t],
            )
            for t in exclusive_grid_slots(block)
        ]
    lazy = LazyBinaries(
        highspy=highspy,
        highs=highs,
        columns=columns,
        size=size,
        blocks=len(blocks),
        max_charge_kw=limits.max_charge_kw,
        max_discharge_kw=limits.max_discharge_kw,
        deadline=time.perf_counter() + time_limit,
    )
    if problem.strategy is Strategy.SMOOTHING:
        # A smooth grid is worth wasting energy for, so charge and discharge overlap
        # somewhere new after every solve: a binary in every slot at once is faster.
        pending += lazy.every_battery_pair()
    if terms and loads is not None:
        everything = np.arange(len(full_cost), dtype=np.int32)
        first = measure_costs(full_cost, terms, keep=loads.missed)
        highs.changeColsCost(len(everything), everything, first)
        solution = lazy.solve(pending)
        lazy.bound_row(*measure_bound(terms, solution))
        highs.changeColsCost(len(everything), everything, full_cost)
        pending = []
    solution = lazy.solve(pending)
    charge, discharge = lazy.battery(solution)
    objective = float(highs.getInfo().objective_function_value)
    return MilpResult(
        battery_kw=charge[0] - discharge[0],
        solver="highs",
        binaries=lazy.binaries,
        objective=objective - (loads.penalty(solution) if loads else 0.0),
        loads_kw=loads.schedule(solution, size) if loads else None,
    )


def _block_columns(
    blocks: Sequence[tuple[float, SlotLimits]], size: int
) -> list[BlockColumns]:
    """Return where each block's battery and grid columns sit."""

    def slots(number: int, kind: int) -> range:
        first = 6 * size * number + kind * size
        return range(first, first + size)

    return [
        BlockColumns(
            weight=weight,
            limits=limits,
            charge=slots(number, CHARGE),
            discharge=slots(number, DISCHARGE),
            imports=slots(number, IMPORT),
            exports=slots(number, EXPORT),
        )
        for number, (weight, limits) in enumerate(blocks)
    ]
