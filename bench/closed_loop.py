"""Closed-loop replay: plan from what is known, carry out the first slot, repeat.

Every 30 minutes a strategy is shown what Home Assistant would know (FORMAT.md's
Situation: prices as published, the PV forecast as logged, the measured history) and
answers with the command for the current slot; `bench.execute` carries it out on the
actual PV and load. The battery's state follows what really happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
import math
import time

import numpy as np
import numpy.typing as npt

from custom_components.ems.core.situation import (
    Command as Running,
    History,
    Policy,
    Prices,
    PvForecast,
    Situation,
    plan_situation,
    situation_problem,
)
from custom_components.ems.planner import Battery, Grid, InverterMode, PlanSlot, plan

from .execute import Command, Outcome, Pack, execute
from .replay_data import PARIS, Floats, Year, retail

HISTORY_DAYS = 28
PER_DAY = 48
HOURS = 0.5
PACK = Pack(
    capacity_kwh=10.0,
    min_soc_percent=10.0,
    max_soc_percent=100.0,
    max_charge_kw=5.0,
    max_discharge_kw=5.0,
    charge_efficiency=0.95,
    discharge_efficiency=0.95,
    cycle_cost_per_kwh=0.0,
    max_import_kw=11.0,
    max_export_kw=None,
)
START_SOC_PERCENT = 50.0

type Decide = Callable[[int, float], tuple[Command, float]]
"""(slot index, stored kWh) -> (command for the slot, seconds spent deciding)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Run:
    """One strategy over the replay, slot by slot (slot indices `slots`)."""

    name: str
    slots: npt.NDArray[np.int64]
    costs: Floats
    start_kwh: Floats  # stored at each slot's start
    end_kwh: Floats  # and at its end
    labels: tuple[str, ...]
    seconds: Floats
    breaks: frozenset[int] = frozenset()  # offsets where a separate replay begins

    @classmethod
    def joined(cls, runs: list[Run]) -> Run:
        """Several replays of one strategy as one run (mode changes not counted across)."""
        offsets = np.cumsum([0, *(run.costs.size for run in runs)])
        return cls(
            name=runs[0].name,
            slots=np.concatenate([run.slots for run in runs]),
            costs=np.concatenate([run.costs for run in runs]),
            start_kwh=np.concatenate([run.start_kwh for run in runs]),
            end_kwh=np.concatenate([run.end_kwh for run in runs]),
            labels=tuple(label for run in runs for label in run.labels),
            seconds=np.concatenate([run.seconds for run in runs]),
            breaks=frozenset(int(offset) for offset in offsets[1:-1]),
        )

    def part(self, slots: npt.NDArray[np.int64]) -> Run:
        """Return the same run restricted to the slots (indices into the year) given."""
        keep = np.isin(self.slots, slots)
        return Run(
            name=self.name,
            slots=self.slots[keep],
            costs=self.costs[keep],
            start_kwh=self.start_kwh[keep],
            end_kwh=self.end_kwh[keep],
            labels=tuple(str(name) for name in np.array(self.labels)[keep]),
            seconds=self.seconds[keep],
            breaks=frozenset(
                int(offset)
                for offset in np.flatnonzero(np.diff(self.slots[keep]) > 1) + 1
            ),
        )


class Knowledge:
    """What the house knows at a slot, from the replay's year."""

    def __init__(self, year: Year) -> None:
        """Keep the series as Python lists (slicing them is the hot path)."""
        self.year = year
        self.load_seen = [None if math.isnan(v) else float(v) for v in year.load_seen]
        self.pv_seen = [None if math.isnan(v) else float(v) for v in year.pv_seen]
        self.pv_logged = [None if math.isnan(v) else float(v) for v in year.pv_forecast]
        self.buy = retail(year.spot)
        self.sell = year.spot

    def situation(
        self,
        index: int,
        stored_kwh: float,
        previous: Command | None = None,
        since: datetime | None = None,
    ) -> Situation:
        """Return the Situation at the start of slot `index`."""
        year = self.year
        until = year.published_until(index)
        begin = max(0, index - HISTORY_DAYS * PER_DAY)
        now = year.moment(index).astimezone(PARIS)
        return Situation(
            now=now,
            slot_minutes=30,
            battery=battery(stored_kwh),
            grid=Grid(max_import_kw=PACK.max_import_kw, max_export_kw=None),
            prices=Prices(
                start=now,
                import_price=tuple(float(price) for price in self.buy[index:until]),
                export_price=tuple(float(price) for price in self.sell[index:until]),
            ),
            pv_forecast=PvForecast(
                start=year.moment(begin), p50=tuple(self.pv_logged[begin:until])
            ),
            history=History(
                start=year.moment(begin),
                load_kw=tuple(self.load_seen[begin:index]),
                pv_kw=tuple(self.pv_seen[begin:index]),
            ),
            time_zone="Europe/Paris",
            previous=None
            if previous is None
            else Running(
                mode=InverterMode(previous.mode),
                battery_kw=previous.battery_kw,
                max_charge_kw=previous.max_charge_kw,
                max_discharge_kw=previous.max_discharge_kw,
                since=since,
            ),
        )


