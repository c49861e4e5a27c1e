"""Values the Fox ESS client returns and takes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .registers import WorkMode


@dataclass(frozen=True, kw_only=True, slots=True)
class InverterInfo:
    """What `async_identify` found: model string, profile name, serial and firmware."""

    model: str
    profile: str
    serial: str | None
    firmware: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class Telemetry:
    """One reading of the house as the inverter sees it."""

    soc_percent: float
    pv_kw: float
    grid_kw: float  # + import, - export
    battery_kw: float  # + charge, - discharge
    load_kw: float
    battery_voltage_v: float | None = None  # None: no battery reported (0 V or less)


@dataclass(frozen=True, kw_only=True, slots=True)
class InverterSettings:
    """Settings as the inverter reports them; `work_mode` is None for modes `ems` does not use."""

    work_mode: WorkMode | None
    min_soc_percent: int
    min_soc_on_grid_percent: int
    max_charge_current_a: float
    max_discharge_current_a: float


@dataclass(frozen=True, kw_only=True, slots=True)
class RemoteControlState:
    """Remote control as the inverter reports it.

    `ours` is True when this client enabled it, or when its watchdog timeout carries this
    client's signature (the configured `watchdog_seconds`): left over from before a restart.
    """

    enabled: bool
    timeout_seconds: int
    active_power_w: int  # + export / discharge, - import / charge
    ours: bool


class LeftoverRemoteControl(StrEnum):
    """Outcome of the start-up check for remote control left enabled."""

    NONE = "none"
    OURS = "ours"  # left on by EMS before a restart or reload (its watchdog signature)
    FOREIGN = "foreign"  # enabled by another program (the Fox app, foxess_modbus)
