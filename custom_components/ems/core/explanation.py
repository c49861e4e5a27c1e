"""Why the plan does what it does in one slot, and what the alternative costs (pure).

Every time in what this module returns is in the zone it is given (the home's).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, tzinfo
import re
from typing import Any

from custom_components.ems.planner import (
    Method,
    Plan,
    PlanSlot,
    Problem,
    ProblemError,
    evaluate,
    plan as solve,
)

from .shown import rounded

_KW = 1e-3
# A clock time in a reason, as the planner writes it ("0.36 expected at 06:45").
_CLOCK = re.compile(r"\b(?:[01]\d|2[0-3]):[0-5]\d\b")
# The evaluator names a slot by its index: "slot 22: SoC 8.20% below min SoC 10%".
_SLOT_MESSAGE = re.compile(r"slot (\d+): (.*)")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
LIMITS_SHOWN = 10


def local_reasons(plan: Plan, zone: tzinfo) -> Plan:
    """Return the plan with the clock times in its reasons in `zone`.

    The planner names a slot in a reason by its start in the plan's own zone (UTC when
    the plan starts in UTC). Each time is read as the start of the nearest slot with
    that clock time, and written in `zone`.
    """
    if not plan.slots:
        return plan
    starts = [slot.start for slot in plan.slots]
    own_zone = starts[0].tzinfo
    by_clock: dict[str, list[int]] = {}
    for index, start in enumerate(starts):
        by_clock.setdefault(f"{start.astimezone(own_zone):%H:%M}", []).append(index)

    def localised(index: int, reason: str) -> str:
        def rewrite(match: re.Match[str]) -> str:
            candidates = by_clock.get(match[0])
            if not candidates:
                return match[0]
            named = min(candidates, key=lambda candidate: abs(candidate - index))
            return f"{starts[named].astimezone(zone):%H:%M}"

        return _CLOCK.sub(rewrite, reason)

    return replace(
        plan,
        slots=tuple(
            replace(slot, reason=localised(index, slot.reason))
            for index, slot in enumerate(plan.slots)
        ),
    )


def _floor_percent(problem: Problem, index: int) -> float:
    """Return the SoC floor at the end of a slot: the minimum, or a reserve above it."""
    floor = problem.battery.min_soc_percent
    reserve = problem.reserve
    end = problem.slot_start(index + 1)
    if reserve is not None and reserve.start <= end <= reserve.end:
        floor = max(floor, reserve.min_soc_percent)
    return floor


def _power_range(
    problem: Problem, index: int, soc_percent: float
) -> tuple[float, float]:
    """Return the most a slot starting at `soc_percent` can discharge and charge (kW).

    Within the power limits, the room below the maximum SoC and the energy above the
    slot's floor.
    """
    battery = problem.battery
    hours = problem.slot_hours
    stored = battery.kwh(soc_percent)
    room = max(battery.kwh(battery.max_soc_percent) - stored, 0.0)
    spare = max(stored - battery.kwh(_floor_percent(problem, index)), 0.0)
    return (
        -min(battery.max_discharge_kw, spare * battery.discharge_efficiency / hours),
        min(battery.max_charge_kw, room / (battery.charge_efficiency * hours)),
    )


def self_use_kw(problem: Problem, index: int, soc_percent: float) -> float:
    """Return what plain self use does in a slot starting at `soc_percent`.

    It stores surplus PV while there is room and covers the deficit while there is
    energy above the floor, within the power limits.
    """
    lowest, highest = _power_range(problem, index, soc_percent)
    surplus = problem.pv_kw[index] - problem.load_kw[index]
    return min(max(surplus, lowest), highest)


def _soc_after(problem: Problem, soc_percent: float, battery_kw: float) -> float:
    battery = problem.battery
    hours = problem.slot_hours
    if battery_kw >= 0.0:
        kwh = battery_kw * battery.charge_efficiency * hours
    else:
        kwh = battery_kw / battery.discharge_efficiency * hours
    return min(max(soc_percent + 100.0 * kwh / battery.capacity_kwh, 0.0), 100.0)


def _replanned_rest(
    problem: Problem, index: int, soc_percent: float, method: Method
) -> list[float]:
    """Return the best schedule of the slots after `index`, from `soc_percent` on."""
    first = index + 1
    if first >= problem.horizon:
        return []
    rest = replace(
        problem,
        start=problem.slot_start(first),
        import_price=problem.import_price[first:],
        export_price=problem.export_price[first:],
        pv_kw=problem.pv_kw[first:],
        load_kw=problem.load_kw[first:],
        battery=replace(problem.battery, soc_percent=soc_percent),
    )
    return [slot.battery_kw for slot in solve(rest, method).slots]


class _Limits:
    """The evaluator's messages, keyed by slot and limit, shown with local times."""

    def __init__(self, problem: Problem, zone: tzinfo) -> None:
        self._problem = problem
        self._zone = zone

    @staticmethod
    def key(message: str) -> tuple[int, str]:
        match = _SLOT_MESSAGE.fullmatch(message)
        if match is None:
            return -1, message
        return int(match[1]), _NUMBER.sub("#", match[2])

    def shown(self, messages: list[str]) -> list[str]:
        texts = [self._local(message) for message in messages[:LIMITS_SHOWN]]
        if len(messages) > LIMITS_SHOWN:
            texts.append(f"and {len(messages) - LIMITS_SHOWN} more")
        return texts

    def _local(self, message: str) -> str:
        match = _SLOT_MESSAGE.fullmatch(message)
        if match is None:
            return message
        index = int(match[1])
        start = self._problem.slot_start(index).astimezone(self._zone)
        end = self._problem.slot_start(index + 1).astimezone(self._zone)
        return f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}: {match[2]}"


