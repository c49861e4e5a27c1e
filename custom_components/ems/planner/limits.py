"""Per-slot limits both solvers share: SoC bounds, grid caps and the charge taper."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .model import grid_caps, reach_kwh, taper_line, target_slot
from .strategy import battery_caps

if TYPE_CHECKING:
    from .model import Problem

type FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, kw_only=True, slots=True)
class SlotLimits:
    """Everything a solver needs, as arrays over slots (energies in kWh).

        `floor_kwh`/`ceiling_kwh` bound the SoC at each slot END. A floor the battery cannot
        reach in time from its initial state (e.g. it starts below min SoC) is lowered to what
        it can reach. `max_import_kw` never forbids the house's own net load (a fuse smaller
        than the load forecast limits only the battery). Missing limits are +inf.
    `strategy_charge_kw`/`strategy_discharge_kw`: the strategy's battery caps (DP keeps
    them; the MILP minimises going beyond them first, see `strategy.battery_caps`).
    """

    hours: float
    import_price: FloatArray
    export_price: FloatArray
    pv_kw: FloatArray
    load_kw: FloatArray
    initial_kwh: float
    floor_kwh: FloatArray
    ceiling_kwh: FloatArray
    max_import_kw: FloatArray
    max_export_kw: FloatArray
    max_charge_kw: float
    max_discharge_kw: float
    charge_efficiency: float
    discharge_efficiency: float
    taper_knee_kwh: float
    taper_slope_kw_per_kwh: float
    strategy_charge_kw: FloatArray
    strategy_discharge_kw: FloatArray

    def charge_cap_kw(self, stored_kwh: FloatArray | float) -> FloatArray:
        """Return the charge power allowed when a slot starts with `stored_kwh`."""
        if self.taper_slope_kw_per_kwh == 0.0:
            return np.full(np.shape(stored_kwh), self.max_charge_kw)
        over = np.maximum(
            np.asarray(stored_kwh, dtype=float) - self.taper_knee_kwh, 0.0
        )
        return np.clip(
            self.max_charge_kw - self.taper_slope_kw_per_kwh * over,
            0.0,
            self.max_charge_kw,
        )


def _slot_ends_within(problem: Problem) -> npt.NDArray[np.bool_]:
    reserve = problem.reserve
    ends = problem.slot_minutes * 60.0 * np.arange(1, problem.horizon + 1)
    if reserve is None:
        return np.zeros(problem.horizon, dtype=bool)
    lower = reserve.start.timestamp() - problem.start.timestamp()
    upper = reserve.end.timestamp() - problem.start.timestamp()
    return (ends >= lower) & (ends <= upper)


def derive(problem: Problem) -> SlotLimits:
    """Compute the per-slot limits of a validated problem."""
    battery = problem.battery
    size = problem.horizon
    initial = battery.kwh(battery.soc_percent)
    import_cap, export_cap = grid_caps(problem)
    floor = np.full(size, battery.kwh(battery.min_soc_percent))
    if problem.reserve is not None:
        within = _slot_ends_within(problem)
        floor[within] = np.maximum(
            floor[within], battery.kwh(problem.reserve.min_soc_percent)
        )
    if (slot := target_slot(problem)) is not None and problem.target is not None:
        floor[slot] = max(floor[slot], battery.kwh(problem.target.soc_percent))
    floor = np.minimum(floor, reach_kwh(problem, import_cap))
    ceiling = np.full(size, battery.kwh(battery.max_soc_percent))
    if initial > ceiling[0]:
        drained = initial - battery.max_discharge_kw * problem.slot_hours / (
            battery.discharge_efficiency
        ) * np.arange(1, size + 1)
        ceiling = np.maximum(ceiling, drained)
    knee, slope = taper_line(problem)
    pv = np.asarray(problem.pv_kw, dtype=float)
    load = np.asarray(problem.load_kw, dtype=float)
    strategy_charge, strategy_discharge = battery_caps(problem.strategy, pv, load)
    return SlotLimits(
        hours=problem.slot_hours,
        import_price=np.asarray(problem.import_price, dtype=float),
        export_price=np.asarray(problem.export_price, dtype=float),
        pv_kw=pv,
        load_kw=load,
        initial_kwh=initial,
        floor_kwh=floor,
        ceiling_kwh=ceiling,
        max_import_kw=import_cap,
        max_export_kw=export_cap,
        max_charge_kw=battery.max_charge_kw,
        max_discharge_kw=battery.max_discharge_kw,
        charge_efficiency=battery.charge_efficiency,
        discharge_efficiency=battery.discharge_efficiency,
        taper_knee_kwh=knee,
        taper_slope_kw_per_kwh=slope,
        strategy_charge_kw=strategy_charge,
        strategy_discharge_kw=strategy_discharge,
    )
