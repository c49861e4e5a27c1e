"""The demand (capacity) charge's page of the options: price, rule, window, meter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import voluptuous as vol

from custom_components.ems.const import (
    CONF_DEMAND_FROM_HOUR,
    CONF_DEMAND_GRID_ENTITY,
    CONF_DEMAND_MEASURE,
    CONF_DEMAND_MINIMUM_KW,
    CONF_DEMAND_PRESET,
    CONF_DEMAND_PRICE,
    CONF_DEMAND_RULE,
    CONF_DEMAND_TO_HOUR,
    CONF_DEMAND_WEEKDAYS_ONLY,
)
from custom_components.ems.core.demand import PRESETS, PeakRule

from .schemas import number_selector

CUSTOM = "custom"


def _select(key: str, choices: list[str]) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=choices, translation_key=key, mode=SelectSelectorMode.DROPDOWN
        )
    )


DEMAND_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_DEMAND_PRESET, default=CUSTOM): _select(
            CONF_DEMAND_PRESET, [CUSTOM, *PRESETS]
        ),
        vol.Required(CONF_DEMAND_PRICE): number_selector(0, 1000, "any", "/kW"),
        vol.Required(CONF_DEMAND_RULE, default=PeakRule.MONTHLY_PEAK.value): _select(
            CONF_DEMAND_RULE, [rule.value for rule in PeakRule]
        ),
        vol.Required(CONF_DEMAND_MEASURE, default="15"): _select(
            CONF_DEMAND_MEASURE, ["15", "60"]
        ),
        vol.Required(CONF_DEMAND_WEEKDAYS_ONLY, default=False): BooleanSelector(),
        vol.Required(CONF_DEMAND_FROM_HOUR, default=0): number_selector(0, 23, 1, "h"),
        vol.Required(CONF_DEMAND_TO_HOUR, default=24): number_selector(1, 24, 1, "h"),
        vol.Required(CONF_DEMAND_MINIMUM_KW, default=0.0): number_selector(
            0, 100, "any", "kW"
        ),
        vol.Optional(CONF_DEMAND_GRID_ENTITY): EntitySelector(
            EntitySelectorConfig(domain="sensor", device_class=SensorDeviceClass.POWER)
        ),
    }
)


def demand_errors(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Return the form errors of the demand charge page."""
    if user_input[CONF_DEMAND_FROM_HOUR] >= user_input[CONF_DEMAND_TO_HOUR]:
        return {CONF_DEMAND_TO_HOUR: "demand_hours_invalid"}
    return {}
