"""A load schedule (kW per load and slot) and what it means for the plan.

`cheap_schedule` is the schedule the DP and self-use plan the battery around: each
load placed greedily where its energy costs least. The other helpers turn any
schedule into the house's demand, the optional loads' value, the demand charge and
the loads whose required energy did not fit.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from .limits import FloatArray, SlotLimits
from .loads import (
    DeferrableLoad,
    Load,
    ModulatingLoad,
    OptionalLoad,
    measure_windows,
    optional_slots,
    required_kwh,
    run_slots,
    slot_count,
    window,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .model import Problem

_KWH = 1e-6


class _Placer:
    """Places loads one by one on what the house and the loads placed so far need."""

    def __init__(self, limits: SlotLimits) -> None:
        self.limits = limits
        self.demand = limits.load_kw.copy()

    def price(self, slot: int, power: float) -> float:
        """Return what `power` more kW costs per kWh: lost export if PV covers it."""
        surplus = self.limits.pv_kw[slot] - self.demand[slot]
        limits = self.limits
        return float(
            limits.export_price[slot] if surplus >= power else limits.import_price[slot]
        )

    def headroom(self, slot: int) -> float:
        """Return the kW the fuse still allows in `slot`."""
        limits = self.limits
        return float(
            limits.max_import_kw[slot] - self.demand[slot] + limits.pv_kw[slot]
        )

    def deferrable(self, load: DeferrableLoad, slots: range) -> dict[int, float]:
        """One run at the cheapest start that fits the fuse, shortened if none does."""
        needed = slot_count(load.energy_kwh, load.power_kw, self.limits.hours)
        shortest = run_slots(load.min_run_minutes, round(self.limits.hours * 60))
        for count in range(needed, shortest - 1, -1):
            best: tuple[float, int] | None = None
            for first in range(slots.start, slots.stop - count + 1):
                run = range(first, first + count)
                if all(self.headroom(slot) >= load.power_kw for slot in run):
                    cost = sum(self.price(slot, load.power_kw) for slot in run)
                    if best is None or cost < best[0]:
                        best = (cost, first)
            if best is not None:
                return dict.fromkeys(range(best[1], best[1] + count), load.power_kw)
        return {}

    def modulating(self, load: ModulatingLoad, slots: range) -> dict[int, float]:
        """Fill the fewest cheapest slots that hold the energy to an even level."""
        hours = self.limits.hours
        caps = {slot: min(load.max_kw, self.headroom(slot)) for slot in slots}
        usable = sorted(
            (slot for slot, cap in caps.items() if cap >= max(load.min_kw, 1e-9)),
            key=lambda slot: self.price(slot, load.min_kw),
        )
        wanted = load.energy_kwh / hours
        if wanted <= _KWH:
            return {}
        for count in range(1, len(usable) + 1):
            chosen = sorted(usable[:count], key=lambda slot: caps[slot])
            if sum(caps[slot] for slot in chosen) < wanted - _KWH:
                continue
            left, powers = wanted, {}
            for number, slot in enumerate(chosen):
                powers[slot] = min(caps[slot], left / (count - number))
                left -= powers[slot]
            if min(powers.values()) >= load.min_kw - _KWH:
                return powers
            return {slot: caps[slot] for slot in usable[: count - 1]}
        return {slot: caps[slot] for slot in usable}  # all it can get

    def optional(self, load: OptionalLoad, slots: range) -> dict[int, float]:
        """Run where the load's value beats the price, best margins first."""
        shortest = run_slots(load.min_run_minutes, round(self.limits.hours * 60))
        budget = optional_slots(load, self.limits.hours)
        margin = {
            slot: load.value_per_kwh - self.price(slot, load.power_kw)
            for slot in slots
            if self.headroom(slot) >= load.power_kw
        }
        runs: list[list[int]] = []
        for slot in sorted(slot for slot, gain in margin.items() if gain > 0.0):
            if runs and runs[-1][-1] == slot - 1:
                runs[-1].append(slot)
            else:
                runs.append([slot])
        chosen: list[int] = []
        for run in sorted(
            runs, key=lambda run: -sum(margin[s] for s in run) / len(run)
        ):
            length = min(len(run), budget - len(chosen))
            if length < shortest:
                continue
            best = max(
                range(len(run) - length + 1),
                key=lambda first: sum(margin[s] for s in run[first : first + length]),
            )
            chosen += run[best : best + length]
        return dict.fromkeys(chosen, load.power_kw)

    def place(self, load: Load, slots: range) -> dict[int, float]:
        """Place one load and count it in the demand from now on."""
        if isinstance(load, DeferrableLoad):
            powers = self.deferrable(load, slots)
        elif isinstance(load, ModulatingLoad):
            powers = self.modulating(load, slots)
        else:
            powers = self.optional(load, slots)
        for slot, power in powers.items():
            self.demand[slot] += power
        return powers


