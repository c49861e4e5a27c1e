"""Setting up and unloading EMS."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ems.const import DOMAIN


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """One EMS device with its entities; unloading leaves them unavailable."""
    entry = init_integration
    assert entry.state is ConfigEntryState.LOADED
    device = dr.async_get(hass).async_get_device(
        identifiers={(DOMAIN, entry.unique_id)}
    )
    assert device is not None
    assert device.name == "EMS"
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    # The accounting sensors (tests/test_accounting_*.py) come on top of these.
    assert {entity.entity_id for entity in entities} >= {
        "sensor.ems_state_of_charge",
        "sensor.ems_battery_power",
        "sensor.ems_pv_power",
        "sensor.ems_load_power",
        "sensor.ems_grid_power",
        "sensor.ems_import_price",
        "sensor.ems_inputs",
        "sensor.ems_plan",
        "sensor.ems_expected_saving",
        "sensor.ems_control_action",
        "sensor.ems_load_forecast_error",
        "sensor.ems_load_forecast_bias",
        "sensor.ems_pv_forecast_error",
        "sensor.ems_pv_forecast_bias",
        "sensor.ems_planned_saving_today",
        "select.ems_operating_mode",
        "switch.ems_control",
        "number.ems_reserve_state_of_charge",
        "number.ems_minimum_state_of_charge",
    }
    assert all(entity.device_id == device.id for entity in entities)
    # Planning only: there is no inverter to have a problem with.
    assert hass.states.get("binary_sensor.ems_inverter_problem") is None

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    state = hass.states.get("sensor.ems_state_of_charge")
    assert state is not None
    assert state.state == "unavailable"


async def test_options_change_reloads(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """New limits apply at once: a reading that was a spike becomes valid."""
    hass.states.async_set(
        "sensor.house_pv_power", "11000", {"unit_of_measurement": "W"}
    )
    await hass.async_block_till_done()
    state = hass.states.get("sensor.ems_pv_power")
    assert state is not None
    assert state.state == "unavailable"
    hass.config_entries.async_update_entry(
        init_integration, options={**init_integration.options, "pv_peak_kw": 12.0}
    )
    await hass.async_block_till_done()
    state = hass.states.get("sensor.ems_pv_power")
    assert state is not None
    assert state.state == "11.0"


async def test_removing_the_entry_deletes_its_books(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """The savings books go with the entry; nothing is left behind on disk."""
    key = f"ems.accounting.{init_integration.entry_id}"
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert key in hass_storage
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
