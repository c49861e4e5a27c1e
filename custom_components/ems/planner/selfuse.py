"""Plain self-use: store surplus PV, cover the deficit, charge only to keep floors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .limits import FloatArray, SlotLimits

if TYPE_CHECKING:
    from .model import Problem


def _needed(limits: SlotLimits) -> FloatArray:
    """Least energy at each slot end from which every later floor is still reachable."""
    step = limits.max_charge_kw * limits.charge_efficiency * limits.hours
    needed = limits.floor_kwh.copy()
    for slot in range(len(needed) - 2, -1, -1):
        later = needed[slot + 1]
        needed[slot] = max(
            needed[slot],
            later - float(limits.charge_cap_kw(later)) * step / limits.max_charge_kw
            if limits.max_charge_kw > 0.0
            else later,
        )
    return needed


def self_use(problem: Problem, limits: SlotLimits) -> FloatArray:
    """Return battery kW per slot (+ charge) for self-use that respects the limits."""
    hours = limits.hours
    eta_c, eta_d = limits.charge_efficiency, limits.discharge_efficiency
    needed = _needed(limits)
    stored = limits.initial_kwh
    battery = np.zeros(problem.horizon)
    for slot in range(problem.horizon):
        surplus = float(limits.pv_kw[slot] - limits.load_kw[slot])
        charge_cap = min(
            float(limits.charge_cap_kw(stored)),
            max(limits.ceiling_kwh[slot] - stored, 0.0) / (eta_c * hours),
        )
        headroom = limits.max_import_kw[slot] + surplus
        shortfall = max(needed[slot] - stored, 0.0) / (eta_c * hours)
        if shortfall > 0.0:
            power = min(max(shortfall, surplus), charge_cap, max(headroom, 0.0))
        elif surplus >= 0.0:
            power = min(surplus, charge_cap)
        else:
            spare = max(stored - needed[slot], 0.0) * eta_d / hours
            power = -min(-surplus, limits.max_discharge_kw, spare)
        battery[slot] = power
        stored += power * eta_c * hours if power >= 0.0 else power / eta_d * hours
    return battery
