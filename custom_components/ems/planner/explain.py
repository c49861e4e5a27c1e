"""Inverter modes and short human reasons, from the plan's prices and energy flows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .limits import FloatArray, SlotLimits
from .model import InverterMode

if TYPE_CHECKING:
    from .model import Problem

_KW = 1e-3
_KWH = 1e-3

type Use = tuple[float, int] | None  # (value per kWh, slot) where stored energy goes


def _clock(problem: Problem, slot: int) -> str:
    return problem.slot_start(slot).astimezone(problem.start.tzinfo).strftime("%H:%M")


def _discharge_value(problem: Problem, slot: int, battery_kw: float) -> float:
    """Per-kWh value of discharging: avoided import, or export revenue when exporting."""
    deficit = problem.load_kw[slot] - problem.pv_kw[slot]
    if -battery_kw <= max(deficit, 0.0) + _KW:
        return problem.import_price[slot]
    return problem.export_price[slot]


def _next_uses(problem: Problem, battery: FloatArray) -> list[Use]:
    """For each slot, the best-valued discharge of the next discharge run after it."""
    uses: list[Use] = [None] * problem.horizon
    pending: Use = None  # best discharge since the next charge (scanning backwards)
    after_charge: Use = None  # what the next charging slot's energy is used for
    for slot in range(problem.horizon - 1, -1, -1):
        uses[slot] = pending if pending is not None else after_charge
        power = float(battery[slot])
        if power > _KW:
            after_charge = uses[slot]
            pending = None
        elif power < -_KW:
            value = _discharge_value(problem, slot, power)
            if pending is None or value >= pending[0]:
                pending = (value, slot)
    return uses


def _mode(
    problem: Problem, limits: SlotLimits, slot: int, power: float, stored: float
) -> InverterMode:
    surplus = problem.pv_kw[slot] - problem.load_kw[slot]
    if power > _KW and power > max(surplus, 0.0) + _KW:
        return InverterMode.FORCE_CHARGE
    if power < -_KW and -power > max(-surplus, 0.0) + _KW:
        return InverterMode.FORCE_DISCHARGE
    negative_export = problem.zero_export and problem.export_price[slot] < 0.0
    if abs(power) <= _KW:
        would_charge = surplus > _KW and stored < limits.ceiling_kwh[slot] - _KWH
        would_discharge = surplus < -_KW and stored > limits.floor_kwh[slot] + _KWH
        if would_charge or would_discharge:
            return InverterMode.HOLD
    return InverterMode.ZERO_EXPORT if negative_export else InverterMode.SELF_USE


def explain(
    problem: Problem, limits: SlotLimits, battery: FloatArray, stored: FloatArray
) -> list[tuple[InverterMode, str]]:
    """Return (mode, reason) per slot."""
    efficiency = limits.charge_efficiency * limits.discharge_efficiency
    wear = problem.battery.cycle_cost_per_kwh
    terminal = problem.terminal_value_per_kwh
    uses = _next_uses(problem, battery)
    basis: tuple[float, int] | None = None  # what the stored energy last cost
    result: list[tuple[InverterMode, str]] = []
    for slot in range(problem.horizon):
        power = float(battery[slot])
        mode = _mode(problem, limits, slot, power, float(stored[slot]))
        use = uses[slot]
        later = (
            f"{use[0]:.2f} expected at {_clock(problem, use[1])}"
            if use is not None
            else f"{terminal:.2f} kept past the horizon"
        )
        later_value = use[0] if use is not None else terminal
        import_price = problem.import_price[slot]
        export_price = problem.export_price[slot]
        if mode is InverterMode.FORCE_CHARGE:
            margin = (later_value - wear) * efficiency - import_price
            text = (
                f"charge from grid at {import_price:.2f}: {later}, "
                f"after losses and wear the margin is {margin:.2f}"
            )
        elif mode is InverterMode.FORCE_DISCHARGE:
            text = f"sell stored energy at {export_price:.2f}" + (
                f" (charged at {basis[0]:.2f} at {_clock(problem, basis[1])})"
                if basis is not None
                else ""
            )
        elif mode is InverterMode.HOLD:
            text = f"hold the battery: {later}"
        elif power > _KW:
            text = (
                f"store surplus PV instead of exporting at {export_price:.2f}: {later}"
            )
        elif power < -_KW:
            text = f"cover the load from the battery instead of importing at {import_price:.2f}"
        elif mode is InverterMode.ZERO_EXPORT:
            text = f"export price {export_price:.2f} is negative: no export, curtail PV"
        elif problem.pv_kw[slot] < problem.load_kw[slot] - _KW:
            text = f"battery at its floor: import at {import_price:.2f}"
        elif problem.pv_kw[slot] > problem.load_kw[slot] + _KW:
            text = f"battery full: export surplus PV at {export_price:.2f}"
        else:
            text = "self-use: nothing to gain from moving the battery"
        if mode is InverterMode.ZERO_EXPORT and power > _KW:
            text += "; no export at a negative price"
        if power > _KW:
            from_grid = mode is InverterMode.FORCE_CHARGE
            basis = (import_price if from_grid else export_price, slot)
        result.append((mode, text))
    return result
