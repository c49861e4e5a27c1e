"""Forms of the options flow for prices and forecasts, with their defaults."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    BooleanSelector,
    ConfigEntrySelector,
    ConfigEntrySelectorConfig,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TimeSelector,
)
import voluptuous as vol

from custom_components.ems.const import (
    CONF_BILLING_START_DAY,
    CONF_DAILY_CHARGE,
    CONF_DEMAND_CHARGE,
    CONF_EXPORT_FACTOR,
    CONF_EXPORT_FEE,
    CONF_EXPORT_PRICE_ENTITY,
    CONF_FEES,
    CONF_FIXED_EXPORT_PRICE,
    CONF_FORECAST_SOLAR_ENTRIES,
    CONF_FORECAST_SOLAR_ENTRY,
    CONF_GRID_FEE_HIGH,
    CONF_GRID_FEE_HIGH_TIMES,
    CONF_GRID_FEE_LOW,
    CONF_GRID_FEE_LOW_TIMES,
    CONF_GRID_FEE_QUARTERS,
    CONF_GRID_FEE_STANDARD,
    CONF_GRID_FEES,
    CONF_HORIZON_HOURS,
    CONF_LOAD_HISTORY_WEEKS,
    CONF_MARKUP,
    CONF_NORDPOOL_AREA,
    CONF_NORDPOOL_ENTRY,
    CONF_OFFPEAK_PRICE,
    CONF_PEAK_END,
    CONF_PEAK_PRICE,
    CONF_PEAK_START,
    CONF_PEAK_WEEKDAYS_ONLY,
    CONF_PLANNER_METHOD,
    CONF_PRICE_ATTRIBUTE,
    CONF_PRICE_CURRENCY,
    CONF_PRICE_END_KEY,
    CONF_PRICE_SOURCE,
    CONF_PRICE_START_KEY,
    CONF_PRICE_UNIT,
    CONF_PRICE_VALUE_KEY,
    CONF_PRICES_ARE_SPOT,
    CONF_PV_SOURCE,
    CONF_SLOT_MINUTES,
    CONF_SOLCAST_ENTITIES,
    CONF_SOLCAST_ESTIMATE,
    CONF_STORM_RESERVE_SOC,
    CONF_TIBBER_HOME,
    CONF_VAT_PERCENT,
    CONF_WARNING_ENTITIES,
    CONF_WARNING_SEVERITY,
    CONF_WEATHER_ENTITY,
    OPTION_DEFAULTS,
    PriceSource,
    PvSource,
)
from custom_components.ems.core.inputs import (
    InputsError,
    Severity,
    SolcastEstimate,
    parse_windows,
)

from .schemas import number_selector


def _select(key: str, choices: list[str], *, multiple: bool = False) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=choices,
            translation_key=key,
            mode=SelectSelectorMode.DROPDOWN,
            multiple=multiple,
        )
    )


def _price(low: float = -10.0) -> NumberSelector:
    return number_selector(low, 100, "any", "/kWh")


PRICES_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PRICE_SOURCE): _select(
            CONF_PRICE_SOURCE, [source.value for source in PriceSource]
        ),
        vol.Optional(CONF_EXPORT_PRICE_ENTITY): EntitySelector(
            EntitySelectorConfig(domain="sensor")
        ),
        vol.Required(CONF_PRICES_ARE_SPOT): BooleanSelector(),
        vol.Required(CONF_MARKUP): _price(),
        vol.Required(CONF_VAT_PERCENT): number_selector(0, 100, 0.1, "%"),
        vol.Required(CONF_FEES): _price(),
        vol.Required(CONF_EXPORT_FACTOR): number_selector(0, 10, 0.01),
        vol.Required(CONF_EXPORT_FEE): _price(),
        vol.Required(CONF_DAILY_CHARGE, default=0.0): number_selector(
            0, 1000, "any", "/day"
        ),
        vol.Required(CONF_GRID_FEES, default=False): BooleanSelector(),
        vol.Required(CONF_DEMAND_CHARGE, default=False): BooleanSelector(),
    }
)

GRID_FEES_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_GRID_FEE_LOW): _price(),
        vol.Required(CONF_GRID_FEE_STANDARD): _price(),
        vol.Required(CONF_GRID_FEE_HIGH): _price(),
        vol.Optional(CONF_GRID_FEE_LOW_TIMES): TextSelector(),
        vol.Optional(CONF_GRID_FEE_HIGH_TIMES): TextSelector(),
        vol.Required(CONF_GRID_FEE_QUARTERS): _select(
            CONF_GRID_FEE_QUARTERS, ["1", "2", "3", "4"], multiple=True
        ),
    }
)

NORDPOOL_CORE_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_NORDPOOL_ENTRY): ConfigEntrySelector(
            ConfigEntrySelectorConfig(integration="nordpool")
        ),
        vol.Optional(CONF_NORDPOOL_AREA): TextSelector(),
        vol.Optional(CONF_PRICE_CURRENCY): TextSelector(),
    }
)

TIBBER_SCHEMA = vol.Schema({vol.Optional(CONF_TIBBER_HOME): TextSelector()})

PRICE_ATTRIBUTE_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PRICE_ATTRIBUTE): TextSelector(),
        vol.Required(CONF_PRICE_START_KEY): TextSelector(),
        vol.Required(CONF_PRICE_VALUE_KEY): TextSelector(),
        vol.Optional(CONF_PRICE_END_KEY): TextSelector(),
        vol.Required(CONF_PRICE_UNIT): TextSelector(),
    }
)

TWO_RATE_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PEAK_PRICE): _price(),
        vol.Required(CONF_OFFPEAK_PRICE): _price(),
        vol.Required(CONF_PEAK_START): TimeSelector(),
        vol.Required(CONF_PEAK_END): TimeSelector(),
        vol.Required(CONF_PEAK_WEEKDAYS_ONLY): BooleanSelector(),
        vol.Required(CONF_FIXED_EXPORT_PRICE): _price(),
    }
)


def forecasts_schema(hass: HomeAssistant) -> vol.Schema:
    """Return the forecasts form; it lists the Forecast.Solar entries (roofs) to sum."""
    roofs = [
        SelectOptionDict(value=entry.entry_id, label=entry.title)
        for entry in hass.config_entries.async_entries("forecast_solar")
    ]
    return vol.Schema(
        {
            vol.Required(CONF_PV_SOURCE): _select(
                CONF_PV_SOURCE, [source.value for source in PvSource]
            ),
            vol.Optional(CONF_SOLCAST_ENTITIES): EntitySelector(
                EntitySelectorConfig(domain="sensor", multiple=True)
            ),
            vol.Required(CONF_SOLCAST_ESTIMATE): _select(
                CONF_SOLCAST_ESTIMATE, [estimate.value for estimate in SolcastEstimate]
            ),
            vol.Optional(CONF_FORECAST_SOLAR_ENTRIES): SelectSelector(
                SelectSelectorConfig(
                    options=roofs, multiple=True, mode=SelectSelectorMode.DROPDOWN
                )
            ),
            vol.Optional(CONF_WEATHER_ENTITY): EntitySelector(
                EntitySelectorConfig(domain="weather")
            ),
            vol.Required(CONF_LOAD_HISTORY_WEEKS): number_selector(1, 12, 1, "weeks"),
            vol.Required(CONF_SLOT_MINUTES): _select(
                CONF_SLOT_MINUTES, ["15", "30", "60"]
            ),
            vol.Required(CONF_HORIZON_HOURS): number_selector(1, 96, 1, "h"),
            vol.Required(CONF_PLANNER_METHOD): _select(
                CONF_PLANNER_METHOD, ["milp", "dp"]
            ),
            vol.Required(CONF_BILLING_START_DAY, default=1): number_selector(
                1, 28, 1, ""
            ),
            vol.Optional(CONF_WARNING_ENTITIES): EntitySelector(
                EntitySelectorConfig(domain=["binary_sensor", "sensor"], multiple=True)
            ),
            vol.Required(CONF_STORM_RESERVE_SOC, default=80.0): number_selector(
                0, 100, 1, "%"
            ),
            vol.Required(CONF_WARNING_SEVERITY, default="moderate"): _select(
                CONF_WARNING_SEVERITY, [level.name.lower() for level in Severity]
            ),
        }
    )


SOURCE_STEPS: dict[PriceSource, tuple[str, vol.Schema]] = {
    PriceSource.NORDPOOL_CORE: ("nordpool_core", NORDPOOL_CORE_SCHEMA),
    PriceSource.TIBBER: ("tibber", TIBBER_SCHEMA),
    PriceSource.ATTRIBUTE_LIST: ("price_attribute", PRICE_ATTRIBUTE_SCHEMA),
    PriceSource.TWO_RATE: ("two_rate", TWO_RATE_SCHEMA),
}


def suggested(options: Mapping[str, Any]) -> dict[str, Any]:
    """Return the options with defaults filled in, shaped for the forms."""
    values = {**OPTION_DEFAULTS, **options}
    values[CONF_SLOT_MINUTES] = str(values[CONF_SLOT_MINUTES])
    if CONF_FORECAST_SOLAR_ENTRIES not in values and values.get(
        CONF_FORECAST_SOLAR_ENTRY
    ):
        values[CONF_FORECAST_SOLAR_ENTRIES] = [values[CONF_FORECAST_SOLAR_ENTRY]]
    return values


def merge_step(
    options: dict[str, Any], schema: vol.Schema, user_input: Mapping[str, Any]
) -> dict[str, Any]:
    """Return the options with a step's answers; optional fields left empty go."""
    merged = {**options, **user_input}
    for marker in schema.schema:
        if isinstance(marker, vol.Optional) and marker.schema not in user_input:
            merged.pop(marker.schema, None)
    if CONF_PV_SOURCE in user_input:
        # The Forecast.Solar entries (a list) replace the one entry of older options.
        merged.pop(CONF_FORECAST_SOLAR_ENTRY, None)
    if CONF_STORM_RESERVE_SOC in user_input:
        merged[CONF_STORM_RESERVE_SOC] = float(user_input[CONF_STORM_RESERVE_SOC])
    if CONF_SLOT_MINUTES in user_input:
        merged[CONF_SLOT_MINUTES] = int(user_input[CONF_SLOT_MINUTES])
    if CONF_HORIZON_HOURS in user_input:
        merged[CONF_HORIZON_HOURS] = int(user_input[CONF_HORIZON_HOURS])
    for whole in (CONF_LOAD_HISTORY_WEEKS, CONF_BILLING_START_DAY):
        if whole in user_input:
            merged[whole] = int(user_input[whole])
    return merged


