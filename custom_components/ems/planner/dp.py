"""Dynamic programming over a uniform grid of stored energy (numpy, no solver).

The grid spans the reachable SoC range in `soc_step_percent` steps. The first slot
moves from the exact initial energy to any grid level; every later slot moves by a whole
number of steps, bounded by the power limits. A slot's cost depends only on the slot and
the energy moved, so all transition costs are one (slots x moves) array; the backward
pass is a sliding-window minimum. Deterministic: ties go to the smallest move.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .limits import FloatArray, SlotLimits

if TYPE_CHECKING:
    from .model import Problem

DEFAULT_SOC_STEP_PERCENT = 0.25
_TOLERANCE = 1e-9


class DpFailed(RuntimeError):
    """No schedule on the grid satisfies the limits."""


def _transition_costs(
    problem: Problem, limits: SlotLimits, moved_kwh: FloatArray, slots: slice
) -> FloatArray:
    """Cost of moving `moved_kwh` into storage (rows: slots, columns: moves); inf if not allowed."""
    hours = limits.hours
    charge = np.maximum(moved_kwh, 0.0) / (limits.charge_efficiency * hours)
    discharge = np.maximum(-moved_kwh, 0.0) * limits.discharge_efficiency / hours
    load = np.asarray(problem.load_kw)[slots, None]
    pv = np.asarray(problem.pv_kw)[slots, None]
    import_price = np.asarray(problem.import_price)[slots, None]
    export_price = np.asarray(problem.export_price)[slots, None]
    export_cap = limits.max_export_kw[slots, None]
    net = load - pv + charge - discharge
    # Export the battery cannot avoid (PV can always be curtailed) and what is wanted.
    forced_export = np.maximum(-(load + charge - discharge), 0.0)
    wanted_export = np.where(
        export_price >= 0.0, np.minimum(np.maximum(-net, 0.0), export_cap), 0.0
    )
    exported = np.maximum(forced_export, wanted_export)
    imported = np.maximum(net, 0.0)
    cost = hours * (
        import_price * imported
        - export_price * exported
        + problem.battery.cycle_cost_per_kwh * discharge
    )
    allowed = (
        (imported <= limits.max_import_kw[slots, None] + _TOLERANCE)
        & (forced_export <= export_cap + _TOLERANCE)
        & (charge <= limits.max_charge_kw + _TOLERANCE)
        & (discharge <= limits.max_discharge_kw + _TOLERANCE)
    )
    return np.where(allowed, cost, np.inf)


def solve_dp(
    problem: Problem,
    limits: SlotLimits,
    *,
    soc_step_percent: float = DEFAULT_SOC_STEP_PERCENT,
) -> FloatArray:
    """Return battery kW per slot (+ charge) of the cheapest schedule on the grid."""
    size = problem.horizon
    hours = limits.hours
    step_target = problem.battery.capacity_kwh * soc_step_percent / 100.0
    lowest = min(float(limits.floor_kwh.min()), limits.initial_kwh)
    highest = max(float(limits.ceiling_kwh.max()), limits.initial_kwh)
    levels_count = max(1, math.ceil((highest - lowest) / step_target - _TOLERANCE))
    step = (highest - lowest) / levels_count if highest > lowest else 1.0
    levels = lowest + step * np.arange(levels_count + 1)
    up = int(limits.max_charge_kw * limits.charge_efficiency * hours / step + 1e-6)
    down = int(
        limits.max_discharge_kw * hours / limits.discharge_efficiency / step + 1e-6
    )
    moves = np.arange(-down, up + 1)
    moved = moves * step

    # Levels allowed at each slot end; floors round up to the grid.
    allowed = (levels[None, :] >= limits.floor_kwh[:, None] - 1e-6 * step) & (
        levels[None, :] <= limits.ceiling_kwh[:, None] + _TOLERANCE
    )
    costs = _transition_costs(problem, limits, np.tile(moved, (size, 1)), slice(None))
    # Charge taper: a move up is allowed only within the cap at the starting level.
    cap_steps = limits.charge_cap_kw(levels) * limits.charge_efficiency * hours / step
    taper_penalty = np.where(moves[None, :] <= cap_steps[:, None] + 1e-6, 0.0, np.inf)

    value = np.where(allowed[-1], -problem.terminal_value_per_kwh * levels, np.inf)
    policy = np.zeros((size, levels_count + 1), dtype=np.int32)
    padded = np.full(levels_count + 1 + down + up, np.inf)
    for slot in range(size - 1, 0, -1):
        padded[down : down + levels_count + 1] = value
        window = sliding_window_view(padded, moves.size)  # row i: levels i-down..i+up
        total = window + costs[slot][None, :] + taper_penalty
        best = np.argmin(total, axis=1)
        policy[slot] = best
        value = np.take_along_axis(total, best[:, None], axis=1)[:, 0]
        value = np.where(allowed[slot - 1], value, np.inf)

    first_moves = levels - limits.initial_kwh
    first_costs = _transition_costs(problem, limits, first_moves[None, :], slice(0, 1))[
        0
    ]
    first_cap = float(limits.charge_cap_kw(limits.initial_kwh))
    first_costs[first_moves / (limits.charge_efficiency * hours) > first_cap + 1e-6] = (
        np.inf
    )
    first_total = first_costs + value
    level = int(np.argmin(first_total))
    if not math.isfinite(first_total[level]):
        raise DpFailed("no schedule on the SoC grid meets the limits")

    stored = np.empty(size + 1)
    stored[0] = limits.initial_kwh
    stored[1] = levels[level]
    for slot in range(1, size):
        level += int(moves[policy[slot, level]])
        stored[slot + 1] = levels[level]
    moved_kwh = np.diff(stored)
    return np.where(
        moved_kwh >= 0.0,
        moved_kwh / (limits.charge_efficiency * hours),
        moved_kwh * limits.discharge_efficiency / hours,
    )
