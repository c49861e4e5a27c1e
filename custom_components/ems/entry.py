"""Setting up and unloading an EMS entry, and the actions it offers."""

from __future__ import annotations

from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.storage import Store
from homeassistant.helpers.translation import async_get_translations
from homeassistant.helpers.typing import ConfigType

from .books.keeper import STORAGE_VERSION, EmsAccounting, storage_key
from .const import DOMAIN, LOAD_SUBENTRY, LOGGER, InverterType
from .control_loop.commands import inverter_link
from .control_loop.controller import EmsController
from .control_loop.events import EventLog
from .control_loop.loads import LoadController
from .control_loop.overrides import Overrides
from .control_loop.settings import SettingsStore
from .coordinator import EmsCoordinator
from .core.config import EmsConfig, InverterConfig
from .core.inverters.foxess import (
    FoxEssClient,
    InverterConnectionError,
    InverterError,
    InverterTimeoutError,
)
from .core.loads.config import LoadConfig, load_config
from .data import EmsConfigEntry, EmsRuntimeData
from .frontend import async_register_card
from .services import async_setup_services
from .sources.demand import async_remove_demand_record
from .sources.pv_memory import PvMemoryStore

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the EMS actions and the plan card; load the logbook's sentences."""
    async_setup_services(hass)
    await async_get_translations(hass, hass.config.language, "exceptions", {DOMAIN})
    await async_register_card(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: EmsConfigEntry) -> bool:
    """Set up one battery system: everything is built before runtime data is assigned."""
    config = EmsConfig.from_entry(entry.data, entry.options)
    client = await _async_connect_foxess(config.inverter)
    settings = await SettingsStore(hass, entry.entry_id).async_load(
        config.battery, entry.unique_id
    )
    events = EventLog(hass, entry)
    overrides = Overrides(hass, settings, events)
    link = inverter_link(hass, config.inverter, client)
    configured_loads = load_configs(entry)
    coordinator = EmsCoordinator(
        hass,
        entry,
        config=config,
        settings=settings,
        mode_caps=link is not None and link.execution.caps,
        loads=configured_loads,
    )
    accounting = EmsAccounting(hass, entry.entry_id, config, coordinator)
    await accounting.async_load()
    controller = EmsController(
        hass,
        entry,
        config=config,
        coordinator=coordinator,
        settings=settings,
        overrides=overrides,
        events=events,
        link=link,
    )
    loads = LoadController(
        hass,
        loads=configured_loads,
        coordinator=coordinator,
        settings=settings,
        events=events,
    )
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = EmsRuntimeData(
        config=config,
        settings=settings,
        coordinator=coordinator,
        controller=controller,
        overrides=overrides,
        events=events,
        accounting=accounting,
        loads=loads,
    )
    entry.async_on_unload(coordinator.async_start())
    entry.async_on_unload(loads.async_start())
    entry.async_on_unload(accounting.async_start())
    entry.async_on_unload(overrides.async_start())
    entry.async_on_unload(entry.add_update_listener(_async_options_changed))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await controller.async_start()
    return True


def load_configs(entry: EmsConfigEntry) -> tuple[LoadConfig, ...]:
    """Return the entry's controllable loads (its load subentries); a bad one is skipped."""
    loads: list[LoadConfig] = []
    for subentry_id, subentry in entry.subentries.items():
        if subentry.subentry_type != LOAD_SUBENTRY:
            continue
        try:
            loads.append(load_config(subentry_id, subentry.data))
        except (KeyError, ValueError) as err:
            LOGGER.warning("EMS ignores the load %s: %s", subentry.title, err)
    return tuple(loads)


async def _async_connect_foxess(inverter: InverterConfig) -> FoxEssClient | None:
    """Return a Fox ESS client that has identified its inverter; None without one.

    An inverter that cannot be reached makes Home Assistant retry the setup later; a
    different or unsupported inverter at the address needs the user (reconfigure).
    """
    if inverter.type is not InverterType.FOXESS_MODBUS or inverter.host is None:
        return None
    client = FoxEssClient(
        host=inverter.host,
        port=inverter.port,
        unit_id=inverter.unit_id,
        expected_model=inverter.model,
        max_read=inverter.max_read,
    )
    try:
        await client.async_identify()
    except (InverterConnectionError, InverterTimeoutError) as err:
        await client.async_close()
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="inverter_not_ready",
            translation_placeholders={"host": inverter.host, "error": str(err)},
        ) from err
    except InverterError as err:
        await client.async_close()
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="inverter_wrong",
            translation_placeholders={"host": inverter.host, "error": str(err)},
        ) from err
    return client


async def async_unload_entry(hass: HomeAssistant, entry: EmsConfigEntry) -> bool:
    """Unload a config entry: the control loop stops first, then nothing is written."""
    runtime = entry.runtime_data
    await runtime.controller.async_stop()
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await runtime.accounting.async_stop()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: EmsConfigEntry) -> None:
    """Delete the savings books, settings, remembered PV forecast and peak record."""
    await Store[Any](hass, STORAGE_VERSION, storage_key(entry.entry_id)).async_remove()
    await SettingsStore(hass, entry.entry_id).async_remove()
    await PvMemoryStore(hass, entry.entry_id).async_remove()
    await async_remove_demand_record(hass, entry.entry_id)


async def _async_options_changed(hass: HomeAssistant, entry: EmsConfigEntry) -> None:
    """Apply changed options or a reconfigured inverter by reloading.

    With the same inverter, a running command (an override, a forced slot) is handed
    over to the reloaded entry, not ended and started again; a different inverter
    connection hands the old one back first. (Home Assistant 2025.4 has no reloading
    options flow, so this listener reloads for the options and reconfigure flows alike.)
    """
    runtime = entry.runtime_data
    inverter = EmsConfig.from_entry(entry.data, entry.options).inverter
    runtime.controller.handing_over = inverter == runtime.config.inverter
    await hass.config_entries.async_reload(entry.entry_id)
