"""The planner's typed input (Problem), which validates itself; its outputs are in result.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import math

import numpy as np
import numpy.typing as npt

from .errors import ProblemError, check
from .loads import DemandCharge, Load, validate_demand_charge, validate_loads
from .strategy import Strategy

type FloatArray = npt.NDArray[np.float64]

SLOT_MINUTES = (15, 30, 60)
NEGLIGIBLE = 1e-9


@dataclass(frozen=True, kw_only=True, slots=True)
class Battery:
    """The battery: capacity, state, limits, one-way efficiencies and wear cost."""

    capacity_kwh: float
    soc_percent: float
    min_soc_percent: float = 0.0
    max_soc_percent: float = 100.0
    max_charge_kw: float
    max_discharge_kw: float
    charge_efficiency: float = 1.0
    discharge_efficiency: float = 1.0
    cycle_cost_per_kwh: float = 0.0

    def kwh(self, percent: float) -> float:
        """Return the stored energy at a state of charge in percent."""
        return self.capacity_kwh * percent / 100.0


@dataclass(frozen=True, kw_only=True, slots=True)
class Grid:
    """Grid connection limits in kW; None means no limit."""

    max_import_kw: float | None = None
    max_export_kw: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ReserveWindow:
    """Keep at least `min_soc_percent` at every slot end within [start, end] (storm reserve)."""

    start: datetime
    end: datetime
    min_soc_percent: float


@dataclass(frozen=True, kw_only=True, slots=True)
class SocTarget:
    """Reach at least `soc_percent` by `by` ("80% by 07:00")."""

    soc_percent: float
    by: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class ChargeTaper:
    """Charge power falls linearly above `above_soc_percent` to `kw_at_max_soc` at max SoC."""

    above_soc_percent: float
    kw_at_max_soc: float


def _finite_series(name: str, values: Sequence[float]) -> tuple[float, ...]:
    try:
        series = np.array(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise ProblemError(f"{name} must be a list of numbers") from err
    if series.ndim != 1:
        raise ProblemError(f"{name} must be a list of numbers")
    bad = np.flatnonzero(~np.isfinite(series))
    if bad.size:
        raise ProblemError(f"{name}[{bad[0]}] is not a finite number")
    # Magnitudes this small are rounding noise; the solvers' tolerances choke on them.
    series[np.abs(series) < NEGLIGIBLE] = 0.0
    return tuple(series.tolist())


@dataclass(frozen=True, kw_only=True, slots=True)
class Problem:
    """One planning problem: aligned slot series, the battery, the grid and options."""

    start: datetime
    slot_minutes: int
    import_price: Sequence[float]
    export_price: Sequence[float]
    pv_kw: Sequence[float]
    load_kw: Sequence[float]
    battery: Battery
    grid: Grid = field(default_factory=Grid)
    terminal_value_per_kwh: float = 0.0
    reserve: ReserveWindow | None = None
    target: SocTarget | None = None
    charge_taper: ChargeTaper | None = None
    zero_export: bool = False
    loads: Sequence[Load] = ()
    demand_charge: DemandCharge | None = None
    strategy: Strategy = Strategy.COST

    def __post_init__(self) -> None:
        """Store series as tuples of floats and reject invalid input with ProblemError."""
        for name in ("import_price", "export_price", "pv_kw", "load_kw"):
            object.__setattr__(self, name, _finite_series(name, getattr(self, name)))
        check(
            self.strategy in set(Strategy),
            f"unknown strategy {self.strategy!r}: use " + ", ".join(Strategy),
        )
        object.__setattr__(self, "strategy", Strategy(self.strategy))
        object.__setattr__(self, "loads", tuple(self.loads))
        _validate(self)

    @property
    def horizon(self) -> int:
        """Return the number of slots."""
        return len(self.import_price)

    @property
    def slot_hours(self) -> float:
        """Return the slot length in hours."""
        return self.slot_minutes / 60.0

    def slot_start(self, index: int) -> datetime:
        """Return the start instant of slot `index` (an index of N means the end).

        Computed in UTC: slots are instants, also across a DST change.
        """
        instant = self.start.astimezone(UTC) + timedelta(
            minutes=self.slot_minutes * index
        )
        return instant.astimezone(self.start.tzinfo)


def _aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


def _validate(problem: Problem) -> None:
    check(_aware(problem.start), "start must carry a UTC offset")
    check(
        problem.slot_minutes in SLOT_MINUTES,
        f"slot_minutes must be one of 15, 30, 60, not {problem.slot_minutes}",
    )
    lengths = {
        name: len(getattr(problem, name))
        for name in ("import_price", "export_price", "pv_kw", "load_kw")
    }
    check(
        len(set(lengths.values())) == 1,
        "series lengths differ: "
        + ", ".join(f"{name}={size}" for name, size in lengths.items()),
    )
    check(problem.horizon > 0, "the series are empty")
    check(min(problem.pv_kw) >= 0.0, "pv_kw must not be negative")
    check(min(problem.load_kw) >= 0.0, "load_kw must not be negative")
    check(
        math.isfinite(problem.terminal_value_per_kwh),
        "terminal_value_per_kwh is not a finite number",
    )
    validate_battery(problem.battery)
    validate_loads(problem.loads)
    if problem.demand_charge is not None:
        validate_demand_charge(
            problem.demand_charge, problem.slot_minutes, problem.horizon
        )
    for name in ("max_import_kw", "max_export_kw"):
        limit = getattr(problem.grid, name)
        check(
            limit is None or (math.isfinite(limit) and limit >= 0.0),
            f"grid {name} must be null or a number >= 0",
        )
    _validate_options(problem)


def validate_battery(battery: Battery) -> None:
    """Raise ProblemError when a battery's numbers are not usable."""
    for name in (
        "capacity_kwh",
        "soc_percent",
        "min_soc_percent",
        "max_soc_percent",
        "max_charge_kw",
        "max_discharge_kw",
        "charge_efficiency",
        "discharge_efficiency",
        "cycle_cost_per_kwh",
    ):
        value = getattr(battery, name)
        check(
            isinstance(value, int | float) and math.isfinite(value),
            f"battery {name} is not a finite number",
        )
    check(battery.capacity_kwh > 0.0, "battery capacity_kwh must be positive")
    check(
        0.0 <= battery.min_soc_percent <= battery.max_soc_percent <= 100.0,
        f"battery SoC limits must satisfy 0 <= min ({battery.min_soc_percent}) "
        f"<= max ({battery.max_soc_percent}) <= 100",
    )
    check(
        0.0 <= battery.soc_percent <= 100.0, "battery soc_percent must be within 0..100"
    )
    check(
        battery.max_charge_kw >= 0.0 and battery.max_discharge_kw >= 0.0,
        "battery power limits must not be negative",
    )
    check(
        0.0 < battery.charge_efficiency <= 1.0
        and 0.0 < battery.discharge_efficiency <= 1.0,
        "battery efficiencies must be within (0, 1]",
    )
    check(battery.cycle_cost_per_kwh >= 0.0, "cycle_cost_per_kwh must not be negative")