def forecasts_errors(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Return the form errors of the forecasts step."""
    source = PvSource(user_input[CONF_PV_SOURCE])
    solcast = source in (PvSource.SOLCAST, PvSource.SOLCAST_AND_FORECAST_SOLAR)
    roofs = source in (PvSource.FORECAST_SOLAR, PvSource.SOLCAST_AND_FORECAST_SOLAR)
    if solcast and not user_input.get(CONF_SOLCAST_ENTITIES):
        return {CONF_SOLCAST_ENTITIES: "solcast_entities_required"}
    if roofs and not user_input.get(CONF_FORECAST_SOLAR_ENTRIES):
        return {CONF_FORECAST_SOLAR_ENTRIES: "forecast_solar_entry_required"}
    return {}


def grid_fees_errors(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Return the form errors of the time-of-day grid fees step."""
    for key in (CONF_GRID_FEE_LOW_TIMES, CONF_GRID_FEE_HIGH_TIMES):
        try:
            parse_windows(str(user_input.get(key, "")))
        except InputsError:
            return {key: "grid_fee_times_invalid"}
    if not user_input.get(CONF_GRID_FEE_QUARTERS):
        return {CONF_GRID_FEE_QUARTERS: "grid_fee_quarters_required"}
    return {}


def two_rate_errors(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Return the form errors of the two-rate tariff step."""
    for key in (CONF_PEAK_START, CONF_PEAK_END):
        try:
            moment = time.fromisoformat(str(user_input[key]))
        except ValueError:
            return {key: "not_on_quarter_hour"}
        if moment.minute % 15 or moment.second:
            return {key: "not_on_quarter_hour"}
    return {}
