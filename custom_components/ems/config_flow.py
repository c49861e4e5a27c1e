"""Config flow for EMS: the house's sensors, the battery and the inverter."""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    DeviceSelector,
    DeviceSelectorConfig,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import voluptuous as vol

from .const import (
    CONF_BATTERY_POWER_ENTITY,
    CONF_CAPACITY_KWH,
    CONF_CHARGE_EFFICIENCY,
    CONF_CYCLE_COST,
    CONF_DISCHARGE_EFFICIENCY,
    CONF_GRID_POWER_ENTITY,
    CONF_GROWATT_DEVICE,
    CONF_INVERTER_MODEL,
    CONF_INVERTER_SERIAL,
    CONF_INVERTER_TYPE,
    CONF_LOAD_POWER_ENTITY,
    CONF_MAX_CHARGE_KW,
    CONF_MAX_DISCHARGE_KW,
    CONF_MAX_EXPORT_KW,
    CONF_MAX_IMPORT_KW,
    CONF_MAX_SOC,
    CONF_MIN_SOC,
    CONF_PRICE_ENTITY,
    CONF_PRICE_SOURCE,
    CONF_PV_PEAK_KW,
    CONF_PV_POWER_ENTITY,
    CONF_SOC_ENTITY,
    CONF_UNIT_ID,
    DEFAULT_MODBUS_PORT,
    DEFAULT_UNIT_ID,
    DOMAIN,
    LOGGER,
    METER_OPTIONS,
    InverterType,
    PriceSource,
)
from .inputs_flow import (
    FORECASTS_SCHEMA,
    PRICES_SCHEMA,
    SOURCE_STEPS,
    forecasts_errors,
    merge_step,
    suggested,
    two_rate_errors,
)
from .inverters.foxess import (
    FoxEssClient,
    InverterConnectionError,
    InverterError,
    InverterTimeoutError,
    UnsupportedModelError,
)
from .meters_flow import METER_FIELDS, meter_errors

DEFAULT_NAME = "EMS"
PROBE_TIMEOUT = 5.0

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


def _sensor(device_class: SensorDeviceClass | None = None) -> EntitySelector:
    if device_class is None:
        return EntitySelector(EntitySelectorConfig(domain="sensor"))
    return EntitySelector(
        EntitySelectorConfig(domain="sensor", device_class=device_class.value)
    )


def _number(low: float, high: float, step: float, unit: str) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=low,
            max=high,
            step=step,
            unit_of_measurement=unit,
            mode=NumberSelectorMode.BOX,
        )
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
        vol.Required(CONF_CAPACITY_KWH): _number(0.5, 1000, 0.1, "kWh"),
        vol.Required(CONF_MIN_SOC): _number(0, 100, 1, "%"),
        vol.Required(CONF_MAX_SOC): _number(0, 100, 1, "%"),
        vol.Required(CONF_MAX_CHARGE_KW): _number(0.1, 500, 0.1, "kW"),
        vol.Required(CONF_MAX_DISCHARGE_KW): _number(0.1, 500, 0.1, "kW"),
        vol.Required(CONF_CHARGE_EFFICIENCY): _number(50, 100, 0.5, "%"),
        vol.Required(CONF_DISCHARGE_EFFICIENCY): _number(50, 100, 0.5, "%"),
        vol.Required(CONF_CYCLE_COST): _number(0, 10, 0.001, "/kWh"),
        vol.Required(CONF_MAX_IMPORT_KW): _number(0.1, 1000, 0.1, "kW"),
        vol.Required(CONF_MAX_EXPORT_KW): _number(0, 1000, 0.1, "kW"),
        vol.Required(CONF_PV_PEAK_KW): _number(0, 1000, 0.1, "kW"),
    }
)

INVERTER_SCHEMA = vol.Schema(
    {
        vol.Required(
            CONF_INVERTER_TYPE, default=InverterType.NONE.value
        ): SelectSelector(
            SelectSelectorConfig(
                options=[kind.value for kind in InverterType],
                translation_key=CONF_INVERTER_TYPE,
                mode=SelectSelectorMode.LIST,
            )
        )
    }
)

FOXESS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_HOST): TextSelector(),
        vol.Required(CONF_PORT, default=DEFAULT_MODBUS_PORT): _number(1, 65535, 1, ""),
        vol.Required(CONF_UNIT_ID, default=DEFAULT_UNIT_ID): _number(1, 247, 1, ""),
    }
)

GROWATT_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_GROWATT_DEVICE): DeviceSelector(
            DeviceSelectorConfig(integration="growatt_server")
        )
    }
)


def _battery_errors(user_input: dict[str, Any]) -> dict[str, str]:
    if user_input[CONF_MIN_SOC] >= user_input[CONF_MAX_SOC]:
        return {CONF_MIN_SOC: "min_soc_not_below_max"}
    return {}


