"""Fixtures shared by the EMS tests: a house of real Home Assistant states."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import PropertyMock, patch

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

# Import the integration before the `hass` fixture runs, so Home Assistant finds this
# repository's custom_components package rather than the test plugin's.
import custom_components.ems  # noqa: F401
from custom_components.ems.const import (
    CONF_BATTERY_POWER_ENTITY,
    CONF_CAPACITY_KWH,
    CONF_CHARGE_EFFICIENCY,
    CONF_CYCLE_COST,
    CONF_DISCHARGE_EFFICIENCY,
    CONF_GRID_POWER_ENTITY,
    CONF_INVERTER_TYPE,
    CONF_MAX_CHARGE_KW,
    CONF_MAX_DISCHARGE_KW,
    CONF_MAX_EXPORT_KW,
    CONF_MAX_IMPORT_KW,
    CONF_MAX_SOC,
    CONF_MIN_SOC,
    CONF_PRICE_ENTITY,
    CONF_PV_PEAK_KW,
    CONF_PV_POWER_ENTITY,
    CONF_SOC_ENTITY,
    DOMAIN,
    InverterType,
)

SOC = "sensor.house_battery_soc"
BATTERY = "sensor.house_battery_power"
PV = "sensor.house_pv_power"
LOAD = "sensor.house_load_power"
GRID = "sensor.house_grid_power"
PRICE = "sensor.house_price"

POWER_ATTRIBUTES: dict[str, str] = {"unit_of_measurement": "W", "device_class": "power"}

SENSOR_OPTIONS: dict[str, Any] = {
    CONF_SOC_ENTITY: SOC,
    CONF_BATTERY_POWER_ENTITY: BATTERY,
    CONF_PV_POWER_ENTITY: PV,
    CONF_GRID_POWER_ENTITY: GRID,
    CONF_PRICE_ENTITY: PRICE,
}
BATTERY_OPTIONS: dict[str, Any] = {
    CONF_CAPACITY_KWH: 10.0,
    CONF_MIN_SOC: 10.0,
    CONF_MAX_SOC: 100.0,
    CONF_MAX_CHARGE_KW: 5.0,
    CONF_MAX_DISCHARGE_KW: 5.0,
    CONF_CHARGE_EFFICIENCY: 95.0,
    CONF_DISCHARGE_EFFICIENCY: 95.0,
    CONF_CYCLE_COST: 0.02,
    CONF_MAX_IMPORT_KW: 17.0,
    CONF_MAX_EXPORT_KW: 10.0,
    CONF_PV_PEAK_KW: 8.0,
}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load EMS from custom_components."""


def set_house(
    hass: HomeAssistant,
    *,
    soc: str = "55",
    battery_w: str = "1200",
    pv_w: str = "3400",
    grid_w: str = "-600",
    price: str = "0.25",
) -> None:
    """Set the house's sensors the way real integrations report them."""
    hass.states.async_set(
        SOC, soc, {"unit_of_measurement": "%", "device_class": "battery"}
    )
    for entity_id, value in ((BATTERY, battery_w), (PV, pv_w), (GRID, grid_w)):
        hass.states.async_set(entity_id, value, POWER_ATTRIBUTES)
    hass.states.async_set(PRICE, price, {"unit_of_measurement": "EUR/kWh"})


@pytest.fixture
def house(hass: HomeAssistant) -> None:
    """Give the house sensors that all report plausible values."""
    set_house(hass)


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """Return an EMS entry that plans only (no inverter)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="EMS",
        unique_id=SOC,
        data={CONF_INVERTER_TYPE: InverterType.NONE.value},
        options={**SENSOR_OPTIONS, **BATTERY_OPTIONS},
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, house: None, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set up EMS on the house."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


def register_settings_entities(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Register the settings entities as an EMS from before the settings store left them.

    Such an entry kept its settings in the entities' restore states; the registry knows
    the entities, so their restore states can be found on the first start after the
    upgrade.
    """
    registry = er.async_get(hass)
    for platform, key, object_id in (
        ("select", "mode", "ems_operating_mode"),
        ("switch", "control", "ems_control"),
        ("number", "reserve_soc", "ems_reserve_state_of_charge"),
        ("number", "minimum_soc", "ems_minimum_state_of_charge"),
    ):
        registry.async_get_or_create(
            platform,
            DOMAIN,
            f"{entry.unique_id}_{key}",
            suggested_object_id=object_id,
            config_entry=entry,
        )


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable the entities a fresh install leaves disabled (for snapshots of all)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield
