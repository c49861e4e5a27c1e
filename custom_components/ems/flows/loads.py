"""Adding and changing a controllable load: one config subentry per load."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TimeSelector,
)
import voluptuous as vol

from custom_components.ems.core.loads.config import (
    CONF_BLOCK_RELAY,
    CONF_BOOST_RELAY,
    CONF_CAR_SOC,
    CONF_CURRENT_NUMBER,
    CONF_EARLIEST,
    CONF_ENERGY_KWH,
    CONF_EXPORT_START,
    CONF_LATEST,
    CONF_LOAD_NAME,
    CONF_LOAD_TYPE,
    CONF_MAX_CURRENT,
    CONF_MAX_ENERGY,
    CONF_MIN_CURRENT,
    CONF_MIN_RUN,
    CONF_ONE_BLOCK,
    CONF_PHASES,
    CONF_PLUGGED,
    CONF_POWER_KW,
    CONF_POWER_SENSOR,
    CONF_PRIORITY,
    CONF_SOC_GATE,
    CONF_SWITCH,
    CONF_VALUE,
    LoadType,
)

from .schemas import number_selector

_SWITCH = EntitySelector(EntitySelectorConfig(domain=["switch", "input_boolean"]))
_POWER = EntitySelector(EntitySelectorConfig(domain="sensor", device_class="power"))
_COMMON: dict[vol.Marker, Any] = {
    vol.Required(CONF_LOAD_NAME): TextSelector(),
    vol.Required(CONF_PRIORITY, default=1): number_selector(1, 10, 1),
    vol.Optional(CONF_SOC_GATE): number_selector(0, 100, 1, "%"),
    vol.Optional(CONF_POWER_SENSOR): _POWER,
}
_OPTIONAL_LOAD: dict[vol.Marker, Any] = {
    vol.Required(CONF_POWER_KW): number_selector(0.1, 50, 0.1, "kW"),
    vol.Required(CONF_VALUE, default=0.1): number_selector(0, 10, 0.001, "/kWh"),
    vol.Required(CONF_MAX_ENERGY, default=10.0): number_selector(0, 200, 0.5, "kWh"),
    vol.Optional(CONF_EXPORT_START): number_selector(0, 50, 0.1, "kW"),
    vol.Required(CONF_MIN_RUN, default=30): number_selector(0, 240, 5, "min"),
}
SCHEMAS: dict[LoadType, vol.Schema] = {
    LoadType.APPLIANCE: vol.Schema(
        {
            **_COMMON,
            vol.Required(CONF_SWITCH): _SWITCH,
            vol.Required(CONF_POWER_KW): number_selector(0.1, 50, 0.1, "kW"),
            vol.Required(CONF_ENERGY_KWH): number_selector(0.1, 100, 0.1, "kWh"),
            vol.Required(CONF_EARLIEST, default="08:00:00"): TimeSelector(),
            vol.Required(CONF_LATEST, default="18:00:00"): TimeSelector(),
            vol.Required(CONF_ONE_BLOCK, default=True): BooleanSelector(),
            vol.Required(CONF_MIN_RUN, default=15): number_selector(0, 240, 5, "min"),
        }
    ),
    LoadType.EV_CHARGER: vol.Schema(
        {
            **_COMMON,
            vol.Required(CONF_SWITCH): _SWITCH,
            vol.Required(CONF_CURRENT_NUMBER): EntitySelector(
                EntitySelectorConfig(domain=["number", "input_number"])
            ),
            vol.Required(CONF_PHASES, default="3"): SelectSelector(
                SelectSelectorConfig(
                    options=["1", "3"],
                    translation_key=CONF_PHASES,
                    mode=SelectSelectorMode.LIST,
                )
            ),
            vol.Required(CONF_MIN_CURRENT, default=6): number_selector(1, 80, 1, "A"),
            vol.Required(CONF_MAX_CURRENT, default=16): number_selector(1, 80, 1, "A"),
            vol.Required(CONF_ENERGY_KWH, default=10.0): number_selector(
                0.1, 200, 0.1, "kWh"
            ),
            vol.Required(CONF_LATEST, default="07:00:00"): TimeSelector(),
            vol.Optional(CONF_PLUGGED): EntitySelector(
                EntitySelectorConfig(domain="binary_sensor")
            ),
            vol.Optional(CONF_CAR_SOC): EntitySelector(
                EntitySelectorConfig(domain="sensor", device_class="battery")
            ),
            vol.Required(CONF_MIN_RUN, default=15): number_selector(0, 240, 5, "min"),
        }
    ),
    LoadType.HEAT_PUMP: vol.Schema(
        {
            **_COMMON,
            vol.Required(CONF_BOOST_RELAY): _SWITCH,
            vol.Optional(CONF_BLOCK_RELAY): _SWITCH,
            **_OPTIONAL_LOAD,
        }
    ),
    LoadType.WATER_HEATER: vol.Schema(
        {**_COMMON, vol.Required(CONF_SWITCH): _SWITCH, **_OPTIONAL_LOAD}
    ),
}


def load_errors(load_type: LoadType, user_input: dict[str, Any]) -> dict[str, str]:
    """Return the form's errors: a current range that is empty, an empty window."""
    if load_type is LoadType.EV_CHARGER and float(user_input[CONF_MIN_CURRENT]) > float(
        user_input[CONF_MAX_CURRENT]
    ):
        return {CONF_MIN_CURRENT: "min_current_above_max"}
    if load_type is LoadType.APPLIANCE and user_input.get(
        CONF_EARLIEST
    ) == user_input.get(CONF_LATEST):
        return {CONF_LATEST: "empty_window"}
    return {}


class LoadSubentryFlow(ConfigSubentryFlow):
    """Add a load (appliance, EV charger, heat pump, water heater), or change one."""

    _load_type: LoadType

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Choose what kind of load to add."""
        return self.async_show_menu(
            step_id="user", menu_options=[load.value for load in LoadType]
        )

    async def async_step_appliance(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Describe an appliance that can wait: its power, energy and window."""
        return await self._async_form(LoadType.APPLIANCE, user_input)

    async def async_step_ev_charger(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Describe a wallbox: its switch, current, car and target."""
        return await self._async_form(LoadType.EV_CHARGER, user_input)

    async def async_step_heat_pump(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Describe a heat pump's SG-Ready relays and what its boost is worth."""
        return await self._async_form(LoadType.HEAT_PUMP, user_input)

    async def async_step_water_heater(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Describe a water heater and what a kWh of heat is worth."""
        return await self._async_form(LoadType.WATER_HEATER, user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a load (its kind stays)."""
        subentry = self._get_reconfigure_subentry()
        load_type = LoadType(subentry.data[CONF_LOAD_TYPE])
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = load_errors(load_type, user_input)
            if not errors:
                return self.async_update_and_abort(
                    self._get_entry(),
                    subentry,
                    title=user_input[CONF_LOAD_NAME],
                    data={CONF_LOAD_TYPE: load_type.value, **user_input},
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                SCHEMAS[load_type], user_input or dict(subentry.data)
            ),
            errors=errors,
        )

    async def _async_form(
        self, load_type: LoadType, user_input: dict[str, Any] | None
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = load_errors(load_type, user_input)
            if not errors:
                return self.async_create_entry(
                    title=user_input[CONF_LOAD_NAME],
                    data={CONF_LOAD_TYPE: load_type.value, **user_input},
                )
        return self.async_show_form(
            step_id=load_type.value,
            data_schema=self.add_suggested_values_to_schema(
                SCHEMAS[load_type], user_input or {}
            ),
            errors=errors,
        )
