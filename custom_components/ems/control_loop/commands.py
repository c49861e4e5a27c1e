"""What the control loop tells and reports: its settings, links and the report of a run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from homeassistant.core import HomeAssistant

from custom_components.ems.const import InverterType, OperatingMode
from custom_components.ems.core.config import EmsConfig, InverterConfig
from custom_components.ems.core.control import (
    Command,
    ControlSettings,
    HardwareLimits,
    SetMinSoc,
)
from custom_components.ems.core.control.link import FoxEssLink, InverterLink
from custom_components.ems.core.inverters.foxess import FoxEssClient
from custom_components.ems.planner import InverterMode

from .growatt import GrowattLink
from .settings import EmsSettings


@dataclass(frozen=True, kw_only=True, slots=True)
class ControlReport:
    """The last control run, as the control sensor shows it."""

    at: datetime
    action: str
    layer: str
    reason: str
    dry_run: bool
    writes: tuple[str, ...] = ()
    error: str | None = None


def describe_command(command: Command) -> str:
    """Return an inverter-neutral command as a user reads it (no inverter to write to)."""
    if isinstance(command, SetMinSoc):
        return f"min SoC {command.percent} %"
    power = f" {command.power_kw:g} kW" if command.power_kw is not None else ""
    return f"{command.mode.value.replace('_', ' ')}{power}"


def inverter_link(
    hass: HomeAssistant, inverter: InverterConfig, client: FoxEssClient | None
) -> InverterLink | None:
    """Return the link to the entry's inverter: Fox ESS (`client`), Growatt, or None."""
    if client is not None:
        return FoxEssLink(client)
    if inverter.type is InverterType.GROWATT and inverter.growatt_device:
        return GrowattLink(hass, inverter.growatt_device)
    return None


def hardware_limits(config: EmsConfig) -> HardwareLimits:
    """Return what the battery allows: SoC bounds and power limits."""
    battery = config.battery
    return HardwareLimits(
        min_soc_percent=battery.min_soc_percent,
        max_soc_percent=battery.max_soc_percent,
        max_charge_kw=battery.max_charge_kw,
        max_discharge_kw=battery.max_discharge_kw,
    )


def control_settings(config: EmsConfig, settings: EmsSettings) -> ControlSettings:
    """Return the control policy's settings from the configuration and the entities."""
    manual = (
        None
        if settings.mode is OperatingMode.AUTO
        else InverterMode(settings.mode.value)
    )
    reserve, name = settings.reserve_soc_percent, "storm reserve"
    if (storm := settings.storm) is not None and storm.soc_percent > reserve:
        reserve, name = storm.soc_percent, f"storm reserve for {storm.name}"
    return ControlSettings(
        limits=hardware_limits(config),
        manual_mode=manual,
        reserve_soc_percent=reserve if reserve > settings.min_soc_percent else None,
        reserve_name=name,
        min_soc_percent=settings.min_soc_percent,
    )