def _local_iso(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).isoformat()


def _alternative(
    problem: Problem, plan: Plan, index: int, zone: tzinfo, method: Method
) -> dict[str, Any]:
    """Return the slot run differently, the rest planned again, judged by the evaluator.

    The alternative is plain self use; where the plan does that already, an idle
    battery; else charging, else discharging at full power. Its cost is the whole horizon's: the slots before as planned,
    this slot run the other way, the slots after it planned again from the SoC it
    leaves (as EMS would do five minutes later). Limits it breaks that the plan keeps
    are listed; a battery that can do nothing else in the slot has none.
    """
    planned = [slot.battery_kw for slot in plan.slots]
    soc_before = (
        problem.battery.soc_percent if index == 0 else plan.slots[index - 1].soc_percent
    )
    limits = _Limits(problem, zone)
    chosen = evaluate(problem, planned)
    answer: dict[str, Any] = {
        "description": None,
        "battery_kw": None,
        "plan_cost": rounded(chosen.cost, 4),
        "alternative_cost": None,
        "extra_cost": None,
        "breaks_limits": [],
        "plan_breaks_limits": limits.shown(list(chosen.violations)),
        "none_because": None,
    }
    lowest, highest = _power_range(problem, index, soc_before)
    candidates = (
        (self_use_kw(problem, index, soc_before), "plain self use in this slot"),
        (0.0, "leave the battery idle in this slot"),
        (highest, "charge at full power in this slot"),
        (lowest, "discharge at full power in this slot"),
    )
    different = [item for item in candidates if abs(item[0] - planned[index]) > _KW]
    if not different:
        answer["none_because"] = "the battery can do nothing else in this slot"
        return answer
    alternative_kw, description = different[0]
    answer["description"] = f"{description}, the slots after it planned again"
    answer["battery_kw"] = rounded(alternative_kw, 3)
    soc_after = _soc_after(problem, soc_before, alternative_kw)
    try:
        rest = _replanned_rest(problem, index, soc_after, method)
    except ProblemError as err:
        answer["none_because"] = f"the slots after it cannot be planned: {err}"
        return answer
    other = evaluate(problem, [*planned[:index], alternative_kw, *rest])
    kept = {limits.key(message) for message in chosen.violations}
    answer |= {
        "alternative_cost": rounded(other.cost, 4),
        "extra_cost": rounded(other.cost - chosen.cost, 4),
        "breaks_limits": limits.shown(
            [m for m in other.violations if limits.key(m) not in kept]
        ),
    }
    return answer


def explain_slot(
    problem: Problem, plan: Plan, index: int, zone: tzinfo, method: Method
) -> dict[str, Any]:
    """Return the reasoning for one slot: prices, losses, wear and the alternative.

    Plans once more (`method`) for the alternative: run it in the executor.
    """
    slot = plan.slots[index]
    battery = problem.battery
    ahead = range(index, problem.horizon)
    cheapest = min(ahead, key=lambda i: problem.import_price[i])
    dearest = max(ahead, key=lambda i: problem.import_price[i])
    return {
        "slot": {
            "start": _local_iso(slot.start, zone),
            "end": _local_iso(slot.end, zone),
            "mode": slot.mode.value,
            "battery_kw": rounded(slot.battery_kw, 3),
            "grid_kw": rounded(slot.grid_kw, 3),
            "soc_percent": rounded(slot.soc_percent, 1),
            "reason": slot.reason,
        }
        | _loads_kw(slot),
        "prices": {
            "import": slot.import_price,
            "export": slot.export_price,
            "cheapest_import_ahead": problem.import_price[cheapest],
            "cheapest_import_at": _local_iso(plan.slots[cheapest].start, zone),
            "dearest_import_ahead": problem.import_price[dearest],
            "dearest_import_at": _local_iso(plan.slots[dearest].start, zone),
        },
        "losses": {
            "round_trip_efficiency": rounded(
                battery.charge_efficiency * battery.discharge_efficiency, 4
            ),
            "wear_per_kwh_discharged": battery.cycle_cost_per_kwh,
        },
        "alternative": _alternative(problem, plan, index, zone, method),
        "plan": {"method": plan.method, "status": plan.status, "reason": plan.reason},
    }


def plan_rows(plan: Plan, zone: tzinfo) -> list[dict[str, Any]]:
    """Return the plan slot by slot as a person reads it: local times, rounded figures."""
    return [
        {
            "start": _local_iso(slot.start, zone),
            "end": _local_iso(slot.end, zone),
            "mode": slot.mode.value,
            "battery_kw": rounded(slot.battery_kw, 3),
            "grid_kw": rounded(slot.grid_kw, 3),
            "soc_percent": rounded(slot.soc_percent, 1),
            "import_price": rounded(slot.import_price, 4),
            "export_price": rounded(slot.export_price, 4),
            "pv_kw": rounded(slot.pv_kw, 3),
            "load_kw": rounded(slot.load_kw, 3),
            "reason": slot.reason,
        }
        | _loads_kw(slot)
        for slot in plan.slots
    ]


def _loads_kw(slot: PlanSlot) -> dict[str, Any]:
    """Return the controllable loads' kW in a slot, by load id (nothing without loads)."""
    if not slot.loads_kw:
        return {}
    return {"loads_kw": {key: rounded(kw, 3) for key, kw in slot.loads_kw.items()}}
