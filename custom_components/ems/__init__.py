"""EMS: plans and runs a home battery for money."""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_HOST, CONF_PORT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import ConfigType

from .books.keeper import STORAGE_VERSION, EmsAccounting, storage_key
from .const import (
    CONF_INVERTER_MODEL,
    CONF_INVERTER_TYPE,
    CONF_MIN_SOC,
    CONF_UNIT_ID,
    DOMAIN,
    InverterType,
)
from .control_loop.controller import EmsController
from .control_loop.events import EventLog
from .coordinator import EmsConfigEntry, EmsCoordinator, EmsRuntimeData, EmsSettings
from .core.inverters.foxess import FoxEssClient
from .services import async_setup_services

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
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
    client = _foxess_client(entry)
    entry.runtime_data = EmsRuntimeData(
        coordinator=coordinator,
        settings=EmsSettings(
            # No reserve above the minimum until the user sets one.
            reserve_soc_percent=min_soc,
            min_soc_percent=min_soc,
        ),
        inverter=client,
    )
    accounting = EmsAccounting(hass, entry, coordinator)
    await accounting.async_load()
    entry.runtime_data.accounting = accounting
    await coordinator.async_config_entry_first_refresh()
    entry.async_on_unload(coordinator.async_start())
    entry.async_on_unload(accounting.async_start())
    entry.async_on_unload(entry.add_update_listener(_async_reload_entry))
    controller = EmsController(hass, entry, client)
    entry.runtime_data.controller = controller
    events = EventLog(hass, entry)
    entry.runtime_data.events = events
    entry.async_on_unload(events.async_follow(controller))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # The platforms restored the Control switch: now clear what a crash left behind.
    await controller.async_clear_leftovers()
    entry.async_on_unload(controller.async_start())
    return True


def _foxess_client(entry: EmsConfigEntry) -> FoxEssClient | None:
    """Return the Fox ESS client of an entry that has one (not yet connected)."""
    data = entry.data
    if data.get(CONF_INVERTER_TYPE) != InverterType.FOXESS_MODBUS:
        return None
    return FoxEssClient(
        host=data[CONF_HOST],
        port=int(data[CONF_PORT]),
        unit_id=int(data[CONF_UNIT_ID]),
        expected_model=data.get(CONF_INVERTER_MODEL),
    )


async def async_unload_entry(hass: HomeAssistant, entry: EmsConfigEntry) -> bool:
    """Unload a config entry."""
    runtime = entry.runtime_data
    if runtime.cancel_override_timer is not None:
        runtime.cancel_override_timer()
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded and runtime.accounting is not None:
        await runtime.accounting.async_stop()
    if unloaded and runtime.inverter is not None:
        # A forced charge or discharge ends by the inverter's watchdog; self use follows.
        await runtime.inverter.async_close()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: EmsConfigEntry) -> None:
    """Delete the savings books of a removed entry."""
    await Store[Any](hass, STORAGE_VERSION, storage_key(entry.entry_id)).async_remove()


async def _async_reload_entry(hass: HomeAssistant, entry: EmsConfigEntry) -> None:
    """Apply changed options or a reconfigured inverter by reloading."""
    await hass.config_entries.async_reload(entry.entry_id)
