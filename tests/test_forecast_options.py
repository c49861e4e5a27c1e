"""The options flow's price and forecast steps, every path."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ems.const import (
    CONF_EXPORT_FACTOR,
    CONF_EXPORT_FEE,
    CONF_EXPORT_PRICE_ENTITY,
    CONF_FEES,
    CONF_FIXED_EXPORT_PRICE,
    CONF_FORECAST_SOLAR_ENTRIES,
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
    CONF_PRICE_SOURCE,
    CONF_PRICE_START_KEY,
    CONF_PRICE_UNIT,
    CONF_PRICE_VALUE_KEY,
    CONF_PRICES_ARE_SPOT,
    CONF_PV_SOURCE,
    CONF_SLOT_MINUTES,
    CONF_SOLCAST_ENTITIES,
    CONF_SOLCAST_ESTIMATE,
    CONF_TIBBER_HOME,
    CONF_VAT_PERCENT,
    CONF_WEATHER_ENTITY,
)

from .conftest import BATTERY_OPTIONS, SENSOR_OPTIONS

PRICES: dict[str, Any] = {
    CONF_PRICE_SOURCE: "auto",
    CONF_PRICES_ARE_SPOT: True,
    CONF_MARKUP: 0.05,
    CONF_VAT_PERCENT: 25.0,
    CONF_FEES: 0.4,
    CONF_EXPORT_FACTOR: 1.0,
    CONF_EXPORT_FEE: 0.02,
}
FORECASTS: dict[str, Any] = {
    CONF_PV_SOURCE: "none",
    CONF_SOLCAST_ESTIMATE: "pv_estimate",
    CONF_LOAD_HISTORY_WEEKS: 4,
    CONF_SLOT_MINUTES: "30",
    CONF_HORIZON_HOURS: 36,
    CONF_PLANNER_METHOD: "dp",
}


async def to_prices(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigFlowResult:
    """Walk the options flow through the house and battery steps."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], SENSOR_OPTIONS
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], BATTERY_OPTIONS
    )
    assert result["step_id"] == "prices"
    return result


def suggested_value(result: ConfigFlowResult, key: str) -> Any:
    """Return the value a form suggests for a field."""
    schema = result["data_schema"]
    assert schema is not None
    for marker in schema.schema:
        if marker.schema == key:
            return (marker.description or {}).get("suggested_value")
    raise AssertionError(f"{key} is not in the form")


async def test_old_entry_gets_defaults_and_planning_options(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """An entry from before these steps sees defaults; the answers are stored typed."""
    result = await to_prices(hass, init_integration)
    assert suggested_value(result, CONF_PRICE_SOURCE) == "auto"
    assert suggested_value(result, CONF_VAT_PERCENT) == 0.0
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**PRICES, CONF_EXPORT_PRICE_ENTITY: "sensor.export"}
    )
    assert result["step_id"] == "forecasts"
    assert suggested_value(result, CONF_SLOT_MINUTES) == "15"
    assert suggested_value(result, CONF_HORIZON_HOURS) == 48
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**FORECASTS, CONF_WEATHER_ENTITY: "weather.home"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    options = init_integration.options
    assert options[CONF_SLOT_MINUTES] == 30
    assert options[CONF_HORIZON_HOURS] == 36
    assert options[CONF_PLANNER_METHOD] == "dp"
    assert options[CONF_VAT_PERCENT] == 25.0
    assert options[CONF_EXPORT_PRICE_ENTITY] == "sensor.export"
    assert options[CONF_WEATHER_ENTITY] == "weather.home"

    # Emptied optional fields are removed, not kept from before.
    result = await to_prices(hass, init_integration)
    assert suggested_value(result, CONF_EXPORT_PRICE_ENTITY) == "sensor.export"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], PRICES
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], FORECASTS
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_EXPORT_PRICE_ENTITY not in init_integration.options
    assert CONF_WEATHER_ENTITY not in init_integration.options
    await hass.async_block_till_done()  # the entry reloads with the new options


@pytest.mark.parametrize(
    ("source", "step_id", "details"),
    [
        (
            "nordpool_core",
            "nordpool_core",
            {CONF_NORDPOOL_ENTRY: "abc123", CONF_NORDPOOL_AREA: "SE3"},
        ),
        ("tibber", "tibber", {CONF_TIBBER_HOME: "Hemma"}),
        (
            "attribute_list",
            "price_attribute",
            {
                CONF_PRICE_ATTRIBUTE: "forecast",
                CONF_PRICE_START_KEY: "start_time",
                CONF_PRICE_VALUE_KEY: "value",
                CONF_PRICE_UNIT: "ct/kWh",
            },
        ),
    ],
)
async def test_price_sources_ask_for_their_details(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    source: str,
    step_id: str,
    details: dict[str, Any],
) -> None:
    """Sources that need more than the price sensor get a step of their own."""
    result = await to_prices(hass, init_integration)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**PRICES, CONF_PRICE_SOURCE: source}
    )
    assert result["step_id"] == step_id
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], details
    )
    assert result["step_id"] == "forecasts"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], FORECASTS
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options[CONF_PRICE_SOURCE] == source
    assert details.items() <= init_integration.options.items()


async def test_two_rate_times_must_be_on_quarter_hours(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A peak window at 07:10 is refused; 07:15 is taken."""
    tariff = {
        CONF_PEAK_PRICE: 0.32,
        CONF_OFFPEAK_PRICE: 0.21,
        CONF_PEAK_START: "07:10:00",
        CONF_PEAK_END: "22:00:00",
        CONF_PEAK_WEEKDAYS_ONLY: True,
        CONF_FIXED_EXPORT_PRICE: 0.07,
    }
    result = await to_prices(hass, init_integration)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**PRICES, CONF_PRICE_SOURCE: "two_rate"}
    )
    assert result["step_id"] == "two_rate"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], tariff
    )
    assert result["errors"] == {CONF_PEAK_START: "not_on_quarter_hour"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**tariff, CONF_PEAK_START: "07:15:00"}
    )
    assert result["step_id"] == "forecasts"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], FORECASTS
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options[CONF_PEAK_START] == "07:15:00"


@pytest.mark.parametrize(
    ("pv", "field", "error", "fix"),
    [
        (
            "solcast",
            CONF_SOLCAST_ENTITIES,
            "solcast_entities_required",
            ["sensor.solcast_today", "sensor.solcast_tomorrow"],
        ),
        (
            "forecast_solar",
            CONF_FORECAST_SOLAR_ENTRIES,
            "forecast_solar_entry_required",
            ["forecast_solar_entry_id"],
        ),
    ],
)
async def test_pv_forecast_needs_its_source(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    pv: str,
    field: str,
    error: str,
    fix: Any,
) -> None:
    """Solcast needs its sensors, Forecast.Solar its entry; then the flow finishes."""
    MockConfigEntry(
        domain="forecast_solar", title="Roof", entry_id="forecast_solar_entry_id"
    ).add_to_hass(hass)
    result = await to_prices(hass, init_integration)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], PRICES
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**FORECASTS, CONF_PV_SOURCE: pv}
    )
    assert result["errors"] == {field: error}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**FORECASTS, CONF_PV_SOURCE: pv, field: fix}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options[field] == fix
    await hass.async_block_till_done()  # the entry reloads with the new options
