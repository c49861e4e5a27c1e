"""Turn battery and load kW per slot into the Plan: energy path, grid, cost, modes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .explain import explain, load_reasons, strategy_reasons, strategy_summary
from .limits import FloatArray, SlotLimits
from .load_schedule import (
    demand_charge_cost,
    load_issues,
    loads_per_slot,
    optional_value,
    with_loads,
)
from .result import Plan, PlanSlot
from .strategy import NEEDS_MILP

if TYPE_CHECKING:
    from .model import Problem

_KW_EPSILON = 1e-6


@dataclass(frozen=True, kw_only=True, slots=True)
class Settled:
    """What a battery schedule implies for the house, slot by slot."""

    battery_kw: FloatArray
    loads_kw: FloatArray  # per controllable load and slot
    stored_kwh: FloatArray  # N + 1 values: initial, then each slot end
    grid_kw: FloatArray
    curtailed_kw: FloatArray
    cost: float


def settle(
    problem: Problem,
    limits: SlotLimits,
    battery_kw: FloatArray,
    loads_kw: FloatArray | None = None,
) -> Settled:
    """Follow a battery and load schedule: SoC, grid after curtailment, the cost.

    `limits` are the problem's own; `loads_kw` (per load and slot) are added to its
    load, their optional value subtracted and the demand charge added.
    """
    if loads_kw is None:
        loads_kw = np.zeros((len(problem.loads), problem.horizon))
    battery = np.where(np.abs(battery_kw) < _KW_EPSILON, 0.0, battery_kw)
    hours = limits.hours
    moved = np.where(
        battery >= 0.0,
        battery * limits.charge_efficiency * hours,
        battery / limits.discharge_efficiency * hours,
    )
    stored = limits.initial_kwh + np.concatenate([[0.0], np.cumsum(moved)])
    pv = np.asarray(problem.pv_kw)
    export_price = np.asarray(problem.export_price)
    net = with_loads(limits, loads_kw).load_kw - pv + battery
    surplus_export = np.maximum(-net, 0.0)
    unpaid = export_price < 0.0
    curtailed = np.where(
        unpaid,
        np.minimum(pv, surplus_export),
        np.minimum(pv, np.maximum(surplus_export - limits.max_export_kw, 0.0)),
    )
    grid = net + curtailed
    cost = hours * float(
        np.sum(
            np.asarray(problem.import_price) * np.maximum(grid, 0.0)
            + export_price * np.minimum(grid, 0.0)
            + problem.battery.cycle_cost_per_kwh * np.maximum(-battery, 0.0)
        )
    ) - problem.terminal_value_per_kwh * float(stored[-1])
    cost += demand_charge_cost(problem, grid) - optional_value(problem, loads_kw)
    return Settled(
        battery_kw=battery,
        loads_kw=loads_kw,
        stored_kwh=stored,
        grid_kw=grid,
        curtailed_kw=curtailed,
        cost=cost,
    )


def build_plan(
    problem: Problem,
    limits: SlotLimits,
    settled: Settled,
    *,
    method: str,
    status: str,
    reason: str,
    cost_idle: float,
    cost_self_use: float,
    solve_seconds: float,
    caps: bool = False,
    expected_cost: float | None = None,
) -> Plan:
    """Assemble the Plan, with an inverter mode and a reason for every slot.

    Required load energy that did not fit is named in `load_issues` and the reason.
    """
    capacity = problem.battery.capacity_kwh
    loads = loads_per_slot(problem, settled.loads_kw)
    notes = load_reasons(
        problem, settled.loads_kw, settled.grid_kw, caps_peak=method == "milp"
    )
    strategic = method == "milp" or problem.strategy not in NEEDS_MILP
    aims = (
        strategy_reasons(problem, settled.grid_kw)
        if strategic
        else [""] * problem.horizon
    )
    summary = strategy_summary(problem, settled.grid_kw) if strategic else ""
    issues = load_issues(problem, settled.loads_kw)
    explained = explain(
        problem,
        with_loads(limits, settled.loads_kw),
        settled.battery_kw,
        settled.stored_kwh,
        caps=caps,
    )
    slots = tuple(
        PlanSlot(
            start=problem.slot_start(index),
            end=problem.slot_start(index + 1),
            battery_kw=round(float(settled.battery_kw[index]), 6),
            grid_kw=round(float(settled.grid_kw[index]), 4),
            soc_percent=round(
                100.0 * float(settled.stored_kwh[index + 1]) / capacity, 3
            ),
            mode=told.mode,
            reason="; ".join(
                part for part in (aims[index], text, notes[index]) if part
            ),
            import_price=problem.import_price[index],
            export_price=problem.export_price[index],
            pv_kw=problem.pv_kw[index],
            load_kw=problem.load_kw[index],
            curtailed_kw=round(float(settled.curtailed_kw[index]), 4),
            max_charge_kw=told.max_charge_kw,
            max_discharge_kw=told.max_discharge_kw,
            loads_kw=loads[index],
        )
        for index, (told, text) in enumerate(explained)
    )
    return Plan(
        method=method,
        status=status,
        reason="; ".join(part for part in (summary, reason, *issues) if part),
        objective=settled.cost,
        cost_idle=cost_idle,
        cost_self_use=cost_self_use,
        expected_saving=cost_idle - settled.cost,
        solve_seconds=solve_seconds,
        slots=slots,
        expected_cost=expected_cost,
        load_issues=issues,
    )