def _validate_options(problem: Problem) -> None:
    battery = problem.battery
    if (reserve := problem.reserve) is not None:
        check(
            _aware(reserve.start)
            and _aware(reserve.end)
            and reserve.start <= reserve.end,
            "reserve needs aware start <= end",
        )
        check(
            0.0 <= reserve.min_soc_percent <= battery.max_soc_percent,
            "reserve min_soc_percent must be within 0..max_soc_percent",
        )
    if (taper := problem.charge_taper) is not None:
        check(
            battery.min_soc_percent
            <= taper.above_soc_percent
            < battery.max_soc_percent,
            "charge_taper above_soc_percent must be within min..max SoC",
        )
        check(
            0.0 <= taper.kw_at_max_soc <= battery.max_charge_kw,
            "charge_taper kw_at_max_soc must be within 0..max_charge_kw",
        )
    if (target := problem.target) is not None:
        check(_aware(target.by), "target time must carry a UTC offset")
        check(
            0.0 <= target.soc_percent <= battery.max_soc_percent,
            "target soc_percent must be within 0..max_soc_percent",
        )
        slot = target_slot(problem)
        if slot is not None:
            reachable = max_reachable_kwh(problem)[slot]
            wanted = battery.kwh(target.soc_percent)
            check(
                wanted <= reachable + 1e-6,
                f"infeasible target: {target.soc_percent:g}% by "
                f"{target.by.isoformat()} needs {wanted:.2f} kWh but at most "
                f"{reachable:.2f} kWh can be stored by then",
            )


