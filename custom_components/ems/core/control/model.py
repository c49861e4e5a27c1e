"""The control policy's typed inputs and outputs: state, settings, override, memory, commands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from custom_components.ems.planner.result import InverterMode

# Modes that move the battery at a power `ems` sets (Fox ESS: remote control).
POWERED_MODES = frozenset({InverterMode.FORCE_CHARGE, InverterMode.FORCE_DISCHARGE})


class Layer(StrEnum):
    """The layer of the safety hierarchy that decided, highest priority first."""

    SAFETY = "safety"
    RESERVE = "reserve"
    CRITICAL = "critical"
    OVERRIDE = "override"
    PLAN = "plan"
    SELF_USE = "self_use"


class Threshold(StrEnum):
    """SoC thresholds that latch, so that a noisy SoC cannot flip the mode."""

    FULL = "full"  # at the hardware maximum: no charging
    EMPTY = "empty"  # at the hardware minimum: no discharging
    RESERVE = "reserve"  # below the storm reserve: charging back
    CRITICAL = "critical"  # below the user's minimum: charging back


class OverrideError(ValueError):
    """An override the user may not set; `key` is the translation key, `placeholders` its values."""

    def __init__(self, key: str, message: str, **placeholders: str) -> None:
        """Keep the translation key and its placeholders next to the English message."""
        super().__init__(message)
        self.key = key
        self.placeholders = placeholders


@dataclass(frozen=True, kw_only=True, slots=True)
class SetMode:
    """Run the inverter in `mode`; `power_kw` is the battery power for charge/discharge, else None.

    In self use (and zero export) `max_charge_kw` / `max_discharge_kw` cap the battery
    where the plan keeps it from storing all the surplus or covering all the deficit
    (0: not at all); None leaves the inverter's own limit.
    """

    mode: InverterMode
    power_kw: float | None = None
    max_charge_kw: float | None = None
    max_discharge_kw: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class SetMinSoc:
    """Never discharge below `percent` while the grid is up."""

    percent: int


type Command = SetMode | SetMinSoc


@dataclass(frozen=True, kw_only=True, slots=True)
class ControlState:
    """The house as measured now (kW, + battery charging, + grid import)."""

    soc_percent: float | None
    # False right after start-up or a source's return, until the reading has settled
    # (core.control.confirm): reserve and critical charging wait for a confirmed SoC.
    soc_confirmed: bool = True
    pv_kw: float | None = None
    load_kw: float | None = None
    grid_kw: float | None = None
    battery_kw: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class HardwareLimits:
    """What the battery and inverter allow."""

    min_soc_percent: float = 0.0
    max_soc_percent: float = 100.0
    max_charge_kw: float
    max_discharge_kw: float


@dataclass(frozen=True, kw_only=True, slots=True)
class ControlSettings:
    """The user's settings.

    `manual_mode` is the mode select (None for `auto`); `reserve_soc_percent` the storm
    reserve (None when no storm is expected), named in reasons by `reserve_name`;
    `min_soc_percent` the user's critical minimum.
    """

    limits: HardwareLimits
    manual_mode: InverterMode | None = None
    reserve_soc_percent: float | None = None
    reserve_name: str = "storm reserve"
    min_soc_percent: float = 10.0
    recovery_charge_kw: float = 1.0  # charge power back up to the critical minimum
    hysteresis_percent: float = 2.0
    dwell: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, kw_only=True, slots=True)
class Override:
    """A manual override from the `ems.override` service, until `until` or `target_soc_percent`."""

    mode: InverterMode
    until: datetime
    power_kw: float | None = None
    target_soc_percent: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ControllerMemory:
    """What the controller remembers between runs: the last mode, since when, latched thresholds."""

    command: SetMode | None = None
    since: datetime | None = None
    layer: Layer | None = None
    latched: frozenset[Threshold] = frozenset()


@dataclass(frozen=True, kw_only=True, slots=True)
class Decision:
    """What to tell the inverter, which layer decided and why, and the memory to keep."""

    commands: tuple[Command, ...]
    layer: Layer
    reason: str
    memory: ControllerMemory
    override_ended: bool = False

    @property
    def mode_command(self) -> SetMode:
        """Return the SetMode command (every decision has one)."""
        return next(c for c in self.commands if isinstance(c, SetMode))
