"""Controllable loads: what they are, what is read of them, and what is decided (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class LoadKind(StrEnum):
    """How a load is planned (FORMAT.md's `loads`) and switched."""

    DEFERRABLE = (
        "deferrable"  # an appliance: on/off at its power, an energy in a window
    )
    MODULATING = "modulating"  # an EV charger: 0 or a current between its limits
    OPTIONAL = "optional"  # SG-Ready boost or a water heater: worth a value per kWh


class LoadMode(StrEnum):
    """What the user asks of a load; `auto` follows the plan within the rules."""

    AUTO = "auto"
    OFF = "off"
    ON = "on"
    BOOST = "boost"  # SG-Ready: the heat pump's boost input


class SgReady(StrEnum):
    """The SG-Ready states EMS uses (one or two relays)."""

    NORMAL = "normal"
    BOOST = "boost"
    BLOCK = "block"


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadSpec:
    """One load as the user described it (kW, minutes, %)."""

    load_id: str
    name: str
    kind: LoadKind
    power_kw: float = 0.0  # deferrable and optional: the power when on
    min_kw: float = 0.0  # modulating: the lowest charging power
    max_kw: float = 0.0  # modulating: the highest charging power
    volts: float = 230.0
    phases: int = 1
    min_current_a: float = 6.0
    max_current_a: float = 16.0
    priority: int = 1  # 1 first: the first to start and the last to stop
    min_run: timedelta = timedelta(minutes=15)
    min_off: timedelta = timedelta(minutes=5)
    # Below this battery SoC the load does not start on its own (None: no gate).
    soc_gate_percent: float | None = None
    # Without a plan for it: start when exporting more than this for `on_delay`, stop
    # when importing for `off_delay` (None: only the plan starts it).
    export_start_kw: float | None = None
    on_delay: timedelta = timedelta(minutes=2)
    off_delay: timedelta = timedelta(minutes=5)
    # A switch changed by hand is left alone this long.
    manual_hold: timedelta = timedelta(hours=1)


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadReading:
    """What Home Assistant shows of a load now; None where it is unknown."""

    switched_on: bool | None
    power_kw: float | None = None
    current_a: float | None = None
    plugged_in: bool | None = None  # EV: the car is connected (None: no sensor)


@dataclass(frozen=True, kw_only=True, slots=True)
class HouseNow:
    """The house around the loads: battery SoC, grid (+ import) and PV, kW."""

    soc_percent: float | None
    grid_kw: float | None
    # The inverter's AC output limit: an EV charging from the battery and PV cannot get
    # more than this minus the rest of the house (None: no limit).
    inverter_ac_kw: float | None = None
    load_kw: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadMemory:
    """What a load's rules remember between decisions."""

    commanded_on: bool | None = None
    changed_at: datetime | None = None
    manual_until: datetime | None = None
    surplus_since: datetime | None = None
    deficit_since: datetime | None = None
    idle_since: datetime | None = None  # commanded on, drawing nothing


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadCommand:
    """Switch a load, and for an EV set the charging current or for SG-Ready a state."""

    load_id: str
    on: bool
    current_a: float | None = None
    sg_ready: SgReady | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadStatus:
    """A load's decision as the user reads it."""

    load_id: str
    on: bool
    reason: str
    planned_kw: float
    # Events worth the logbook: switched by hand, car not drawing, emergency brake.
    events: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadsDecision:
    """The commands to send (only changes), the status of every load, the memory."""

    commands: tuple[LoadCommand, ...]
    status: tuple[LoadStatus, ...]
    memory: dict[str, LoadMemory] = field(default_factory=dict)
