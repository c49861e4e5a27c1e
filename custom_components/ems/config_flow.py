"""Config flow for EMS: the house's sensors, the battery and the inverter."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
)
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    DeviceSelector,
    DeviceSelectorConfig,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import voluptuous as vol

from .const import (
    CONF_GROWATT_DEVICE,
    CONF_INVERTER_MODEL,
    CONF_INVERTER_SERIAL,
    CONF_INVERTER_TYPE,
    CONF_MAX_READ,
    CONF_SOC_ENTITY,
    CONF_UNIT_ID,
    DEFAULT_MAX_READ,
    DEFAULT_MODBUS_PORT,
    DEFAULT_UNIT_ID,
    DOMAIN,
    LOAD_SUBENTRY,
    LOGGER,
    InverterType,
)
from .core.inverters.foxess import (
    FoxEssClient,
    InverterConnectionError,
    InverterError,
    InverterTimeoutError,
    RefusedModelError,
    UnsupportedModelError,
)
from .flows.loads import LoadSubentryFlow
from .flows.meters import meter_errors
from .flows.options import EmsOptionsFlow
from .flows.schemas import (
    BATTERY_DEFAULTS,
    BATTERY_SCHEMA,
    SENSORS_SCHEMA,
    battery_errors,
    number_selector,
    sensor_errors,
)

DEFAULT_NAME = "EMS"
PROBE_TIMEOUT = 5.0


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
        vol.Required(CONF_PORT, default=DEFAULT_MODBUS_PORT): number_selector(
            1, 65535, 1, ""
        ),
        vol.Required(CONF_UNIT_ID, default=DEFAULT_UNIT_ID): number_selector(
            1, 247, 1, ""
        ),
        vol.Required(CONF_MAX_READ, default=DEFAULT_MAX_READ): number_selector(
            1, 100, 1, ""
        ),
    }
)

GROWATT_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_GROWATT_DEVICE): DeviceSelector(
            DeviceSelectorConfig(integration="growatt_server")
        )
    }
)


async def _probe_foxess(
    user_input: dict[str, Any],
) -> tuple[dict[str, Any], str | None]:
    """Connect to a Fox ESS inverter; return its entry data or an error key."""
    host, port, unit_id = (
        user_input[CONF_HOST].strip(),
        int(user_input[CONF_PORT]),
        int(user_input[CONF_UNIT_ID]),
    )
    max_read = int(user_input.get(CONF_MAX_READ, DEFAULT_MAX_READ))
    client = FoxEssClient(
        host=host,
        port=port,
        unit_id=unit_id,
        timeout=PROBE_TIMEOUT,
        max_read=max_read,
    )
    try:
        info = await client.async_identify()
    except InverterTimeoutError:
        return {}, "timeout"
    except InverterConnectionError:
        return {}, "cannot_connect"
    except RefusedModelError as err:
        return {}, f"refused_{err.reason}"
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
        CONF_MAX_READ: max_read,
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

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the subentries an entry can have: controllable loads."""
        return {LOAD_SUBENTRY: LoadSubentryFlow}

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the house's sensors."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = sensor_errors(self.hass, user_input) | meter_errors(
                self.hass, user_input
            )
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
            errors = battery_errors(user_input)
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