def cheap_schedule(problem: Problem, limits: SlotLimits) -> FloatArray:
    """Return kW per load and slot: required loads first, each where it costs least."""
    schedule = np.zeros((len(problem.loads), problem.horizon))
    placer = _Placer(limits)
    order = sorted(
        range(len(problem.loads)),
        key=lambda number: isinstance(problem.loads[number], OptionalLoad),
    )
    for number in order:
        load = problem.loads[number]
        for slot, power in placer.place(load, window(load, problem)).items():
            schedule[number, slot] = power
    return schedule


def with_loads(limits: SlotLimits, schedule: FloatArray) -> SlotLimits:
    """Return the limits with the scheduled loads added to the house's load."""
    if not schedule.size:
        return limits
    return replace(limits, load_kw=limits.load_kw + schedule.sum(axis=0))


def optional_value(problem: Problem, schedule: FloatArray) -> float:
    """Return what the optional loads' energy is worth."""
    return sum(
        load.value_per_kwh * float(schedule[number].sum()) * problem.slot_hours
        for number, load in enumerate(problem.loads)
        if isinstance(load, OptionalLoad)
    )


def peak_import_kw(problem: Problem, grid_kw: FloatArray) -> float:
    """Return the highest average import over the counted measure windows (0 if none)."""
    if problem.demand_charge is None:
        return 0.0
    imported = np.maximum(grid_kw, 0.0)
    return max(
        (
            float(imported[members].mean())
            for members in measure_windows(problem.demand_charge, problem)
        ),
        default=0.0,
    )


def demand_charge_cost(problem: Problem, grid_kw: FloatArray) -> float:
    """Return the demand charge on the plan's increase of the peak."""
    charge = problem.demand_charge
    if charge is None:
        return 0.0
    peak = peak_import_kw(problem, grid_kw)
    return charge.price_per_kw * max(0.0, peak - charge.peak_so_far_kw)


def loads_per_slot(problem: Problem, schedule: FloatArray) -> list[Mapping[str, float]]:
    """Return each slot's kW per load id (every load in every slot)."""
    ids = [load.id for load in problem.loads]
    return [
        MappingProxyType(
            {
                load_id: round(float(power), 9)
                for load_id, power in zip(ids, schedule[:, slot], strict=True)
            }
        )
        for slot in range(problem.horizon)
    ]


def load_issues(problem: Problem, schedule: FloatArray) -> tuple[str, ...]:
    """Name every load whose required energy the schedule does not deliver."""
    hours = problem.slot_hours
    issues = []
    for number, load in enumerate(problem.loads):
        required = required_kwh(load, hours)
        delivered = float(schedule[number].sum()) * hours
        if delivered < required - _KWH:
            slots = window(load, problem)
            clock = [
                problem.slot_start(index).strftime("%H:%M")
                for index in (slots.start, slots.stop)
            ]
            issues.append(
                f"{load.id} needs {required:.2f} kWh between {clock[0]} and "
                f"{clock[1]} but only {delivered:.2f} kWh fits"
            )
    return tuple(issues)
