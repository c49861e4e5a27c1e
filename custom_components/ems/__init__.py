"""EMS: plans and runs a home battery for money."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import CONF_MIN_SOC, DOMAIN
from .coordinator import EmsConfigEntry, EmsCoordinator, EmsRuntimeData, EmsSettings
from .services import async_setup_services

PLATFORMS: list[Platform] = [
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the EMS actions."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: EmsConfigEntry) -> bool:
    """Set up one battery system from a config entry."""
    coordinator = EmsCoordinator(hass, entry)
    min_soc = float(entry.options[CONF_MIN_SOC])
    entry.runtime_data = EmsRuntimeData(
        coordinator=coordinator,
        settings=EmsSettings(
            # No reserve above the minimum until the user sets one.
            reserve_soc_percent=min_soc,
            min_soc_percent=min_soc,
        ),
    )
    await coordinator.async_config_entry_first_refresh()
    entry.async_on_unload(coordinator.async_start())
    entry.async_on_unload(entry.add_update_listener(_async_reload_entry))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: EmsConfigEntry) -> bool:
    """Unload a config entry."""
    if entry.runtime_data.cancel_override_timer is not None:
        entry.runtime_data.cancel_override_timer()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def _async_reload_entry(hass: HomeAssistant, entry: EmsConfigEntry) -> None:
    """Apply changed options or a reconfigured inverter by reloading."""
    await hass.config_entries.async_reload(entry.entry_id)
