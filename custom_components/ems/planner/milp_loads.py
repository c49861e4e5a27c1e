"""Controllable loads and the demand charge as extra columns and rows of the MILP.

Added to HiGHS's battery model (`milp.solve_highs`) after it is passed, so a problem
without them solves exactly the battery model. Per load, over its window's slots only
(h: slot hours; a load's kW enters every block's balance row: one load schedule for
the forecast and all scenarios):

- deferrable, `one_block`: a binary s_k per possible start of its n whole slots, its
  kW in the n balance rows from k; sum s_k + missed = 1.
- deferrable: binaries on_t (kW = power on_t); sum on_t + missed = n.
- modulating: kW p_t in [0, max_kw] (with min_kw > 0 a binary on_t and
  min_kw on_t <= p_t <= max_kw on_t); h sum p_t + missed = energy_kwh.
- optional: binaries on_t at -value * power * h each; sum on_t <= its whole slots.
- minimum run of r > 1 slots (deferrable, optional): binaries start_t >= on_t - on_t-1,
  on_t >= the starts of the last r slots, no start in a window's last r - 1 slots.
- `missed` (continuous) costs a penalty far above every price: a required energy that
  cannot fit is delivered as far as it can, never silently dropped.
- demand charge, per block: excess e >= 0 at price_per_kw times the block's weight;
  the mean import of each counted measure window - e <= peak_so_far_kw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .loads import (
    DeferrableLoad,
    ModulatingLoad,
    OptionalLoad,
    measure_windows,
    optional_slots,
    run_slots,
    slot_count,
    window,
)

if TYPE_CHECKING:
    from .limits import FloatArray
    from .model import Problem

HIGHS_INF = 1e30
_PENALTY_FACTOR = 100.0


@dataclass(frozen=True, kw_only=True, slots=True)
class Block:
    """Where one block (forecast or scenario) of the battery model sits."""

    weight: float
    first_row: int  # its balance rows are first_row + slot
    import_columns: Sequence[int]  # per slot


@dataclass(kw_only=True)
class LoadColumns:
    """The columns added, where each load's kW is read and what is penalty."""

    first: int
    cost: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[int] = field(default_factory=list)
    entries: list[list[tuple[int, float]]] = field(default_factory=list)
    rows: list[tuple[list[tuple[int, float]], float, float]] = field(
        default_factory=list
    )
    power: list[list[tuple[int, int, float]]] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)
    penalised: list[int] = field(default_factory=list)  # other columns not money
    gates: list[tuple[int, int]] = field(default_factory=list)  # (kW, its on binary)

    def column(
        self,
        cost: float,
        upper: float,
        *,
        integer: bool = False,
        entries: Sequence[tuple[int, float]] = (),
    ) -> int:
        """Add a column from 0 to `upper`; return its index in the whole model."""
        number = self.first + len(self.cost)
        self.cost.append(cost)
        self.lower.append(0.0)
        self.upper.append(upper)
        if integer:
            self.integer.append(number)
        self.entries.append(list(entries))
        return number

    def row(self, entries: list[tuple[int, float]], lower: float, upper: float) -> None:
        """Add a row lower <= sum coefficient * column <= upper."""
        self.rows.append((entries, lower, upper))

    def schedule(self, values: FloatArray, size: int) -> FloatArray:
        """Return kW per load and slot from a solution (binaries rounded)."""
        values = values.copy()
        values[self.integer] = np.round(values[self.integer])
        for power, switch in self.gates:
            values[power] *= values[switch]
        schedule = np.zeros((len(self.power), size))
        for number, cells in enumerate(self.power):
            for slot, column, kw in cells:
                schedule[number, slot] += kw * values[column]
        return np.where(schedule < 1e-9, 0.0, schedule)

    def penalty(self, values: FloatArray) -> float:
        """Return the part of the objective that is not money: missed energy and others."""
        return sum(
            self.cost[c - self.first] * float(values[c])
            for c in (*self.missed, *self.penalised)
        )


def kwh_worth(problem: Problem) -> float:
    """More than any kWh could earn or save anywhere in the model."""
    battery = problem.battery
    values = [
        *map(abs, problem.import_price),
        *map(abs, problem.export_price),
        *(
            load.value_per_kwh
            for load in problem.loads
            if isinstance(load, OptionalLoad)
        ),
    ]
    charge = problem.demand_charge
    scale = (
        1.0
        + max(values)
        + battery.cycle_cost_per_kwh
        + abs(problem.terminal_value_per_kwh)
        + (charge.price_per_kw / problem.slot_hours if charge is not None else 0.0)
    )
    efficiency = battery.charge_efficiency * battery.discharge_efficiency
    return scale / efficiency


def _runs(model: LoadColumns, on: list[int], shortest: int) -> None:
    """Every run of the `on` binaries lasts `shortest` slots, inside the window."""
    if shortest <= 1:
        return
    starts = [
        model.column(0.0, 1.0 if index + shortest <= len(on) else 0.0, integer=True)
        for index in range(len(on))
    ]
    for index, column in enumerate(on):
        previous = [(on[index - 1], -1.0)] if index else []
        model.row([(column, 1.0), *previous, (starts[index], -1.0)], -HIGHS_INF, 0.0)
        recent = starts[max(0, index - shortest + 1) : index + 1]
        model.row([(column, -1.0), *((s, 1.0) for s in recent)], -HIGHS_INF, 0.0)


