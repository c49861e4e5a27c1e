"""Independent judge of a schedule (FORMAT.md "How a plan is judged").

Recomputes everything from `battery_kw` (and the controllable loads' kW) with plain
arithmetic, slot by slot, and shares no code with the solvers, so that a modelling
mistake there shows up here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import itertools
import math
from typing import TYPE_CHECKING

from .loads import Load, ModulatingLoad, OptionalLoad

if TYPE_CHECKING:
    from .model import Problem

_KW_TOLERANCE = 1e-4
_KWH_TOLERANCE = 1e-4
_LOAD_KWH_TOLERANCE = 1e-6


@dataclass(frozen=True, kw_only=True, slots=True)
class Evaluation:
    """The money a schedule makes and every limit it breaks."""

    cost: float
    import_cost: float
    export_revenue: float
    cycle_cost: float
    terminal_value: float
    soc_percent: tuple[float, ...]
    violations: tuple[str, ...]
    load_value: float = 0.0  # what the optional loads' energy is worth
    demand_charge: float = 0.0
    peak_import_kw: float = 0.0  # highest mean import over a counted window
    # The strategies' measures (strategy.py): the highest import of any slot, the sum
    # of |grid_t - grid_t-1| before curtailment, and the energy the battery charged
    # beyond the PV surplus or discharged beyond the house's deficit (both kWh).
    highest_import_kw: float = 0.0
    grid_variation_kw: float = 0.0
    grid_charged_kwh: float = 0.0
    battery_exported_kwh: float = 0.0

    @property
    def feasible(self) -> bool:
        """Return True when no limit is broken."""
        return not self.violations


def _floors(problem: Problem) -> list[tuple[float, str]]:
    """SoC floor (percent) at each slot end, with what imposes it."""
    battery = problem.battery
    floors = [(battery.min_soc_percent, "min SoC")] * problem.horizon
    step = problem.slot_minutes * 60
    for index in range(problem.horizon):
        end = problem.start.timestamp() + step * (index + 1)
        reserve = problem.reserve
        if (
            reserve is not None
            and reserve.start.timestamp() <= end <= reserve.end.timestamp()
            and reserve.min_soc_percent > floors[index][0]
        ):
            floors[index] = (reserve.min_soc_percent, "reserve")
    target = problem.target
    if target is not None:
        ends = [
            problem.start.timestamp() + step * (i + 1) for i in range(problem.horizon)
        ]
        due = [i for i, end in enumerate(ends) if end <= target.by.timestamp()]
        if due and ends[-1] > target.by.timestamp() - step:
            last = due[-1]
            if target.soc_percent > floors[last][0]:
                floors[last] = (target.soc_percent, "target")
    return floors


def evaluate(
    problem: Problem,
    battery_kw: Sequence[float],
    loads_kw: Mapping[str, Sequence[float]] | None = None,
) -> Evaluation:
    """Judge `battery_kw` (AC kW per slot, + charging) against `problem`.

    `loads_kw`: kW per slot of each controllable load, by id (missing: never on).
    """
    battery = problem.battery
    hours = problem.slot_minutes / 60.0
    capacity = battery.capacity_kwh
    if len(battery_kw) != problem.horizon:
        return Evaluation(
            cost=float("inf"),
            import_cost=0.0,
            export_revenue=0.0,
            cycle_cost=0.0,
            terminal_value=0.0,
            soc_percent=(),
            violations=(
                f"{len(battery_kw)} slots for a {problem.horizon}-slot problem",
            ),
        )
    floors = _floors(problem)
    loads, load_value, violations = _judge_loads(problem, loads_kw or {})
    imports: list[float] = []
    nets: list[float] = []
    grid_charged = battery_exported = 0.0
    taper = problem.charge_taper
    energy = capacity * battery.soc_percent / 100.0
    import_cost = export_revenue = wear = 0.0
    socs: list[float] = []
    for i, power in enumerate(battery_kw):
        charge_limit = battery.max_charge_kw
        if taper is not None and energy > capacity * taper.above_soc_percent / 100.0:
            knee = capacity * taper.above_soc_percent / 100.0
            top = capacity * battery.max_soc_percent / 100.0
            fall = (battery.max_charge_kw - taper.kw_at_max_soc) * (energy - knee)
            charge_limit = max(battery.max_charge_kw - fall / (top - knee), 0.0)
        if power > charge_limit + _KW_TOLERANCE:
            violations.append(f"slot {i}: charge {power:.3f} kW > {charge_limit:.3f}")
        if -power > battery.max_discharge_kw + _KW_TOLERANCE:
            violations.append(f"slot {i}: discharge {-power:.3f} kW too high")
        if power >= 0.0:
            energy += power * battery.charge_efficiency * hours
        else:
            energy += power / battery.discharge_efficiency * hours
            wear += -power * hours * battery.cycle_cost_per_kwh
        soc = 100.0 * energy / capacity
        socs.append(soc)
        floor, source = floors[i]
        if energy < capacity * floor / 100.0 - _KWH_TOLERANCE:
            violations.append(f"slot {i}: SoC {soc:.2f}% below {source} {floor:g}%")
        if energy > capacity * battery.max_soc_percent / 100.0 + _KWH_TOLERANCE:
            violations.append(f"slot {i}: SoC {soc:.2f}% above max")
        pv, load = problem.pv_kw[i], problem.load_kw[i]
        if power > 0.0:
            grid_charged += max(power - max(pv - load, 0.0), 0.0) * hours
        else:
            battery_exported += max(-power - max(load - pv, 0.0), 0.0) * hours
        grid = load + loads[i] - pv + power
        imports.append(max(grid, 0.0))
        nets.append(grid)
        if grid >= 0.0:
            limit = problem.grid.max_import_kw
            if limit is not None and grid > max(limit, load - pv) + _KW_TOLERANCE:
                violations.append(f"slot {i}: import {grid:.3f} kW over the fuse")
            import_cost += grid * problem.import_price[i] * hours
            continue
        price = problem.export_price[i]
        exported = -grid
        cap = problem.grid.max_export_kw
        if price < 0.0:
            exported -= min(pv, exported)
        elif cap is not None and exported > cap:
            exported -= min(pv, exported - cap)
        if cap is not None and exported > cap + _KW_TOLERANCE:
            violations.append(f"slot {i}: export {exported:.3f} kW over the limit")
        if problem.zero_export and price < 0.0 and exported > _KW_TOLERANCE:
            violations.append(f"slot {i}: exports {exported:.3f} kW in zero-export")
        export_revenue += exported * price * hours
    terminal = energy * problem.terminal_value_per_kwh
    peak, charge = _demand_charge(problem, imports)
    return Evaluation(
        cost=import_cost - export_revenue + wear - terminal - load_value + charge,
        import_cost=import_cost,
        export_revenue=export_revenue,
        cycle_cost=wear,
        terminal_value=terminal,
        soc_percent=tuple(socs),
        violations=tuple(violations),
        load_value=load_value,
        demand_charge=charge,
        peak_import_kw=peak,
        highest_import_kw=max(imports),
        grid_variation_kw=sum(abs(b - a) for a, b in itertools.pairwise(nets)),
        grid_charged_kwh=grid_charged,
        battery_exported_kwh=battery_exported,
    )


def _judge_loads(
    problem: Problem, loads_kw: Mapping[str, Sequence[float]]
) -> tuple[list[float], float, list[str]]:
    """Return the loads' kW per slot, the optional loads' value and what breaks."""
    size = problem.horizon
    total = [0.0] * size
    value = 0.0
    violations = [
        f"load {name!r} is not in the problem"
        for name in sorted(set(loads_kw) - {load.id for load in problem.loads})
    ]
    for load in problem.loads:
        series = [float(kw) for kw in loads_kw.get(load.id, [0.0] * size)]
        if len(series) != size:
            violations.append(f"{load.id}: {len(series)} slots, not {size}")
            continue
        violations += _judge_load(problem, load, series)
        for i, kw in enumerate(series):
            total[i] += kw
        if isinstance(load, OptionalLoad):
            value += load.value_per_kwh * sum(series) * problem.slot_minutes / 60.0
    return total, value, violations


def _inside(problem: Problem, load: Load, i: int) -> bool:
    """Return True when slot i lies wholly within the load's window."""
    start = problem.start.timestamp() + problem.slot_minutes * 60 * i
    end = start + problem.slot_minutes * 60
    after = load.earliest is None or start >= load.earliest.timestamp() - 1e-6
    before = load.latest is None or end <= load.latest.timestamp() + 1e-6
    return after and before


