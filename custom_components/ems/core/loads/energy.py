"""Each load's energy and what it cost, per quarter hour; a plan's money per load (pure).

The ledger integrates the power a load drew (its read-back sensor, else the power of
the switch EMS sees on) at the import price of the moment. A plan's money per load
compares the plan with running at once: the same energy at the load's full power from
the first slot of its window that the plan holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from custom_components.ems.planner import Load, ModulatingLoad, Plan

QUARTER = timedelta(minutes=15)
KEEP = timedelta(days=2)
_RUNNING_KW = 0.05


@dataclass(frozen=True, kw_only=True, slots=True)
class Consumed:
    """Energy (kWh) and its cost at the import price."""

    kwh: float = 0.0
    cost: float = 0.0

    def __add__(self, other: Consumed) -> Consumed:
        """Return both together."""
        return Consumed(kwh=self.kwh + other.kwh, cost=self.cost + other.cost)


def _quarter(moment: datetime) -> datetime:
    utc = moment.astimezone(UTC)
    return utc - (utc - utc.replace(minute=0, second=0, microsecond=0)) % QUARTER


class LoadLedger:
    """What each load drew, per quarter hour, for the last two days."""

    def __init__(self) -> None:
        """Start empty."""
        self._quarters: dict[str, dict[datetime, Consumed]] = {}

    def add(
        self, load_id: str, *, start: datetime, end: datetime, kw: float, price: float
    ) -> None:
        """Book `kw` drawn from `start` to `end` at `price` per kWh (in start's quarter)."""
        hours = (end - start).total_seconds() / 3600.0
        if hours <= 0.0 or kw <= 0.0:
            return
        kwh = kw * hours
        quarters = self._quarters.setdefault(load_id, {})
        key = _quarter(start)
        quarters[key] = quarters.get(key, Consumed()) + Consumed(
            kwh=kwh, cost=kwh * price
        )
        oldest = key - KEEP
        for old in [moment for moment in quarters if moment < oldest]:
            del quarters[old]

    def to_dict(self) -> dict[str, list[list[Any]]]:
        """Return the ledger as stored: per load, [quarter start, kWh, cost] rows."""
        return {
            load_id: [
                [start.isoformat(), used.kwh, used.cost]
                for start, used in sorted(quarters.items())
            ]
            for load_id, quarters in self._quarters.items()
        }

    @classmethod
    def from_dict(cls, data: Any) -> LoadLedger:
        """Return a ledger from `to_dict`'s rows; rows that do not read are dropped."""
        ledger = cls()
        for load_id, rows in (data if isinstance(data, dict) else {}).items():
            for row in rows if isinstance(rows, list) else ():
                try:
                    start, kwh, cost = row
                    key = _quarter(datetime.fromisoformat(start))
                    used = Consumed(kwh=float(kwh), cost=float(cost))
                except (TypeError, ValueError):
                    continue
                ledger._quarters.setdefault(str(load_id), {})[key] = used
        return ledger

    def since(self, load_id: str, moment: datetime) -> Consumed:
        """Return what the load drew from the quarter holding `moment` on."""
        first = _quarter(moment)
        total = Consumed()
        for start, consumed in self._quarters.get(load_id, {}).items():
            if start >= first:
                total += consumed
        return total


@dataclass(frozen=True, kw_only=True, slots=True)
class PlannedMoney:
    """A load's energy and import cost as planned, and had it run at once."""

    kwh: float
    cost: float
    cost_at_once: float

    @property
    def saving(self) -> float:
        """Return what planning saves against running at once."""
        return self.cost_at_once - self.cost


def _full_kw(load: Load) -> float:
    return load.max_kw if isinstance(load, ModulatingLoad) else load.power_kw


def planned_money(plan: Plan, load: Load) -> PlannedMoney:
    """Return the load's planned energy and cost, and its cost run at once (pure)."""
    slots = [slot for slot in plan.slots if load.id in slot.loads_kw]
    planned = Consumed()
    for slot in slots:
        hours = (slot.end - slot.start).total_seconds() / 3600.0
        kwh = slot.loads_kw[load.id] * hours
        planned += Consumed(kwh=kwh, cost=kwh * slot.import_price)
    at_once = 0.0
    left = planned.kwh
    earliest = load.earliest
    for slot in slots:
        if left <= 0.0:
            break
        if earliest is not None and slot.end <= earliest:
            continue
        hours = (slot.end - slot.start).total_seconds() / 3600.0
        kwh = min(_full_kw(load) * hours, left)
        at_once += kwh * slot.import_price
        left -= kwh
    return PlannedMoney(kwh=planned.kwh, cost=planned.cost, cost_at_once=at_once)


def next_start(plan: Plan, load_id: str, now: datetime) -> datetime | None:
    """Return the start of the load's planned run now, or of its next one."""
    instant = now.astimezone(UTC)
    previous_on = False
    start: datetime | None = None
    for slot in plan.slots:
        on = slot.loads_kw.get(load_id, 0.0) > _RUNNING_KW
        if on and not previous_on:
            start = slot.start
        if on and slot.end.astimezone(UTC) > instant:
            return start
        previous_on = on
    return None


def planned_kw(plan: Plan, load_id: str, now: datetime) -> float | None:
    """Return the load's planned power in the slot holding `now` (None: not in the plan)."""
    slot = plan.slot_at(now)
    loads: Mapping[str, float] = slot.loads_kw if slot is not None else {}
    return loads.get(load_id)
