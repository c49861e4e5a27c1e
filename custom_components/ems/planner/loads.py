"""Controllable loads and the demand charge (FORMAT.md's optional problem sections).

The sections validate through `validate_loads` and `validate_demand_charge` (called by
Problem); the helpers put them on the slots: a load's window, its whole slots and run
length, and the demand charge's measure windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
import math
from typing import ClassVar, Protocol

from .errors import check

_SLOT_TOLERANCE = 1e-9


class Horizon(Protocol):
    """The slots a section is put on (a Problem)."""

    @property
    def start(self) -> datetime:
        """Start of the first slot."""

    @property
    def slot_minutes(self) -> int:
        """Slot length."""

    @property
    def horizon(self) -> int:
        """Number of slots."""


@dataclass(frozen=True, kw_only=True, slots=True)
class DeferrableLoad:
    """Runs at exactly `power_kw` until `energy_kwh` (whole slots) within [earliest, latest).

    Each run lasts at least `min_run_minutes`; `one_block` makes it one single run.
    """

    kind: ClassVar[str] = "deferrable"
    id: str
    power_kw: float
    energy_kwh: float
    earliest: datetime
    latest: datetime
    min_run_minutes: float = 0.0
    one_block: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class ModulatingLoad:
    """Off or any power in [min_kw, max_kw]; delivers `energy_kwh` within [earliest, latest)."""

    kind: ClassVar[str] = "modulating"
    id: str
    min_kw: float
    max_kw: float
    energy_kwh: float
    earliest: datetime
    latest: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class OptionalLoad:
    """May run at `power_kw` for up to `max_energy_kwh`, each kWh worth `value_per_kwh`.

    The window is the whole horizon unless `earliest` / `latest` narrow it.
    """

    kind: ClassVar[str] = "optional"
    id: str
    power_kw: float
    max_energy_kwh: float
    value_per_kwh: float
    min_run_minutes: float = 0.0
    earliest: datetime | None = None
    latest: datetime | None = None


type Load = DeferrableLoad | ModulatingLoad | OptionalLoad


@dataclass(frozen=True, kw_only=True, slots=True)
class DemandCharge:
    """`price_per_kw` on the highest average import over `measure_minutes`.

    Only windows with a `counted` slot count (all when None); only the increase above
    `peak_so_far_kw` costs. Windows follow the clock of `start`'s offset; one cut by
    the horizon averages the slots it has.
    """

    price_per_kw: float
    peak_so_far_kw: float = 0.0
    measure_minutes: int = 15
    counted: tuple[bool, ...] | None = None


def _finite(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _aware(moment: object) -> bool:
    return isinstance(moment, datetime) and moment.utcoffset() is not None


def validate_loads(loads: Sequence[Load]) -> None:
    """Raise ProblemError when a load's numbers, window or id are not usable."""
    ids = [load.id for load in loads]
    for load in loads:
        name = f"load {load.id!r}"
        check(
            isinstance(load, DeferrableLoad | ModulatingLoad | OptionalLoad),
            f"loads must be deferrable, modulating or optional, not {load!r}",
        )
        check(isinstance(load.id, str) and load.id != "", "a load needs an id")
        check(ids.count(load.id) == 1, f"{name} appears more than once")
        numbers = {
            field: getattr(load, field)
            for field in (
                "power_kw",
                "energy_kwh",
                "min_kw",
                "max_kw",
                "max_energy_kwh",
                "value_per_kwh",
                "min_run_minutes",
            )
            if hasattr(load, field)
        }
        for field, value in numbers.items():
            check(_finite(value), f"{name}: {field} is not a finite number")
            check(
                field == "value_per_kwh" or value >= 0.0,
                f"{name}: {field} must not be negative",
            )
        for field in ("earliest", "latest"):
            moment = getattr(load, field)
            check(
                _aware(moment) or (moment is None and isinstance(load, OptionalLoad)),
                f"{name}: {field} must be a time with a UTC offset",
            )
        if load.earliest is not None and load.latest is not None:
            check(
                load.earliest < load.latest,
                f"{name}: earliest must come before latest",
            )
        if isinstance(load, ModulatingLoad):
            check(
                load.max_kw > 0.0 and load.min_kw <= load.max_kw,
                f"{name}: needs 0 <= min_kw <= max_kw and max_kw > 0",
            )
            continue
        check(load.power_kw > 0.0, f"{name}: power_kw must be positive")
        if isinstance(load, DeferrableLoad):
            shortest = load.power_kw * load.min_run_minutes / 60.0
            check(
                load.energy_kwh == 0.0 or load.energy_kwh >= shortest - _SLOT_TOLERANCE,
                f"{name}: energy_kwh {load.energy_kwh:g} is less than one run of "
                f"{load.min_run_minutes:g} minutes at {load.power_kw:g} kW",
            )


