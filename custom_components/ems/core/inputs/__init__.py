"""Inputs for the planner: price and PV adapters, slot alignment, load forecast (pure)."""

from .align import (
    AlignedInputs,
    InputIssue,
    IssueKind,
    align_inputs,
    resample_power,
    resample_prices,
    slot_start,
    slot_starts,
)
from .load import LoadForecast, LoadMethod, forecast_load, mean_absolute_error
from .prices import (
    attribute_list,
    currency_of,
    energy_unit_scale,
    entsoe,
    nordpool_core,
    nordpool_hacs,
    scale_from_unit,
    tibber,
)
from .pv import SolcastEstimate, forecast_solar, held_measured_pv, solcast
from .series import (
    InputsError,
    PowerPoint,
    PowerSeries,
    PricePoint,
    PriceSeries,
    describe_warnings,
    merge_prices,
)
from .tariff import TwoRateTariff, two_rate_prices
from .weather import (
    UPDATE_PERIOD,
    WEATHER_CACHE,
    ForecastSource,
    TemperatureForecast,
    is_stale,
    weather_temperatures,
)

__all__ = [
    "UPDATE_PERIOD",
    "WEATHER_CACHE",
    "AlignedInputs",
    "ForecastSource",
    "InputIssue",
    "InputsError",
    "IssueKind",
    "LoadForecast",
    "LoadMethod",
    "PowerPoint",
    "PowerSeries",
    "PricePoint",
    "PriceSeries",
    "SolcastEstimate",
    "TemperatureForecast",
    "TwoRateTariff",
    "align_inputs",
    "attribute_list",
    "currency_of",
    "describe_warnings",
    "energy_unit_scale",
    "entsoe",
    "forecast_load",
    "forecast_solar",
    "held_measured_pv",
    "is_stale",
    "mean_absolute_error",
    "merge_prices",
    "nordpool_core",
    "nordpool_hacs",
    "resample_power",
    "resample_prices",
    "scale_from_unit",
    "slot_start",
    "slot_starts",
    "solcast",
    "tibber",
    "two_rate_prices",
    "weather_temperatures",
]