def _judge_load(problem: Problem, load: Load, series: list[float]) -> list[str]:
    """Check one load's window, powers, runs and energy."""
    hours = problem.slot_minutes / 60.0
    found: list[str] = []
    runs: list[int] = []  # length of each run, in order
    running = False
    for i, kw in enumerate(series):
        on = kw > _KW_TOLERANCE
        if kw < -_KW_TOLERANCE:
            found.append(f"slot {i}: {load.id} at {kw:.3f} kW, below zero")
        if on and not _inside(problem, load, i):
            found.append(f"slot {i}: {load.id} runs outside its window")
        if isinstance(load, ModulatingLoad):
            if (
                on
                and not load.min_kw - _KW_TOLERANCE <= kw <= load.max_kw + _KW_TOLERANCE
            ):
                found.append(
                    f"slot {i}: {load.id} at {kw:.3f} kW, outside "
                    f"{load.min_kw:g}..{load.max_kw:g}"
                )
        elif on and abs(kw - load.power_kw) > _KW_TOLERANCE:
            found.append(f"slot {i}: {load.id} at {kw:.3f} kW, not {load.power_kw:g}")
        if on and running:
            runs[-1] += 1
        elif on:
            runs.append(1)
        running = on
    energy = sum(series) * hours
    if isinstance(load, ModulatingLoad):
        needed = load.energy_kwh
    else:
        shortest = max(1, math.ceil(load.min_run_minutes / problem.slot_minutes - 1e-9))
        if any(length < shortest for length in runs):
            found.append(
                f"{load.id}: a run is shorter than {load.min_run_minutes:g} min"
            )
        if isinstance(load, OptionalLoad):
            if energy > load.max_energy_kwh + _LOAD_KWH_TOLERANCE:
                found.append(
                    f"{load.id}: {energy:.3f} kWh, more than {load.max_energy_kwh:g}"
                )
            return found
        if load.one_block and len(runs) > 1:
            found.append(f"{load.id}: {len(runs)} runs, not one block")
        slot_kwh = load.power_kw * hours
        needed = math.ceil(load.energy_kwh / slot_kwh - 1e-9) * slot_kwh
    if abs(energy - needed) > _LOAD_KWH_TOLERANCE * max(1.0, needed):
        found.append(f"{load.id}: {energy:.4f} kWh delivered, {needed:.4f} required")
    return found


def _demand_charge(problem: Problem, imports: list[float]) -> tuple[float, float]:
    """Return the peak mean import over the counted windows and what its rise costs."""
    charge = problem.demand_charge
    if charge is None or len(imports) != problem.horizon:
        return 0.0, 0.0
    offset = problem.start.utcoffset()
    shift = offset.total_seconds() if offset is not None else 0.0
    windows: dict[int, list[int]] = {}
    for i in range(problem.horizon):
        local = problem.start.timestamp() + shift + problem.slot_minutes * 60 * i
        windows.setdefault(
            math.floor(local / (charge.measure_minutes * 60)), []
        ).append(i)
    peak = 0.0
    for members in windows.values():
        if charge.counted is None or any(charge.counted[i] for i in members):
            peak = max(peak, sum(imports[i] for i in members) / len(members))
    return peak, charge.price_per_kw * max(0.0, peak - charge.peak_so_far_kw)
