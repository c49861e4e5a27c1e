"""Constants for the EMS integration."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
import logging
from typing import Any, Final

DOMAIN: Final = "ems"
LOGGER = logging.getLogger(__package__)

# The config subentry type of a controllable load.
LOAD_SUBENTRY: Final = "load"

# The house, as Home Assistant entities (options).
CONF_SOC_ENTITY: Final = "battery_soc_entity"
CONF_BATTERY_POWER_ENTITY: Final = "battery_power_entity"
CONF_PV_POWER_ENTITY: Final = "pv_power_entity"
CONF_LOAD_POWER_ENTITY: Final = "load_power_entity"
CONF_GRID_POWER_ENTITY: Final = "grid_power_entity"
CONF_PRICE_ENTITY: Final = "price_entity"

# The user's energy meters (options, all optional): with the grid import and export
# meters the savings books use meter deltas instead of integrated power.
CONF_IMPORT_METER_ENTITY: Final = "grid_import_meter_entity"
CONF_EXPORT_METER_ENTITY: Final = "grid_export_meter_entity"
CONF_PV_METER_ENTITY: Final = "pv_meter_entity"
CONF_CHARGE_METER_ENTITY: Final = "battery_charge_meter_entity"
CONF_DISCHARGE_METER_ENTITY: Final = "battery_discharge_meter_entity"
METER_OPTIONS: Final = (
    CONF_IMPORT_METER_ENTITY,
    CONF_EXPORT_METER_ENTITY,
    CONF_PV_METER_ENTITY,
    CONF_CHARGE_METER_ENTITY,
    CONF_DISCHARGE_METER_ENTITY,
)

# The battery and the grid connection (options).
CONF_CAPACITY_KWH: Final = "capacity_kwh"
CONF_MIN_SOC: Final = "min_soc_percent"
CONF_MAX_SOC: Final = "max_soc_percent"
CONF_MAX_CHARGE_KW: Final = "max_charge_kw"
CONF_MAX_DISCHARGE_KW: Final = "max_discharge_kw"
CONF_CHARGE_EFFICIENCY: Final = "charge_efficiency_percent"
CONF_DISCHARGE_EFFICIENCY: Final = "discharge_efficiency_percent"
CONF_CYCLE_COST: Final = "cycle_cost_per_kwh"
CONF_MAX_IMPORT_KW: Final = "max_import_kw"
CONF_MAX_EXPORT_KW: Final = "max_export_kw"
CONF_PV_PEAK_KW: Final = "pv_peak_kw"

# Planning and the retail tariff (options; defaults for entries made before them).
CONF_SLOT_MINUTES: Final = "slot_minutes"
CONF_HORIZON_HOURS: Final = "horizon_hours"
CONF_PLANNER_METHOD: Final = "planner_method"
CONF_PRICES_ARE_SPOT: Final = "prices_are_spot"
CONF_MARKUP: Final = "markup_per_kwh"
CONF_VAT_PERCENT: Final = "vat_percent"
CONF_FEES: Final = "fees_per_kwh"
CONF_EXPORT_FACTOR: Final = "export_factor"
CONF_EXPORT_FEE: Final = "export_fee_per_kwh"

PLANNING_DEFAULTS: Final[dict[str, Any]] = {
    CONF_SLOT_MINUTES: 15,
    CONF_HORIZON_HOURS: 48,
    CONF_PLANNER_METHOD: "milp",
    CONF_PRICES_ARE_SPOT: False,
    CONF_MARKUP: 0.0,
    CONF_VAT_PERCENT: 0.0,
    CONF_FEES: 0.0,
    CONF_EXPORT_FACTOR: 1.0,
    CONF_EXPORT_FEE: 0.0,
}

# Where prices and forecasts come from (options; defaults for entries made before them).
CONF_PRICE_SOURCE: Final = "price_source"
CONF_EXPORT_PRICE_ENTITY: Final = "export_price_entity"
CONF_NORDPOOL_ENTRY: Final = "nordpool_config_entry"
CONF_NORDPOOL_AREA: Final = "nordpool_area"
CONF_PRICE_CURRENCY: Final = "price_currency"
CONF_TIBBER_HOME: Final = "tibber_home"
CONF_PRICE_ATTRIBUTE: Final = "price_attribute"
CONF_PRICE_START_KEY: Final = "price_start_key"
CONF_PRICE_VALUE_KEY: Final = "price_value_key"
CONF_PRICE_END_KEY: Final = "price_end_key"
CONF_PRICE_UNIT: Final = "price_unit"
CONF_PEAK_PRICE: Final = "peak_price_per_kwh"
CONF_OFFPEAK_PRICE: Final = "offpeak_price_per_kwh"
CONF_PEAK_START: Final = "peak_start"
CONF_PEAK_END: Final = "peak_end"
CONF_PEAK_WEEKDAYS_ONLY: Final = "peak_weekdays_only"
CONF_FIXED_EXPORT_PRICE: Final = "fixed_export_price_per_kwh"
CONF_PV_SOURCE: Final = "pv_source"
CONF_SOLCAST_ENTITIES: Final = "solcast_entities"
CONF_SOLCAST_ESTIMATE: Final = "solcast_estimate"
CONF_FORECAST_SOLAR_ENTRY: Final = "forecast_solar_config_entry"
CONF_WEATHER_ENTITY: Final = "weather_entity"
CONF_LOAD_HISTORY_WEEKS: Final = "load_history_weeks"
# Several Forecast.Solar entries (roofs), summed; the single entry above is the old form.
CONF_FORECAST_SOLAR_ENTRIES: Final = "forecast_solar_config_entries"
# A fixed charge per day (standing charge), booked with the savings (options).
CONF_DAILY_CHARGE: Final = "fixed_charge_per_day"
# Time-of-day grid fees (Germany's §14a EnWG module 3): three levels by time and quarter.
CONF_GRID_FEES: Final = "grid_fees_by_time"
CONF_GRID_FEE_LOW: Final = "grid_fee_low_per_kwh"
CONF_GRID_FEE_STANDARD: Final = "grid_fee_standard_per_kwh"
CONF_GRID_FEE_HIGH: Final = "grid_fee_high_per_kwh"
CONF_GRID_FEE_LOW_TIMES: Final = "grid_fee_low_times"
CONF_GRID_FEE_HIGH_TIMES: Final = "grid_fee_high_times"
CONF_GRID_FEE_QUARTERS: Final = "grid_fee_quarters"
# Demand (capacity) charge: on/off, then its own page.
CONF_DEMAND_CHARGE: Final = "demand_charge"
CONF_DEMAND_PRESET: Final = "demand_preset"
CONF_DEMAND_PRICE: Final = "demand_price_per_kw"
CONF_DEMAND_RULE: Final = "demand_rule"
CONF_DEMAND_MEASURE: Final = "demand_measure_minutes"
CONF_DEMAND_WEEKDAYS_ONLY: Final = "demand_weekdays_only"
CONF_DEMAND_FROM_HOUR: Final = "demand_from_hour"
CONF_DEMAND_TO_HOUR: Final = "demand_to_hour"
CONF_DEMAND_MINIMUM_KW: Final = "demand_minimum_kw"
CONF_DEMAND_GRID_ENTITY: Final = "demand_grid_entity"
# Storm and outage reserve: weather warning entities raise the reserve (options).
CONF_WARNING_ENTITIES: Final = "warning_entities"
CONF_STORM_RESERVE_SOC: Final = "storm_reserve_soc_percent"
CONF_WARNING_SEVERITY: Final = "warning_min_severity"


class PriceSource(StrEnum):
    """Which adapter reads the prices."""

    AUTO = "auto"
    NORDPOOL_HACS = "nordpool_hacs"
    NORDPOOL_CORE = "nordpool_core"
    ENTSOE = "entsoe"
    TIBBER = "tibber"
    ATTRIBUTE_LIST = "attribute_list"
    TWO_RATE = "two_rate"
    AMBER = "amber"
    OCTOPUS = "octopus"


class PvSource(StrEnum):
    """Which PV forecast the planner uses."""

    NONE = "none"
    SOLCAST = "solcast"
    FORECAST_SOLAR = "forecast_solar"
    SOLCAST_AND_FORECAST_SOLAR = "solcast_and_forecast_solar"


# The day of the month a billing cycle starts (1-28), for the savings sensors.
CONF_BILLING_START_DAY: Final = "billing_start_day"

INPUT_DEFAULTS: Final[dict[str, Any]] = {
    CONF_PRICE_SOURCE: PriceSource.AUTO.value,
    CONF_PRICE_ATTRIBUTE: "prices",
    CONF_PRICE_START_KEY: "start",
    CONF_PRICE_VALUE_KEY: "price",
    CONF_PRICE_END_KEY: "",
    CONF_PRICE_UNIT: "EUR/kWh",
    CONF_NORDPOOL_AREA: "",
    CONF_PRICE_CURRENCY: "",
    CONF_TIBBER_HOME: "",
    CONF_PEAK_PRICE: 0.30,
    CONF_OFFPEAK_PRICE: 0.20,
    CONF_PEAK_START: "07:00:00",
    CONF_PEAK_END: "22:00:00",
    CONF_PEAK_WEEKDAYS_ONLY: False,
    CONF_FIXED_EXPORT_PRICE: 0.0,
    CONF_PV_SOURCE: PvSource.NONE.value,
    CONF_SOLCAST_ENTITIES: [],
    CONF_SOLCAST_ESTIMATE: "pv_estimate",
    CONF_LOAD_HISTORY_WEEKS: 4,
    CONF_BILLING_START_DAY: 1,
    CONF_DAILY_CHARGE: 0.0,
    CONF_GRID_FEES: False,
    CONF_GRID_FEE_LOW: 0.0,
    CONF_GRID_FEE_STANDARD: 0.0,
    CONF_GRID_FEE_HIGH: 0.0,
    CONF_GRID_FEE_LOW_TIMES: "",
    CONF_GRID_FEE_HIGH_TIMES: "",
    CONF_GRID_FEE_QUARTERS: ["1", "2", "3", "4"],
    CONF_WARNING_ENTITIES: [],
    CONF_STORM_RESERVE_SOC: 80.0,
    CONF_WARNING_SEVERITY: "moderate",
}

# Every tunable option's default, for entries made before the option existed.
OPTION_DEFAULTS: Final[dict[str, Any]] = {**PLANNING_DEFAULTS, **INPUT_DEFAULTS}


def option(options: Mapping[str, Any], key: str) -> Any:
    """Return an option, with its default for entries made before it."""
    return options.get(key, OPTION_DEFAULTS.get(key))


# The inverter (entry data; changed by the reconfigure step).
CONF_INVERTER_TYPE: Final = "inverter_type"
CONF_UNIT_ID: Final = "unit_id"
CONF_GROWATT_DEVICE: Final = "growatt_device"
CONF_INVERTER_MODEL: Final = "inverter_model"
CONF_INVERTER_SERIAL: Final = "inverter_serial"

DEFAULT_MODBUS_PORT: Final = 502
DEFAULT_UNIT_ID: Final = 247
# Registers the Modbus adapter answers per read: 8 suits the smallest (USR-W610).
CONF_MAX_READ: Final = "max_read_registers"
DEFAULT_MAX_READ: Final = 8

# The user's consent to the control self-test's pulses (options).
CONF_SELF_TEST_CONSENT: Final = "self_test_consent"

# The slot clock: the coordinator refreshes on every 5-minute boundary.
REFRESH_INTERVAL: Final = timedelta(minutes=5)


class InverterType(StrEnum):
    """How EMS reaches the inverter."""

    NONE = "none"
    FOXESS_MODBUS = "foxess_modbus"
    GROWATT = "growatt"


class OperatingMode(StrEnum):
    """What the user asks of the battery; `auto` follows the plan."""

    AUTO = "auto"
    SELF_USE = "self_use"
    FORCE_CHARGE = "force_charge"
    FORCE_DISCHARGE = "force_discharge"
    HOLD = "hold"
    ZERO_EXPORT = "zero_export"