async def _probe_foxess(
    user_input: dict[str, Any],
) -> tuple[dict[str, Any], str | None]:
    """Connect to a Fox ESS inverter; return its entry data or an error key."""
    host, port, unit_id = (
        user_input[CONF_HOST].strip(),
        int(user_input[CONF_PORT]),
        int(user_input[CONF_UNIT_ID]),
    )
    client = FoxEssClient(host=host, port=port, unit_id=unit_id, timeout=PROBE_TIMEOUT)
    try:
        info = await client.async_identify()
    except InverterTimeoutError:
        return {}, "timeout"
    except InverterConnectionError:
        return {}, "cannot_connect"
    except UnsupportedModelError:
        return {}, "unsupported_model"
    except InverterError:
        return {}, "protocol_error"
    except Exception:  # noqa: BLE001
        LOGGER.exception("Unexpected error while probing the Fox ESS inverter")
        return {}, "unknown"
    finally:
        await client.async_close()
    return {
        CONF_INVERTER_TYPE: InverterType.FOXESS_MODBUS.value,
        CONF_HOST: host,
        CONF_PORT: port,
        CONF_UNIT_ID: unit_id,
        CONF_INVERTER_MODEL: info.model,
        CONF_INVERTER_SERIAL: info.serial,
    }, None


class EmsConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up one battery system."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing chosen."""
        self._name = DEFAULT_NAME
        self._options: dict[str, Any] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> EmsOptionsFlow:
        """Return the options flow."""
        return EmsOptionsFlow()

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the house's sensors."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = meter_errors(self.hass, user_input)
        if user_input is not None and not errors:
            self._name = user_input.pop(CONF_NAME, DEFAULT_NAME)
            await self.async_set_unique_id(
                self._battery_id(user_input[CONF_SOC_ENTITY])
            )
            self._abort_if_unique_id_configured()
            self._options.update(user_input)
            return await self.async_step_battery()
        schema = vol.Schema(
            {vol.Required(CONF_NAME, default=DEFAULT_NAME): TextSelector()}
        ).extend(SENSORS_SCHEMA.schema)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or {}),
            errors=errors,
        )

    async def async_step_battery(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Describe the battery and the grid connection."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _battery_errors(user_input)
            if not errors:
                self._options.update(user_input)
                return await self.async_step_inverter()
        return self.async_show_form(
            step_id="battery",
            data_schema=self.add_suggested_values_to_schema(
                BATTERY_SCHEMA, user_input or BATTERY_DEFAULTS
            ),
            errors=errors,
        )

    async def async_step_inverter(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose how EMS reaches the inverter, if at all."""
        if user_input is not None:
            return await self._route_inverter(
                InverterType(user_input[CONF_INVERTER_TYPE])
            )
        return self.async_show_form(step_id="inverter", data_schema=INVERTER_SCHEMA)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change how EMS reaches the inverter."""
        if user_input is not None:
            return await self._route_inverter(
                InverterType(user_input[CONF_INVERTER_TYPE])
            )
        current = self._get_reconfigure_entry().data
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(INVERTER_SCHEMA, current),
        )

    async def async_step_foxess(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Connect to a Fox ESS inverter over Modbus TCP; test before accepting."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if self.source != "reconfigure":
                self._async_abort_entries_match(
                    {
                        CONF_HOST: user_input[CONF_HOST].strip(),
                        CONF_PORT: int(user_input[CONF_PORT]),
                    }
                )
            data, error = await _probe_foxess(user_input)
            if error is None:
                return self._finish(data)
            errors["base"] = error
        defaults = user_input or self._current_data()
        return self.async_show_form(
            step_id="foxess",
            data_schema=self.add_suggested_values_to_schema(FOXESS_SCHEMA, defaults),
            errors=errors,
        )

    async def async_step_growatt(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the Growatt inverter that Home Assistant's Growatt integration set up."""
        if user_input is not None:
            return self._finish(
                {
                    CONF_INVERTER_TYPE: InverterType.GROWATT.value,
                    CONF_GROWATT_DEVICE: user_input[CONF_GROWATT_DEVICE],
                }
            )
        return self.async_show_form(
            step_id="growatt",
            data_schema=self.add_suggested_values_to_schema(
                GROWATT_SCHEMA, self._current_data()
            ),
        )

    async def _route_inverter(self, kind: InverterType) -> ConfigFlowResult:
        if kind is InverterType.FOXESS_MODBUS:
            return await self.async_step_foxess()
        if kind is InverterType.GROWATT:
            return await self.async_step_growatt()
        return self._finish({CONF_INVERTER_TYPE: InverterType.NONE.value})

    def _finish(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Create the entry, or store the reconfigured inverter (the entry reloads)."""
        if self.source == "reconfigure":
            entry = self._get_reconfigure_entry()
            self.hass.config_entries.async_update_entry(entry, data=data)
            return self.async_abort(reason="reconfigure_successful")
        return self.async_create_entry(
            title=self._name, data=data, options=self._options
        )

    def _current_data(self) -> dict[str, Any]:
        if self.source == "reconfigure":
            return dict(self._get_reconfigure_entry().data)
        return {}

    def _battery_id(self, soc_entity_id: str) -> str:
        """Identify a battery system by its SoC entity, surviving renames."""
        registry_entry = er.async_get(self.hass).async_get(soc_entity_id)
        return registry_entry.id if registry_entry else soc_entity_id


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
            errors = meter_errors(self.hass, user_input)
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
            errors = _battery_errors(user_input)
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
            return await self.async_step_forecasts()
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
                return await self.async_step_forecasts()
        return self._show_inputs_form(step_id, schema, user_input, errors)

    async def async_step_forecasts(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the PV forecast, the weather and how EMS plans."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = forecasts_errors(user_input)
            if not errors:
                return self.async_create_entry(
                    data=merge_step(self._options, FORECASTS_SCHEMA, user_input)
                )
        return self._show_inputs_form("forecasts", FORECASTS_SCHEMA, user_input, errors)

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
