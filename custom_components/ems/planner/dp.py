"""Dynamic programming over a uniform grid of stored energy (numpy, no solver).

Backward pass: the grid spans the reachable SoC range in `soc_step_percent` steps; every
slot moves by a whole number of steps within the power limits. A slot's cost depends
only on the slot and the energy moved, so all transition costs are one (slots x moves)
array and each step of the pass is a sliding-window minimum.

Forward pass: from the exact (off-grid) energy, each slot picks the cheapest of a few
candidate moves, judged by the slot's cost plus the value function interpolated between
grid levels: the grid policy's move, idle, exactly covering the house (zero grid), full
charge and full discharge, each clipped to the SoC bounds. These are where an exact
optimum sits, so the grid's rounding no longer costs money in every slot.
Deterministic: ties go to the first candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
import numpy.typing as npt

from .limits import FloatArray, SlotLimits

if TYPE_CHECKING:
    from .model import Problem

DEFAULT_SOC_STEP_PERCENT = 0.25
_TOLERANCE = 1e-9
_COVER = -1  # policy entry: cover the house exactly instead of a grid move


class DpFailed(RuntimeError):
    """No schedule on the grid satisfies the limits."""


def _transition_costs(
    limits: SlotLimits, wear: float, moved_kwh: FloatArray, slots: slice
) -> FloatArray:
    """Cost of moving `moved_kwh` into storage (rows: slots, columns: moves); inf if not allowed."""
    hours = limits.hours
    charge = np.maximum(moved_kwh, 0.0) / (limits.charge_efficiency * hours)
    discharge = np.maximum(-moved_kwh, 0.0) * limits.discharge_efficiency / hours
    load = limits.load_kw[slots, None]
    export_price = limits.export_price[slots, None]
    export_cap = limits.max_export_kw[slots, None]
    battery = charge - discharge
    net = load - limits.pv_kw[slots, None] + battery
    # Export the battery cannot avoid (PV can always be curtailed) and what is wanted.
    forced_export = np.maximum(-(load + battery), 0.0)
    wanted_export = np.where(
        export_price >= 0.0, np.minimum(np.maximum(-net, 0.0), export_cap), 0.0
    )
    imported = np.maximum(net, 0.0)
    cost = hours * (
        limits.import_price[slots, None] * imported
        - export_price * np.maximum(forced_export, wanted_export)
        + wear * discharge
    )
    allowed = (
        (imported <= limits.max_import_kw[slots, None] + _TOLERANCE)
        & (forced_export <= export_cap + _TOLERANCE)
        & (charge <= limits.max_charge_kw + _TOLERANCE)
        & (discharge <= limits.max_discharge_kw + _TOLERANCE)
        & (charge <= limits.strategy_charge_kw[slots, None] + _TOLERANCE)
        & (discharge <= limits.strategy_discharge_kw[slots, None] + _TOLERANCE)
    )
    return np.where(allowed, cost, np.inf)


def _cover_kwh(limits: SlotLimits) -> FloatArray:
    """Energy moved per slot when the battery exactly covers the house (zero grid)."""
    surplus = limits.pv_kw - limits.load_kw
    return np.where(
        surplus >= 0.0,
        np.minimum(surplus, limits.max_charge_kw)
        * limits.charge_efficiency
        * limits.hours,
        -np.minimum(-surplus, limits.max_discharge_kw)
        / limits.discharge_efficiency
        * limits.hours,
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class _Grid:
    levels: FloatArray
    step: float
    moves: npt.NDArray[np.int64]
    policy: npt.NDArray[np.int32]  # per slot and level: index into moves, or _COVER
    first_level: int


def _landing_values(value: FloatArray, offset: float, step: float) -> FloatArray:
    """Value after moving every level by `offset` kWh: linear between levels.

    Where one neighbour is not allowed (inf) the other's value is used; the caller
    checks that the landing energy itself is within the bounds.
    """
    count = value.size
    whole = math.floor(offset / step)
    weight = offset / step - whole
    whole = min(max(whole, -count - 1), count + 1)  # beyond the grid all is inf
    padded = np.full(count + 2 * (abs(whole) + 1), np.inf)
    base = abs(whole) + 1
    padded[base : base + count] = value
    low = padded[base + whole : base + whole + count]
    high = padded[base + whole + 1 : base + whole + 1 + count]
    finite = np.isfinite(low) & np.isfinite(high)
    blend = (
        np.where(finite, low, 0.0) * (1.0 - weight)
        + np.where(finite, high, 0.0) * weight
    )
    return np.where(finite, blend, np.minimum(low, high))


def _backward(problem: Problem, limits: SlotLimits, soc_step_percent: float) -> _Grid:
    size = problem.horizon
    hours = limits.hours
    wear = problem.battery.cycle_cost_per_kwh
    step_target = problem.battery.capacity_kwh * soc_step_percent / 100.0
    lowest = min(float(limits.floor_kwh.min()), limits.initial_kwh)
    highest = max(float(limits.ceiling_kwh.max()), limits.initial_kwh)
    count = max(1, math.ceil((highest - lowest) / step_target - _TOLERANCE))
    step = (highest - lowest) / count if highest > lowest else 1.0
    levels = lowest + step * np.arange(count + 1)
    # Whole steps per slot at full power; never more than the grid spans.
    up = min(
        int(limits.max_charge_kw * limits.charge_efficiency * hours / step + 1e-6),
        count,
    )
    down = min(
        int(
            limits.max_discharge_kw * hours / limits.discharge_efficiency / step + 1e-6
        ),
        count,
    )
    moves = np.arange(-down, up + 1)

    # Levels allowed at each slot end; floors round up to the grid.
    allowed = (levels[None, :] >= limits.floor_kwh[:, None] - 1e-6 * step) & (
        levels[None, :] <= limits.ceiling_kwh[:, None] + _TOLERANCE
    )
    costs = _transition_costs(
        limits, wear, np.tile(moves * step, (size, 1)), slice(None)
    )
    # Charge taper: a move up is allowed only within the cap at the starting level.
    cap_kwh = limits.charge_cap_kw(levels) * limits.charge_efficiency * hours
    taper_penalty = np.where(
        moves[None, :] * step <= cap_kwh[:, None] + 1e-6 * step, 0.0, np.inf
    )
    cover = _cover_kwh(limits)
    cover_costs = _transition_costs(limits, wear, cover[:, None], slice(None))[:, 0]

    value = np.where(allowed[-1], -problem.terminal_value_per_kwh * levels, np.inf)
    policy = np.zeros((size, count + 1), dtype=np.int32)
    padded = np.full(count + 1 + down + up, np.inf)
    window = sliding_window_view(padded, moves.size)  # row i: levels i-down..i+up
    for slot in range(size - 1, 0, -1):
        padded[down : down + count + 1] = value
        total = window + costs[slot][None, :] + taper_penalty
        best = np.argmin(total, axis=1)
        on_grid = np.take_along_axis(total, best[:, None], axis=1)[:, 0]
        # Covering the house exactly lands between levels: judged by interpolation.
        landing = levels + cover[slot]
        fits = (
            (landing >= limits.floor_kwh[slot] - _TOLERANCE)
            & (landing <= limits.ceiling_kwh[slot] + _TOLERANCE)
            & (cover[slot] <= cap_kwh + _TOLERANCE)
        )
        covering = np.where(
            fits, cover_costs[slot] + _landing_values(value, cover[slot], step), np.inf
        )
        use_cover = covering < on_grid
        policy[slot] = np.where(use_cover, _COVER, best)
        value = np.where(
            allowed[slot - 1], np.where(use_cover, covering, on_grid), np.inf
        )

    first_moves = levels - limits.initial_kwh
    first_costs = _transition_costs(limits, wear, first_moves[None, :], slice(0, 1))[0]
    first_cap = float(limits.charge_cap_kw(limits.initial_kwh))
    too_fast = first_moves / (limits.charge_efficiency * hours) > first_cap + 1e-6
    first_total = np.where(too_fast, np.inf, first_costs + value)
    first_level = int(np.argmin(first_total))
    if not math.isfinite(first_total[first_level]):
        raise DpFailed("no schedule on the SoC grid meets the limits")
    return _Grid(
        levels=levels, step=step, moves=moves, policy=policy, first_level=first_level
    )


def _kinks_kwh(limits: SlotLimits) -> FloatArray:
    """Per slot, moves where an exact optimum tends to sit (besides idle and full power).

    Covering the house (zero grid), charging up to the fuse, discharging down to the
    export limit; a missing limit gives a move the power limits clip away.
    """
    hours = limits.hours
    surplus = limits.pv_kw - limits.load_kw
    to_fuse = np.minimum(limits.max_import_kw + surplus, limits.max_charge_kw)
    to_export_cap = np.minimum(limits.max_export_kw - surplus, limits.max_discharge_kw)
    return np.stack(
        [
            _cover_kwh(limits),
            np.maximum(to_fuse, 0.0) * limits.charge_efficiency * hours,
            -np.maximum(to_export_cap, 0.0) / limits.discharge_efficiency * hours,
        ],
        axis=1,
    )


def _forward(limits: SlotLimits, grid: _Grid) -> FloatArray:
    """Follow the policy from the exact initial energy, with exact moves where it can.

    Covering the house, idling and full power are done exactly (off the grid); other
    moves aim at the policy's target level, or at an exact kink less than a grid step
    away. Every move is clipped to the power, grid and SoC limits.
    """
    hours = limits.hours
    cover = _cover_kwh(limits)
    kinks: list[list[float]] = _kinks_kwh(limits).tolist()  # type: ignore[assignment]
    full_discharge_kw = np.minimum(
        limits.max_discharge_kw, limits.strategy_discharge_kw
    )
    # What the grid lets the battery move: charging within the import limit (the house
    # never exceeds it on its own), discharging within the export limit plus the load.
    most_in: list[float] = (  # type: ignore[assignment]
        (limits.max_import_kw + limits.pv_kw - limits.load_kw)
        * limits.charge_efficiency
        * hours
    ).tolist()
    most_out: list[float] = (  # type: ignore[assignment]
        (limits.max_export_kw + limits.load_kw) / limits.discharge_efficiency * hours
    ).tolist()
    first, last = float(grid.levels[0]), grid.levels.size - 1
    top, bottom = int(grid.moves[-1]), int(grid.moves[0])
    size = limits.floor_kwh.size
    path = np.empty(size + 1)
    stored = path[0] = limits.initial_kwh
    for slot in range(size):
        full_charge = (
            min(float(limits.charge_cap_kw(stored)), limits.strategy_charge_kw[slot])
            * limits.charge_efficiency
            * hours
        )
        full_discharge = (
            float(full_discharge_kw[slot]) / limits.discharge_efficiency * hours
        )
        exact: float | None = None
        if slot == 0:
            moved = float(grid.levels[grid.first_level]) - stored
        else:
            level = min(max(round((stored - first) / grid.step), 0), last)
            choice = int(grid.policy[slot, level])
            move = 0 if choice == _COVER else int(grid.moves[choice])
            if choice == _COVER:
                exact = float(cover[slot])
            elif move == 0:
                exact = 0.0
            elif move == top:
                exact = full_charge
            elif move == bottom:
                exact = -full_discharge
            moved = float(grid.levels[min(max(level + move, 0), last)]) - stored
        if exact is None:
            near = [k for k in kinks[slot] if abs(k - moved) < grid.step]
            exact = near[0] if near else moved
        moved = min(
            max(exact, -full_discharge, -most_out[slot]), full_charge, most_in[slot]
        )
        moved = min(
            max(moved, float(limits.floor_kwh[slot]) - stored),
            float(limits.ceiling_kwh[slot]) - stored,
        )
        stored += moved
        path[slot + 1] = stored
    return path


def _grid_path(limits: SlotLimits, grid: _Grid) -> FloatArray:
    """Return the pure grid policy's path (the fallback: feasible by construction)."""
    size = limits.floor_kwh.size
    path = np.empty(size + 1)
    path[0] = limits.initial_kwh
    level = grid.first_level
    path[1] = grid.levels[level]
    for slot in range(1, size):
        choice = int(grid.policy[slot, level])
        if choice == _COVER:
            choice = int(np.flatnonzero(grid.moves == 0)[0])
        level += int(grid.moves[choice])
        path[slot + 1] = grid.levels[level]
    return path


def _path_cost(limits: SlotLimits, wear: float, path: FloatArray) -> float:
    moved = np.diff(path)
    return float(np.sum(_transition_costs(limits, wear, moved[:, None], slice(None))))


def solve_dp(
    problem: Problem,
    limits: SlotLimits,
    *,
    soc_step_percent: float = DEFAULT_SOC_STEP_PERCENT,
) -> FloatArray:
    """Return battery kW per slot (+ charge) of the cheapest schedule found."""
    grid = _backward(problem, limits, soc_step_percent)
    wear = problem.battery.cycle_cost_per_kwh
    path = _forward(limits, grid)
    if not math.isfinite(_path_cost(limits, wear, path)):
        path = _grid_path(limits, grid)
    moved_kwh = np.diff(path)
    return np.where(
        moved_kwh >= 0.0,
        moved_kwh / (limits.charge_efficiency * limits.hours),
        moved_kwh * limits.discharge_efficiency / limits.hours,
    )