def validate_demand_charge(charge: DemandCharge, slot_minutes: int, size: int) -> None:
    """Raise ProblemError when the demand charge does not fit the slots."""
    for field in ("price_per_kw", "peak_so_far_kw"):
        value = getattr(charge, field)
        check(
            _finite(value) and value >= 0.0,
            f"demand_charge {field} must be a number >= 0",
        )
    measure = charge.measure_minutes
    check(
        isinstance(measure, int)
        and measure > 0
        and (measure % slot_minutes == 0 or slot_minutes % measure == 0),
        f"demand_charge measure_minutes ({measure}) must be a multiple or a divisor "
        f"of slot_minutes ({slot_minutes})",
    )
    counted = charge.counted
    check(
        counted is None
        or (len(counted) == size and all(isinstance(c, bool) for c in counted)),
        f"demand_charge counted must be {size} true/false values, one per slot",
    )


def window(load: Load, slots: Horizon) -> range:
    """Return the slots lying wholly within the load's [earliest, latest)."""
    seconds = slots.slot_minutes * 60
    first, last = 0, slots.horizon
    if load.earliest is not None:
        offset = (load.earliest - slots.start).total_seconds() / seconds
        first = max(first, math.ceil(offset - _SLOT_TOLERANCE))
    if load.latest is not None:
        offset = (load.latest - slots.start).total_seconds() / seconds
        last = min(last, math.floor(offset + _SLOT_TOLERANCE))
    return range(first, max(first, last))


def run_slots(min_run_minutes: float, slot_minutes: int) -> int:
    """Return the fewest slots a run lasts (at least one)."""
    return max(1, math.ceil(min_run_minutes / slot_minutes - _SLOT_TOLERANCE))


def slot_count(energy_kwh: float, power_kw: float, hours: float) -> int:
    """Return the whole slots at `power_kw` that deliver `energy_kwh` (rounded up)."""
    return max(0, math.ceil(energy_kwh / (power_kw * hours) - _SLOT_TOLERANCE))


def optional_slots(load: OptionalLoad, hours: float) -> int:
    """Return the most slots an optional load may run within its energy."""
    return math.floor(load.max_energy_kwh / (load.power_kw * hours) + _SLOT_TOLERANCE)


def required_kwh(load: Load, hours: float) -> float:
    """Return the energy a load must get: whole slots for a deferrable, 0 if optional."""
    if isinstance(load, DeferrableLoad):
        return slot_count(load.energy_kwh, load.power_kw, hours) * load.power_kw * hours
    if isinstance(load, ModulatingLoad):
        return load.energy_kwh
    return 0.0


def measure_windows(charge: DemandCharge, slots: Horizon) -> list[list[int]]:
    """Return the counted measure windows, each as its slots in the horizon."""
    offset = slots.start.utcoffset()
    local = slots.start.timestamp() + (offset.total_seconds() if offset else 0.0)
    groups: dict[int, list[int]] = {}
    for index in range(slots.horizon):
        moment = local + index * slots.slot_minutes * 60
        groups.setdefault(int(moment // (charge.measure_minutes * 60)), []).append(
            index
        )
    counted = charge.counted
    return [
        members
        for members in groups.values()
        if counted is None or any(counted[index] for index in members)
    ]
