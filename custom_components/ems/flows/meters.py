"""The energy meter fields of the house step (config and options flow)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.components.sensor import (
    ATTR_STATE_CLASS,
    SensorDeviceClass,
    SensorStateClass,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import EntitySelector, EntitySelectorConfig
import voluptuous as vol

from custom_components.ems.const import (
    CONF_EXPORT_METER_ENTITY,
    CONF_IMPORT_METER_ENTITY,
    METER_OPTIONS,
)

_METER_STATE_CLASSES: Final = frozenset(
    {SensorStateClass.TOTAL.value, SensorStateClass.TOTAL_INCREASING.value}
)


def _meter() -> EntitySelector:
    return EntitySelector(
        EntitySelectorConfig(domain="sensor", device_class=SensorDeviceClass.ENERGY)
    )


METER_FIELDS: Final[dict[vol.Marker, EntitySelector]] = {
    vol.Optional(key): _meter() for key in METER_OPTIONS
}


def meter_errors(hass: HomeAssistant, user_input: Mapping[str, Any]) -> dict[str, str]:
    """Return form errors: meters need both grid meters, and must be counters."""
    chosen = [key for key in METER_OPTIONS if user_input.get(key)]
    if not chosen:
        return {}
    for key in (CONF_IMPORT_METER_ENTITY, CONF_EXPORT_METER_ENTITY):
        if key not in chosen:
            return {key: "grid_meters_required"}
    for key in chosen:
        state = hass.states.get(user_input[key])
        if state is not None and (
            state.attributes.get(ATTR_STATE_CLASS) not in _METER_STATE_CLASSES
        ):
            return {key: "not_an_energy_meter"}
    return {}