def battery(stored_kwh: float) -> Battery:
    """Return the replay's battery holding `stored_kwh`."""
    return Battery(
        capacity_kwh=PACK.capacity_kwh,
        soc_percent=min(max(100.0 * stored_kwh / PACK.capacity_kwh, 0.0), 100.0),
        min_soc_percent=PACK.min_soc_percent,
        max_soc_percent=PACK.max_soc_percent,
        max_charge_kw=PACK.max_charge_kw,
        max_discharge_kw=PACK.max_discharge_kw,
        charge_efficiency=PACK.charge_efficiency,
        discharge_efficiency=PACK.discharge_efficiency,
        cycle_cost_per_kwh=PACK.cycle_cost_per_kwh,
    )


def label(command: Command) -> str:
    """Name a command for counting mode changes: self use without discharge is its own."""
    if command.mode == "self_use" and command.max_discharge_kw == 0.0:
        return "self_use_no_discharge"
    if command.mode == "self_use" and command.max_charge_kw == 0.0:
        return "self_use_no_charge"
    return command.mode


def command_of(slot: PlanSlot) -> Command:
    """Return the first slot of a plan as the inverter is told it."""
    return Command(
        mode=slot.mode.value,
        battery_kw=slot.battery_kw,
        max_charge_kw=slot.max_charge_kw,
        max_discharge_kw=slot.max_discharge_kw,
    )


def setpoint_of(slot: PlanSlot) -> Command:
    """Return the first slot's battery_kw as a power setpoint."""
    if slot.battery_kw > 1e-3:
        return Command(mode="force_charge", battery_kw=slot.battery_kw)
    if slot.battery_kw < -1e-3:
        return Command(mode="force_discharge", battery_kw=slot.battery_kw)
    return Command(mode="hold")


def ems(knowledge: Knowledge, policy: Policy) -> Decide:
    """Return the project's planner, planning from the Situation as HA would."""
    running: list[tuple[Command, datetime]] = []  # the command and when its mode began

    def decide(index: int, stored_kwh: float) -> tuple[Command, float]:
        started = time.perf_counter()
        previous, since = running[0] if running else (None, None)
        _, result = plan_situation(
            knowledge.situation(index, stored_kwh, previous, since), policy=policy
        )
        seconds = time.perf_counter() - started
        command = command_of(result.slots[0])
        if previous is None or since is None or label(command) != label(previous):
            since = knowledge.year.moment(index)
        running[:] = [(command, since)]
        return command, seconds

    return decide


def fixed(mode: str) -> Decide:
    """Return a strategy of one mode (self_use: plain self use; hold: idle)."""
    command = Command(mode=mode)
    return lambda _index, _stored: (command, 0.0)


def replay(
    name: str, year: Year, decide: Decide, *, first: int, last: int, start_kwh: float
) -> Run:
    """Run a strategy over slots [first, last)."""
    buy = retail(year.spot)
    count = last - first
    costs = np.empty(count)
    stored = np.empty(count + 1)
    seconds = np.empty(count)
    labels: list[str] = []
    stored[0] = start_kwh
    for offset in range(count):
        index = first + offset
        command, seconds[offset] = decide(index, float(stored[offset]))
        outcome: Outcome = execute(
            PACK,
            command,
            stored_kwh=float(stored[offset]),
            pv_kw=float(year.pv[index]),
            load_kw=float(year.load[index]),
            import_price=float(buy[index]),
            export_price=float(year.spot[index]),
            hours=HOURS,
        )
        costs[offset] = outcome.cost
        stored[offset + 1] = outcome.stored_kwh
        labels.append(label(command))
    return Run(
        name=name,
        slots=np.arange(first, last),
        costs=costs,
        start_kwh=stored[:-1],
        end_kwh=stored[1:],
        labels=tuple(labels),
        seconds=seconds,
    )


def oracle(knowledge: Knowledge, policy: Policy) -> Decide:
    """Return ems given the actual PV and load as forecasts (a diagnosis)."""
    year = knowledge.year

    def decide(index: int, stored_kwh: float) -> tuple[Command, float]:
        problem = situation_problem(knowledge.situation(index, stored_kwh), policy)
        end = index + problem.horizon
        exact = replace(
            problem,
            pv_kw=tuple(float(kw) for kw in year.pv[index:end]),
            load_kw=tuple(float(kw) for kw in year.load[index:end]),
        )
        return command_of(plan(exact, caps=policy.caps).slots[0]), 0.0

    return decide