@dataclass(frozen=True, kw_only=True, slots=True)
class Scenario:
    """Another PV and load the future may bring, and how likely it is (0..1)."""

    weight: float
    pv_kw: Sequence[float]
    load_kw: Sequence[float]


def grid_caps(problem: Problem) -> tuple[FloatArray, FloatArray]:
    """Return import and export caps per slot (the house's own net load always fits)."""
    net = np.asarray(problem.load_kw) - np.asarray(problem.pv_kw)
    size = problem.horizon
    max_import = problem.grid.max_import_kw
    import_cap = (
        np.full(size, np.inf) if max_import is None else np.maximum(max_import, net)
    )
    max_export = problem.grid.max_export_kw
    export_cap = np.full(size, np.inf if max_export is None else max_export)
    if problem.zero_export:
        export_cap[np.asarray(problem.export_price) < 0.0] = 0.0
    return import_cap, export_cap


def taper_line(problem: Problem) -> tuple[float, float]:
    """Return the charge taper's knee (kWh) and slope (kW per kWh above it)."""
    battery = problem.battery
    taper = problem.charge_taper
    if taper is None:
        return battery.capacity_kwh, 0.0
    knee = battery.kwh(taper.above_soc_percent)
    span = battery.kwh(battery.max_soc_percent) - knee
    return knee, (battery.max_charge_kw - taper.kw_at_max_soc) / span


def reach_kwh(problem: Problem, import_cap: FloatArray) -> FloatArray:
    """Return the most energy the battery can hold at each slot end (taper and fuse)."""
    battery = problem.battery
    hours = problem.slot_hours
    knee, slope = taper_line(problem)
    ceiling = max(
        battery.kwh(battery.max_soc_percent), battery.kwh(battery.soc_percent)
    )
    headroom = import_cap - np.asarray(problem.load_kw) + np.asarray(problem.pv_kw)
    stored = battery.kwh(battery.soc_percent)
    if slope == 0.0:  # no taper: the charge power does not depend on what is stored
        power = np.clip(headroom, 0.0, battery.max_charge_kw)
        gained: FloatArray = np.cumsum(power * battery.charge_efficiency * hours)
        return np.minimum(stored + gained, ceiling)
    reach = np.empty(problem.horizon)
    for index in range(problem.horizon):
        cap = battery.max_charge_kw - slope * max(stored - knee, 0.0)
        power = max(min(cap, battery.max_charge_kw, headroom[index]), 0.0)
        stored = min(stored + power * battery.charge_efficiency * hours, ceiling)
        reach[index] = stored
    return reach


def max_reachable_kwh(problem: Problem) -> FloatArray:
    """Return the most energy the battery can hold at each slot end."""
    return reach_kwh(problem, grid_caps(problem)[0])


def target_slot(problem: Problem) -> int | None:
    """Return the last slot ending by the target time, or None (no target, or outside)."""
    target = problem.target
    if target is None:
        return None
    seconds = target.by.timestamp() - problem.start.timestamp()
    index = int(seconds // (problem.slot_minutes * 60)) - 1
    return index if 0 <= index < problem.horizon else None