def add_loads(
    problem: Problem, blocks: Sequence[Block], first_column: int
) -> LoadColumns:
    """Return the loads' and the demand charge's columns and rows (not yet added)."""
    model = LoadColumns(first=first_column)
    hours = problem.slot_hours
    penalty = _PENALTY_FACTOR * kwh_worth(problem)  # far above any kWh's worth

    def balance(slots: Sequence[int], kw: float) -> list[tuple[int, float]]:
        return [(block.first_row + slot, -kw) for slot in slots for block in blocks]

    for load in problem.loads:
        slots = window(load, problem)
        cells: list[tuple[int, int, float]] = []
        model.power.append(cells)
        if isinstance(load, ModulatingLoad):
            if load.energy_kwh <= 0.0:
                continue
            powers = []
            for slot in slots:
                power = model.column(0.0, load.max_kw, entries=balance([slot], 1.0))
                cells.append((slot, power, 1.0))
                powers.append((power, hours))
                if load.min_kw > 0.0:
                    switch = model.column(0.0, 1.0, integer=True)
                    model.row([(power, 1.0), (switch, -load.max_kw)], -HIGHS_INF, 0.0)
                    model.row([(power, 1.0), (switch, -load.min_kw)], 0.0, HIGHS_INF)
                    model.gates.append((power, switch))
            missed = model.column(penalty, load.energy_kwh)
            model.missed.append(missed)
            model.row([*powers, (missed, 1.0)], load.energy_kwh, load.energy_kwh)
            continue
        kw = load.power_kw
        if isinstance(load, DeferrableLoad):
            count = slot_count(load.energy_kwh, kw, hours)
            if count == 0:
                continue
            missed = model.column(penalty * count * kw * hours, 1.0)
            model.missed.append(missed)
            if load.one_block:
                starts = []
                for first in range(slots.start, slots.stop - count + 1):
                    run = range(first, first + count)
                    start = model.column(
                        0.0, 1.0, integer=True, entries=balance(run, kw)
                    )
                    cells += [(slot, start, kw) for slot in run]
                    starts.append((start, 1.0))
                model.row([*starts, (missed, 1.0)], 1.0, 1.0)
                continue
            on = [
                model.column(0.0, 1.0, integer=True, entries=balance([slot], kw))
                for slot in slots
            ]
            model.row([*((c, 1.0) for c in on), (missed, float(count))], count, count)
        else:
            on = [
                model.column(
                    -load.value_per_kwh * kw * hours,
                    1.0,
                    integer=True,
                    entries=balance([slot], kw),
                )
                for slot in slots
            ]
            model.row([(c, 1.0) for c in on], 0.0, optional_slots(load, hours))
        cells += [(slot, column, kw) for slot, column in zip(slots, on, strict=True)]
        _runs(model, on, run_slots(load.min_run_minutes, problem.slot_minutes))
    if (charge := problem.demand_charge) is not None:
        windows = measure_windows(charge, problem)
        for block in blocks:
            excess = model.column(block.weight * charge.price_per_kw, HIGHS_INF)
            for members in windows:
                share = 1.0 / len(members)
                model.row(
                    [
                        *((block.import_columns[slot], share) for slot in members),
                        (excess, -1.0),
                    ],
                    -HIGHS_INF,
                    charge.peak_so_far_kw,
                )
    return model


def apply(highs: Any, model: LoadColumns) -> None:
    """Add the columns (with their balance entries), integrality and rows to HiGHS."""
    count = len(model.cost)
    if not count:
        return
    lengths = [len(entries) for entries in model.entries]
    highs.addCols(
        count,
        np.array(model.cost),
        np.array(model.lower),
        np.minimum(np.array(model.upper), HIGHS_INF),
        sum(lengths),
        np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int32),
        np.array(
            [row for entries in model.entries for row, _ in entries], dtype=np.int32
        ),
        np.array([value for entries in model.entries for _, value in entries]),
    )
    if model.integer:
        highs.changeColsIntegrality(
            len(model.integer),
            np.array(model.integer, dtype=np.int32),
            np.ones(len(model.integer), dtype=np.uint8),
        )
    if not model.rows:
        return
    lengths = [len(entries) for entries, _, _ in model.rows]
    highs.addRows(
        len(model.rows),
        np.array([low for _, low, _ in model.rows], dtype=float),
        np.array([high for _, _, high in model.rows], dtype=float),
        sum(lengths),
        np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int32),
        np.array(
            [c for entries, _, _ in model.rows for c, _ in entries], dtype=np.int32
        ),
        np.array([v for entries, _, _ in model.rows for _, v in entries], dtype=float),
    )


def most_load_kw(problem: Problem) -> FloatArray:
    """Return the most kW the loads can draw together in each slot."""
    most = np.zeros(problem.horizon)
    for load in problem.loads:
        slots = window(load, problem)
        most[slots.start : slots.stop] += (
            load.max_kw if isinstance(load, ModulatingLoad) else load.power_kw
        )
    return most
