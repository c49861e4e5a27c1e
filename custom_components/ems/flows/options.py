"""Options flow for EMS: sensors, battery, prices (fees, demand charge), forecasts, consent."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.helpers.selector import BooleanSelector
import voluptuous as vol

from custom_components.ems.const import (
    CONF_DEMAND_CHARGE,
    CONF_GRID_FEES,
    CONF_INVERTER_TYPE,
    CONF_LOAD_POWER_ENTITY,
    CONF_PRICE_SOURCE,
    CONF_SELF_TEST_CONSENT,
    METER_OPTIONS,
    InverterType,
    PriceSource,
)

from .demand import DEMAND_SCHEMA, demand_errors
from .inputs import (
    GRID_FEES_SCHEMA,
    PRICES_SCHEMA,
    SOURCE_STEPS,
    forecasts_errors,
    forecasts_schema,
    grid_fees_errors,
    merge_step,
    suggested,
    two_rate_errors,
)
from .meters import meter_errors
from .schemas import BATTERY_SCHEMA, SENSORS_SCHEMA, battery_errors, sensor_errors

CONTROL_TEST_SCHEMA = vol.Schema(
    {vol.Required(CONF_SELF_TEST_CONSENT, default=False): BooleanSelector()}
)


class EmsOptionsFlow(OptionsFlow):
    """Tune the sensors, the battery and the grid connection."""

    def __init__(self) -> None:
        """Start from the entry's current options."""
        self._options: dict[str, Any] = {}

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the house's sensors again."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = sensor_errors(self.hass, user_input) | meter_errors(
                self.hass, user_input
            )
        if user_input is not None and not errors:
            self._options = {**self.config_entry.options, **user_input}
            for key in (CONF_LOAD_POWER_ENTITY, *METER_OPTIONS):
                if key not in user_input:
                    self._options.pop(key, None)
            return await self.async_step_battery()
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                SENSORS_SCHEMA, user_input or self.config_entry.options
            ),
            errors=errors,
        )

    async def async_step_battery(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Tune the battery and the grid connection."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = battery_errors(user_input)
            if not errors:
                self._options.update(user_input)
                return await self.async_step_prices()
        return self.async_show_form(
            step_id="battery",
            data_schema=self.add_suggested_values_to_schema(
                BATTERY_SCHEMA, user_input or self.config_entry.options
            ),
            errors=errors,
        )

    async def async_step_prices(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose where prices come from and how spot prices become retail."""
        if user_input is not None:
            self._options = merge_step(self._options, PRICES_SCHEMA, user_input)
            source = PriceSource(user_input[CONF_PRICE_SOURCE])
            if source in SOURCE_STEPS:
                return await self._async_price_details(SOURCE_STEPS[source], None)
            return await self._async_after_prices()
        return self._show_inputs_form("prices", PRICES_SCHEMA)

    async def async_step_nordpool_core(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the core Nord Pool entry and area."""
        return await self._async_price_details(
            SOURCE_STEPS[PriceSource.NORDPOOL_CORE], user_input
        )

    async def async_step_tibber(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name the Tibber home, if there are several."""
        return await self._async_price_details(
            SOURCE_STEPS[PriceSource.TIBBER], user_input
        )

    async def async_step_price_attribute(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name the attribute and keys that hold the price list."""
        return await self._async_price_details(
            SOURCE_STEPS[PriceSource.ATTRIBUTE_LIST], user_input
        )

    async def async_step_two_rate(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Describe the fixed peak and off-peak tariff."""
        return await self._async_price_details(
            SOURCE_STEPS[PriceSource.TWO_RATE], user_input
        )

    async def _async_price_details(
        self, step: tuple[str, vol.Schema], user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        step_id, schema = step
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = two_rate_errors(user_input) if step_id == "two_rate" else {}
            if not errors:
                self._options = merge_step(self._options, schema, user_input)
                return await self._async_after_prices()
        return self._show_inputs_form(step_id, schema, user_input, errors)

    async def _async_after_prices(self) -> ConfigFlowResult:
        """Ask for the time-of-day grid fees when they are on, then the demand charge."""
        if self._options.get(CONF_GRID_FEES):
            return await self.async_step_grid_fees()
        return await self._async_after_grid_fees()

    async def _async_after_grid_fees(self) -> ConfigFlowResult:
        """Ask for the demand charge when it is on, then the forecasts."""
        if self._options.get(CONF_DEMAND_CHARGE):
            return await self.async_step_demand_charge()
        return await self.async_step_forecasts()

    async def async_step_grid_fees(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Describe the grid operator's three fee levels and when each applies."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = grid_fees_errors(user_input)
            if not errors:
                self._options = merge_step(self._options, GRID_FEES_SCHEMA, user_input)
                return await self._async_after_grid_fees()
        return self._show_inputs_form("grid_fees", GRID_FEES_SCHEMA, user_input, errors)

    async def async_step_demand_charge(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Describe the demand charge: its price, rule, counted hours and meter."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = demand_errors(user_input)
            if not errors:
                self._options = merge_step(self._options, DEMAND_SCHEMA, user_input)
                return await self.async_step_forecasts()
        return self._show_inputs_form(
            "demand_charge", DEMAND_SCHEMA, user_input, errors
        )

    async def async_step_forecasts(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the PV forecast, the weather, the warnings and how EMS plans."""
        errors: dict[str, str] = {}
        schema = forecasts_schema(self.hass)
        if user_input is not None:
            errors = forecasts_errors(user_input)
            if not errors:
                self._options = merge_step(self._options, schema, user_input)
                inverter = self.config_entry.data.get(CONF_INVERTER_TYPE)
                if inverter == InverterType.FOXESS_MODBUS:
                    return await self.async_step_control_test()
                return self.async_create_entry(data=self._options)
        return self._show_inputs_form("forecasts", schema, user_input, errors)

    async def async_step_control_test(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Allow the control self-test's short pulses (the button runs it), or not."""
        if user_input is not None:
            return self.async_create_entry(data={**self._options, **user_input})
        return self.async_show_form(
            step_id="control_test",
            data_schema=self.add_suggested_values_to_schema(
                CONTROL_TEST_SCHEMA,
                {CONF_SELF_TEST_CONSENT: self._options.get(CONF_SELF_TEST_CONSENT)},
            ),
        )

    def _show_inputs_form(
        self,
        step_id: str,
        schema: vol.Schema,
        user_input: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
    ) -> ConfigFlowResult:
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                schema, suggested(user_input or self._options)
            ),
            errors=errors or {},
        )
