"""Inverter modes and short human reasons, from the plan's prices and energy flows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .limits import FloatArray, SlotLimits
from .load_schedule import peak_import_kw
from .loads import DeferrableLoad, Load, ModulatingLoad, measure_windows, window
from .result import InverterMode
from .strategy import Strategy, strategy_name

if TYPE_CHECKING:
    from .model import Problem

_KW = 1e-3
_KWH = 1e-3

type Use = tuple[float, int] | None  # (value per kWh, slot) where stored energy goes


def _clock(problem: Problem, slot: int) -> str:
    return problem.slot_start(slot).astimezone(problem.start.tzinfo).strftime("%H:%M")


def _discharge_value(
    problem: Problem, limits: SlotLimits, slot: int, battery_kw: float
) -> float:
    """Per-kWh value of discharging: avoided import, or export revenue when exporting."""
    deficit = limits.load_kw[slot] - limits.pv_kw[slot]
    if -battery_kw <= max(deficit, 0.0) + _KW:
        return problem.import_price[slot]
    return problem.export_price[slot]


def _next_uses(problem: Problem, limits: SlotLimits, battery: FloatArray) -> list[Use]:
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
            value = _discharge_value(problem, limits, slot, power)
            if pending is None or value >= pending[0]:
                pending = (value, slot)
    return uses


@dataclass(frozen=True, kw_only=True, slots=True)
class SlotMode:
    """The inverter mode of a slot and, in self use, its charge and discharge caps."""

    mode: InverterMode
    max_charge_kw: float | None = None
    max_discharge_kw: float | None = None


def _mode(
    problem: Problem,
    limits: SlotLimits,
    slot: int,
    power: float,
    stored: float,
    *,
    caps: bool,
) -> SlotMode:
    """Return what the inverter is told: what the plan means, also when PV and load differ.

    With `caps` (the inverter has charge and discharge limits) a slot the plan keeps
    the battery from discharging is self use with no discharge (surplus PV that turns
    up is still stored); one that stores only part of the surplus is self use with a
    charge cap; likewise for discharge. Without caps those are hold or plain self use.
    """
    surplus = float(limits.pv_kw[slot] - limits.load_kw[slot])
    if power > _KW and power > max(surplus, 0.0) + _KW:
        return SlotMode(mode=InverterMode.FORCE_CHARGE)
    if power < -_KW and -power > max(-surplus, 0.0) + _KW:
        return SlotMode(mode=InverterMode.FORCE_DISCHARGE)
    negative_export = problem.zero_export and problem.export_price[slot] < 0.0
    base = InverterMode.ZERO_EXPORT if negative_export else InverterMode.SELF_USE
    room = stored < limits.ceiling_kwh[slot] - _KWH
    spare = stored > limits.floor_kwh[slot] + _KWH
    after = stored + (
        power * limits.charge_efficiency * limits.hours
        if power >= 0.0
        else power / limits.discharge_efficiency * limits.hours
    )
    if abs(power) <= _KW:
        would_charge = surplus > _KW and room
        would_discharge = surplus < -_KW and spare
        if not caps:
            held = would_charge or would_discharge
            return SlotMode(mode=InverterMode.HOLD if held else base)
        if would_discharge:
            return SlotMode(mode=base, max_discharge_kw=0.0)
        if would_charge:
            return SlotMode(mode=base, max_charge_kw=0.0)
        return SlotMode(mode=base)
    if not caps:
        return SlotMode(mode=base)
    if (
        power > _KW
        and power < surplus - _KW
        and after < limits.ceiling_kwh[slot] - _KWH
    ):
        return SlotMode(mode=base, max_charge_kw=round(power, 3))
    if (
        power < -_KW
        and -power < -surplus - _KW
        and after > limits.floor_kwh[slot] + _KWH
    ):
        return SlotMode(mode=base, max_discharge_kw=round(-power, 3))
    return SlotMode(mode=base)


def explain(
    problem: Problem,
    limits: SlotLimits,
    battery: FloatArray,
    stored: FloatArray,
    *,
    caps: bool = False,
) -> list[tuple[SlotMode, str]]:
    """Return (mode, reason) per slot (`limits` hold the load with the loads in it)."""
    efficiency = limits.charge_efficiency * limits.discharge_efficiency
    wear = problem.battery.cycle_cost_per_kwh
    terminal = problem.terminal_value_per_kwh
    uses = _next_uses(problem, limits, battery)
    basis: tuple[float, int] | None = None  # what the stored energy last cost
    result: list[tuple[SlotMode, str]] = []
    for slot in range(problem.horizon):
        power = float(battery[slot])
        told = _mode(
            problem,
            limits,
            slot,
            power,
            float(stored[slot]),
            caps=caps,
        )
        mode = told.mode
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
        elif mode is InverterMode.HOLD or told.max_discharge_kw == 0.0:
            text = f"hold the battery: {later}"
        elif told.max_charge_kw == 0.0:
            text = f"keep room in the battery: {later}"
        elif power > _KW:
            text = (
                f"store surplus PV instead of exporting at {export_price:.2f}: {later}"
            )
        elif power < -_KW:
            text = f"cover the load from the battery instead of importing at {import_price:.2f}"
        elif mode is InverterMode.ZERO_EXPORT:
            text = f"export price {export_price:.2f} is negative: no export, curtail PV"
        elif limits.pv_kw[slot] < limits.load_kw[slot] - _KW:
            text = f"battery at its floor: import at {import_price:.2f}"
        elif limits.pv_kw[slot] > limits.load_kw[slot] + _KW:
            text = f"battery full: export surplus PV at {export_price:.2f}"
        else:
            text = "self-use: nothing to gain from moving the battery"
        if mode is InverterMode.ZERO_EXPORT and power > _KW:
            text += "; no export at a negative price"
        if power > _KW:
            from_grid = mode is InverterMode.FORCE_CHARGE
            basis = (import_price if from_grid else export_price, slot)
        result.append((told, text))
    return result


def _load_reason(
    problem: Problem, load: Load, slot: int, power: float, grid_kw: float
) -> str:
    slots = window(load, problem)
    if isinstance(load, DeferrableLoad):
        return (
            f"{load.id} runs ({power:g} kW) where it costs least in its window "
            f"{_clock(problem, slots.start)}-{_clock(problem, slots.stop)}"
        )
    if isinstance(load, ModulatingLoad):
        return (
            f"{load.id} runs at {power:.1f} kW ({load.energy_kwh:g} kWh due by "
            f"{_clock(problem, slots.stop)})"
        )
    exporting = grid_kw < -_KW
    price = (problem.export_price if exporting else problem.import_price)[slot]
    return (
        f"{load.id} runs ({power:g} kW): worth {load.value_per_kwh:.2f} a kWh, "
        f"{'exporting' if exporting else 'importing'} it costs {price:.2f}"
    )


def load_reasons(
    problem: Problem, loads_kw: FloatArray, grid_kw: FloatArray, *, caps_peak: bool
) -> list[str]:
    """Return per slot what the controllable loads and the demand charge add ("" if none).

    `caps_peak`: the plan was optimised for the demand charge (the MILP's).
    """
    notes: list[list[str]] = [[] for _ in range(problem.horizon)]
    for number, load in enumerate(problem.loads):
        for slot in window(load, problem):
            if (power := float(loads_kw[number, slot])) > _KW:
                notes[slot].append(
                    _load_reason(problem, load, slot, power, float(grid_kw[slot]))
                )
    charge = problem.demand_charge
    if caps_peak and charge is not None and charge.price_per_kw > 0.0:
        peak = max(peak_import_kw(problem, grid_kw), charge.peak_so_far_kw)
        imported = np.maximum(grid_kw, 0.0)
        for members in measure_windows(charge, problem):
            if peak > _KW and float(imported[members].mean()) >= peak - _KW:
                for slot in members:
                    notes[slot].append(f"keeps import under the {peak:.1f} kW peak")
    return ["; ".join(parts) for parts in notes]


def same_mode(first: SlotMode, second: SlotMode) -> bool:
    """Return True when two commands are one mode (caps may differ, not on/off)."""
    return (
        first.mode is second.mode
        and (first.max_charge_kw == 0.0) == (second.max_charge_kw == 0.0)
        and (first.max_discharge_kw == 0.0) == (second.max_discharge_kw == 0.0)
    )


def first_slot_kw(
    problem: Problem, limits: SlotLimits, told: SlotMode, battery_kw: float
) -> float:
    """Return the first slot's battery power if `told` meets the forecast PV and load."""
    hours = limits.hours
    stored = limits.initial_kwh
    room = max(limits.ceiling_kwh[0] - stored, 0.0) / (limits.charge_efficiency * hours)
    can_charge = min(float(limits.charge_cap_kw(stored)), room)
    can_discharge = min(
        limits.max_discharge_kw,
        max(stored - limits.floor_kwh[0], 0.0) * limits.discharge_efficiency / hours,
    )
    surplus = problem.pv_kw[0] - problem.load_kw[0]
    match told.mode:
        case InverterMode.FORCE_CHARGE:
            return float(min(max(battery_kw, 0.0), can_charge))
        case InverterMode.FORCE_DISCHARGE:
            return float(-min(max(-battery_kw, 0.0), can_discharge))
        case InverterMode.HOLD:
            return 0.0
    if surplus >= 0.0:
        cap = told.max_charge_kw
        return float(min(surplus, can_charge, cap if cap is not None else surplus))
    cap = told.max_discharge_kw
    return float(-min(-surplus, can_discharge, cap if cap is not None else -surplus))


def strategy_summary(problem: Problem, grid_kw: FloatArray) -> str:
    """Return what the plan achieves for its strategy ("" for the cost strategy)."""
    strategy = problem.strategy
    if strategy is Strategy.COST:
        return ""
    name = strategy_name(strategy)
    if strategy is Strategy.PEAK_SHAVING:
        peak = float(np.max(np.maximum(grid_kw, 0.0)))
        return f"{name}: highest import {peak:.2f} kW, then the least cost"
    if strategy is Strategy.SMOOTHING:
        variation = float(np.sum(np.abs(np.diff(grid_kw))))
        return f"{name}: grid varies by {variation:.2f} kW in all, then the least cost"
    return f"{name}: no grid charging and no battery export, then the least cost"


def strategy_reasons(problem: Problem, grid_kw: FloatArray) -> list[str]:
    """Return per slot what the strategy adds to its reason ("" if nothing)."""
    strategy = problem.strategy
    size = problem.horizon
    if strategy is Strategy.COST:
        return [""] * size
    name = strategy_name(strategy)
    if strategy is Strategy.PEAK_SHAVING:
        imported = np.maximum(grid_kw, 0.0)
        peak = float(imported.max())
        return [
            f"{name}: import at the horizon's lowest possible peak {peak:.2f} kW"
            if peak > _KW and imported[slot] >= peak - _KW
            else f"{name}: import stays under {peak:.2f} kW"
            for slot in range(size)
        ]
    if strategy is Strategy.SMOOTHING:
        changes = np.abs(np.diff(grid_kw, prepend=np.nan))
        return [
            f"{name}: grid {'held at' if changes[slot] <= _KW else 'at'} "
            f"{grid_kw[slot]:.2f} kW"
            for slot in range(size)
        ]
    surplus = np.asarray(problem.pv_kw) - np.asarray(problem.load_kw)
    return [
        f"{name}: the battery charges from surplus PV only"
        if surplus[slot] > _KW
        else f"{name}: the battery covers the house only, never exports"
        for slot in range(size)
    ]
