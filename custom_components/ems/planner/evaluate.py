"""Independent judge of a schedule (FORMAT.md "How a plan is judged").

Recomputes everything from `battery_kw` alone with plain arithmetic, slot by slot, and
shares no code with the solvers, so that a modelling mistake there shows up here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Problem

_KW_TOLERANCE = 1e-4
_KWH_TOLERANCE = 1e-4


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


def evaluate(problem: Problem, battery_kw: Sequence[float]) -> Evaluation:
    """Judge `battery_kw` (AC kW per slot, + charging) against `problem`."""
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
    taper = problem.charge_taper
    energy = capacity * battery.soc_percent / 100.0
    import_cost = export_revenue = wear = 0.0
    socs: list[float] = []
    violations: list[str] = []
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
        grid = load - pv + power
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
    return Evaluation(
        cost=import_cost - export_revenue + wear - terminal,
        import_cost=import_cost,
        export_revenue=export_revenue,
        cycle_cost=wear,
        terminal_value=terminal,
        soc_percent=tuple(socs),
        violations=tuple(violations),
    )
