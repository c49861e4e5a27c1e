"""A strategy's measure in the MILP (`strategy.py`): columns, rows and its terms.

For self-consumption and peak shaving `solve_highs` minimises the measure first (the
loads' missed-energy penalty kept, all other costs set aside), bounds it at that
optimum and then minimises the cost: the least cost among the plans with the best
measure. Smoothing's measure is a penalty in the one objective instead (a first stage
without costs took HiGHS over 10 s at 48 h x 15 min): see `variation_price`. Per block
(forecast or scenario), each weighed by the block's weight (h: slot hours):

- self_consumption: g_t >= charge_t - the PV surplus, x_t >= discharge_t - the
  house's deficit, measure h sum (g_t + x_t): kWh charged from the grid or exported
  from the battery.
- peak_shaving: p >= import_t for every slot, measure p (kW).
- smoothing: v_t >= |grid_t - grid_t-1| with grid_t = import_t - export_t (before
  curtailment), penalty sum v_t (kW) at `variation_price`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .milp_loads import HIGHS_INF, LoadColumns, kwh_worth
from .strategy import Strategy

if TYPE_CHECKING:
    from .limits import FloatArray, SlotLimits
    from .model import Problem

_ABSOLUTE_SLACK = 1e-6
_RELATIVE_SLACK = 1e-7


@dataclass(frozen=True, kw_only=True, slots=True)
class BlockColumns:
    """Where one block's battery and grid columns sit (per slot) and its weight."""

    weight: float
    limits: SlotLimits
    charge: range
    discharge: range
    imports: range
    exports: range


type Terms = list[tuple[int, float]]


def add_strategy(
    problem: Problem, blocks: Sequence[BlockColumns], model: LoadColumns
) -> Terms:
    """Add the strategy's columns and rows to `model`; return its measure's terms."""
    terms: Terms = []
    strategy = problem.strategy
    for block in blocks:
        if strategy is Strategy.SELF_CONSUMPTION:
            caps = (
                (block.charge, block.limits.strategy_charge_kw),
                (block.discharge, block.limits.strategy_discharge_kw),
            )
            for columns, cap in caps:
                for column, kw in zip(columns, map(float, cap), strict=True):
                    beyond = model.column(0.0, HIGHS_INF)
                    model.row([(column, 1.0), (beyond, -1.0)], -HIGHS_INF, kw)
                    terms.append((beyond, block.weight * block.limits.hours))
        elif strategy is Strategy.PEAK_SHAVING:
            peak = model.column(0.0, HIGHS_INF)
            for column in block.imports:
                model.row([(column, 1.0), (peak, -1.0)], -HIGHS_INF, 0.0)
            terms.append((peak, block.weight))
        elif strategy is Strategy.SMOOTHING:
            price = block.weight * variation_price(problem)
            grid = list(zip(block.imports, block.exports, strict=True))
            for (now_in, now_out), (then_in, then_out) in zip(
                grid[1:], grid[:-1], strict=True
            ):
                change = model.column(price, HIGHS_INF)
                model.penalised.append(change)
                for sign in (1.0, -1.0):
                    step = [(now_in, sign), (now_out, -sign)]
                    step += [(then_in, -sign), (then_out, sign)]
                    model.row([*step, (change, -1.0)], -HIGHS_INF, 0.0)
    return terms


def variation_price(problem: Problem) -> float:
    """Return smoothing's price per kW of grid variation.

    Twice what a kW of grid power kept up over the whole horizon could earn at most:
    in practice the least variation comes first and the cost breaks ties, though a
    weight (unlike the two stages of the other strategies) does not prove that order.
    """
    return 2.0 * kwh_worth(problem) * problem.horizon * problem.slot_hours


def measure_costs(cost: FloatArray, terms: Terms, keep: Sequence[int]) -> FloatArray:
    """Return the first stage's costs: the measure, and the columns in `keep` as they are."""
    first = np.zeros_like(cost)
    first[list(keep)] = cost[list(keep)]
    for column, weight in terms:
        first[column] += weight
    return first


def measure_bound(terms: Terms, solution: FloatArray) -> tuple[Terms, float]:
    """Return the row that keeps the measure at the optimum found (within tolerance)."""
    best = sum(weight * float(solution[column]) for column, weight in terms)
    return terms, best + _ABSOLUTE_SLACK + _RELATIVE_SLACK * abs(best)
