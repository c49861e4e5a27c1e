"""The planner's output: the Plan, its slots and the inverter mode of each."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType


class InverterMode(StrEnum):
    """What the inverter is told to do during a slot."""

    SELF_USE = "self_use"
    FORCE_CHARGE = "force_charge"
    FORCE_DISCHARGE = "force_discharge"
    HOLD = "hold"
    ZERO_EXPORT = "zero_export"


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanSlot:
    """One planned slot; inputs are repeated so that a chart can use the slot alone."""

    start: datetime
    end: datetime
    battery_kw: float
    grid_kw: float
    soc_percent: float
    mode: InverterMode
    reason: str
    import_price: float
    export_price: float
    pv_kw: float
    load_kw: float
    curtailed_kw: float = 0.0
    # Self use's charge / discharge caps (an inverter's current limits); None: none.
    max_charge_kw: float | None = None
    max_discharge_kw: float | None = None
    # Each controllable load's kW (all of them, 0.0 when off); grid_kw includes them.
    loads_kw: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, kw_only=True, slots=True)
class Plan:
    """The schedule, which method produced it, its status and why, and its money.

    `method` is "milp", "dp" or "self_use"; `status` is "optimal" or "fallback".
    Costs follow FORMAT.md's objective (import - export + wear - terminal value,
    - optional loads' value + demand charge):
    `cost_idle` with the battery idle, `cost_self_use` with plain self-use, and
    `expected_saving` = cost_idle - objective (what the battery earns by this plan).
    """

    method: str
    status: str
    reason: str
    objective: float
    cost_idle: float
    cost_self_use: float
    expected_saving: float
    solve_seconds: float
    slots: tuple[PlanSlot, ...]
    # What the MILP minimised: the objective weighed over the forecast and its
    # scenarios (None when another method planned).
    expected_cost: float | None = None
    # Each required load energy that cannot fit, and what it gets instead.
    load_issues: tuple[str, ...] = ()

    @property
    def saving_over_self_use(self) -> float:
        """Return what this plan earns over plain self-use."""
        return self.cost_self_use - self.objective

    def slot_index(self, moment: datetime) -> int | None:
        """Return the index of the slot covering `moment` (start <= moment < end)."""
        # In UTC: aware datetimes sharing one tzinfo compare by wall clock, ignoring
        # DST folds.
        instant = moment.astimezone(UTC)
        return next(
            (
                index
                for index, slot in enumerate(self.slots)
                if slot.start.astimezone(UTC) <= instant < slot.end.astimezone(UTC)
            ),
            None,
        )

    def slot_at(self, moment: datetime) -> PlanSlot | None:
        """Return the slot covering `moment`, None outside the plan."""
        index = self.slot_index(moment)
        return None if index is None else self.slots[index]
