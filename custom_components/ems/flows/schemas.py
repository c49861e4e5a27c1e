"""Forms shared by the config and options flows: the house's sensors and the battery."""

from __future__ import annotations

from typing import Any, Literal

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, PERCENTAGE, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
import voluptuous as vol

from custom_components.ems.const import (
    CONF_BATTERY_POWER_ENTITY,
    CONF_CAPACITY_KWH,
    CONF_CHARGE_EFFICIENCY,
    CONF_CYCLE_COST,
    CONF_DISCHARGE_EFFICIENCY,
    CONF_GRID_POWER_ENTITY,
    CONF_LOAD_POWER_ENTITY,
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
)
from custom_components.ems.core.inputs import scale_from_unit

from .meters import METER_FIELDS

_POWER_UNITS = frozenset(
    {UnitOfPower.WATT, UnitOfPower.KILO_WATT, UnitOfPower.MEGA_WATT}
)
_POWER_FIELDS = (
    CONF_BATTERY_POWER_ENTITY,
    CONF_PV_POWER_ENTITY,
    CONF_GRID_POWER_ENTITY,
    CONF_LOAD_POWER_ENTITY,
)

BATTERY_DEFAULTS: dict[str, float] = {
    CONF_CAPACITY_KWH: 10.0,
    CONF_MIN_SOC: 10.0,
    CONF_MAX_SOC: 100.0,
    CONF_MAX_CHARGE_KW: 5.0,
    CONF_MAX_DISCHARGE_KW: 5.0,
    CONF_CHARGE_EFFICIENCY: 95.0,
    CONF_DISCHARGE_EFFICIENCY: 95.0,
    CONF_CYCLE_COST: 0.02,
    CONF_MAX_IMPORT_KW: 17.0,
    CONF_MAX_EXPORT_KW: 17.0,
    CONF_PV_PEAK_KW: 10.0,
}


def number_selector(
    low: float, high: float, step: float | Literal["any"], unit: str = ""
) -> NumberSelector:
    """Return a number box with limits, step and unit."""
    return NumberSelector(
        NumberSelectorConfig(
            min=low,
            max=high,
            step=step,
            unit_of_measurement=unit,
            mode=NumberSelectorMode.BOX,
        )
    )


def _sensor(device_class: SensorDeviceClass | None = None) -> EntitySelector:
    if device_class is None:
        return EntitySelector(EntitySelectorConfig(domain="sensor"))
    return EntitySelector(
        EntitySelectorConfig(domain="sensor", device_class=device_class.value)
    )


SENSORS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SOC_ENTITY): _sensor(SensorDeviceClass.BATTERY),
        vol.Required(CONF_BATTERY_POWER_ENTITY): _sensor(SensorDeviceClass.POWER),
        vol.Required(CONF_PV_POWER_ENTITY): _sensor(SensorDeviceClass.POWER),
        vol.Required(CONF_GRID_POWER_ENTITY): _sensor(SensorDeviceClass.POWER),
        vol.Optional(CONF_LOAD_POWER_ENTITY): _sensor(SensorDeviceClass.POWER),
        vol.Required(CONF_PRICE_ENTITY): _sensor(),
        **METER_FIELDS,
    }
)

BATTERY_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_CAPACITY_KWH): number_selector(0.5, 1000, 0.1, "kWh"),
        vol.Required(CONF_MIN_SOC): number_selector(0, 100, 1, "%"),
        vol.Required(CONF_MAX_SOC): number_selector(0, 100, 1, "%"),
        vol.Required(CONF_MAX_CHARGE_KW): number_selector(0.1, 500, 0.1, "kW"),
        vol.Required(CONF_MAX_DISCHARGE_KW): number_selector(0.1, 500, 0.1, "kW"),
        vol.Required(CONF_CHARGE_EFFICIENCY): number_selector(50, 100, 0.5, "%"),
        vol.Required(CONF_DISCHARGE_EFFICIENCY): number_selector(50, 100, 0.5, "%"),
        vol.Required(CONF_CYCLE_COST): number_selector(0, 10, 0.001, "/kWh"),
        vol.Required(CONF_MAX_IMPORT_KW): number_selector(0.1, 1000, 0.1, "kW"),
        vol.Required(CONF_MAX_EXPORT_KW): number_selector(0, 1000, 0.1, "kW"),
        vol.Required(CONF_PV_PEAK_KW): number_selector(0, 1000, 0.1, "kW"),
    }
)


def battery_errors(user_input: dict[str, Any]) -> dict[str, str]:
    """Return the battery form's errors: the minimum SoC must be below the maximum."""
    if user_input[CONF_MIN_SOC] >= user_input[CONF_MAX_SOC]:
        return {CONF_MIN_SOC: "min_soc_not_below_max"}
    return {}


def sensor_errors(hass: HomeAssistant, user_input: dict[str, Any]) -> dict[str, str]:
    """Return form errors for sensors of the wrong kind, judged by their unit.

    The state of charge must be in %, powers in W, kW or MW, and the price per kWh or
    MWh (in a currency or its cents). A sensor that has no state yet is not judged.
    """
    errors: dict[str, str] = {}

    def unit(key: str) -> str | None:
        entity_id = user_input.get(key)
        state = hass.states.get(entity_id) if entity_id else None
        value = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) if state else None
        return str(value) if value else None

    if (soc := unit(CONF_SOC_ENTITY)) is not None and soc != PERCENTAGE:
        errors[CONF_SOC_ENTITY] = "soc_not_percent"
    for key in _POWER_FIELDS:
        if (power := unit(key)) is not None and power not in _POWER_UNITS:
            errors[key] = "not_a_power"
    if (price := unit(CONF_PRICE_ENTITY)) is not None and scale_from_unit(
        price
    ) is None:
        errors[CONF_PRICE_ENTITY] = "not_a_price"
    return errors
