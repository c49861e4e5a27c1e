"""Why the plan does what it does in one slot, and what the alternative would cost (pure)."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from custom_components.ems.planner import Plan, Problem, evaluate

_KW = 1e-3


def _self_use_kw(problem: Problem, index: int) -> float:
    """Return what plain self use would do in a slot: store surplus, cover deficit."""
    surplus = problem.pv_kw[index] - problem.load_kw[index]
    battery = problem.battery
    return max(-battery.max_discharge_kw, min(battery.max_charge_kw, surplus))


def explain_slot(problem: Problem, plan: Plan, index: int) -> dict[str, Any]:
    """Return the reasoning for one slot, with prices, losses, wear and the alternative.

    The alternative is the slot run differently (plain self use, or idle where the plan
    already follows self use) with every other slot as planned; its cost comes from the
    planner's independent evaluator, so an alternative that breaks a limit says so.
    """
    slot = plan.slots[index]
    battery = problem.battery
    planned = [s.battery_kw for s in plan.slots]
    self_use_kw = _self_use_kw(problem, index)
    if abs(self_use_kw - slot.battery_kw) > _KW:
        alternative_kw, description = self_use_kw, "plain self use in this slot"
    else:
        alternative_kw, description = 0.0, "leave the battery idle in this slot"
    changed = [*planned[:index], alternative_kw, *planned[index + 1 :]]
    chosen, other = evaluate(problem, planned), evaluate(problem, changed)
    ahead = range(index, problem.horizon)
    cheapest = min(ahead, key=lambda i: problem.import_price[i])
    dearest = max(ahead, key=lambda i: problem.import_price[i])
    return {
        "slot": {
            "start": slot.start.isoformat(),
            "end": slot.end.isoformat(),
            "mode": slot.mode.value,
            "battery_kw": round(slot.battery_kw, 3),
            "grid_kw": round(slot.grid_kw, 3),
            "soc_percent": round(slot.soc_percent, 1),
            "reason": slot.reason,
        },
        "prices": {
            "import": slot.import_price,
            "export": slot.export_price,
            "cheapest_import_ahead": problem.import_price[cheapest],
            "cheapest_import_at": plan.slots[cheapest].start.isoformat(),
            "dearest_import_ahead": problem.import_price[dearest],
            "dearest_import_at": plan.slots[dearest].start.isoformat(),
        },
        "losses": {
            "round_trip_efficiency": round(
                battery.charge_efficiency * battery.discharge_efficiency, 4
            ),
            "wear_per_kwh_discharged": battery.cycle_cost_per_kwh,
        },
        "alternative": {
            "description": description,
            "battery_kw": round(alternative_kw, 3),
            "plan_cost": round(chosen.cost, 4),
            "alternative_cost": round(other.cost, 4) if other.feasible else None,
            "extra_cost": round(other.cost - chosen.cost, 4)
            if other.feasible
            else None,
            "breaks_limits": list(other.violations),
        },
        "plan": {"method": plan.method, "status": plan.status, "reason": plan.reason},
    }


def plan_rows(plan: Plan, zone: tzinfo) -> list[dict[str, Any]]:
    """Return the plan slot by slot as a person reads it: local times, rounded figures."""
    return [
        {
            "start": slot.start.astimezone(zone).isoformat(),
            "end": slot.end.astimezone(zone).isoformat(),
            "mode": slot.mode.value,
            "battery_kw": round(slot.battery_kw, 3),
            "grid_kw": round(slot.grid_kw, 3),
            "soc_percent": round(slot.soc_percent, 1),
            "import_price": round(slot.import_price, 4),
            "export_price": round(slot.export_price, 4),
            "pv_kw": round(slot.pv_kw, 3),
            "load_kw": round(slot.load_kw, 3),
            "reason": slot.reason,
        }
        for slot in plan.slots
    ]
