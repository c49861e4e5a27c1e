"""The inputs' part of the configuration: prices, forecasts, grid fees, warnings (pure).

`config.EmsConfig` is built from these; every option keeps its default for entries
made before it existed (`const.option`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
import logging
from typing import Any

from custom_components.ems.const import (
    CONF_DAILY_CHARGE,
    CONF_DEMAND_CHARGE,
    CONF_DEMAND_FROM_HOUR,
    CONF_DEMAND_GRID_ENTITY,
    CONF_DEMAND_MEASURE,
    CONF_DEMAND_MINIMUM_KW,
    CONF_DEMAND_PRESET,
    CONF_DEMAND_PRICE,
    CONF_DEMAND_RULE,
    CONF_DEMAND_TO_HOUR,
    CONF_DEMAND_WEEKDAYS_ONLY,
    CONF_EXPORT_PRICE_ENTITY,
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
    CONF_GRID_POWER_ENTITY,
    CONF_LOAD_HISTORY_WEEKS,
    CONF_NORDPOOL_AREA,
    CONF_NORDPOOL_ENTRY,
    CONF_OFFPEAK_PRICE,
    CONF_PEAK_END,
    CONF_PEAK_PRICE,
    CONF_PEAK_START,
    CONF_PEAK_WEEKDAYS_ONLY,
    CONF_PRICE_ATTRIBUTE,
    CONF_PRICE_CURRENCY,
    CONF_PRICE_END_KEY,
    CONF_PRICE_ENTITY,
    CONF_PRICE_SOURCE,
    CONF_PRICE_START_KEY,
    CONF_PRICE_UNIT,
    CONF_PRICE_VALUE_KEY,
    CONF_PV_SOURCE,
    CONF_SOLCAST_ENTITIES,
    CONF_SOLCAST_ESTIMATE,
    CONF_STORM_RESERVE_SOC,
    CONF_TIBBER_HOME,
    CONF_WARNING_ENTITIES,
    CONF_WARNING_SEVERITY,
    CONF_WEATHER_ENTITY,
    PriceSource,
    PvSource,
    option as _option,
)

from .demand import PRESETS, DemandConfig, PeakRule
from .inputs.alerts import Severity
from .inputs.grid_fees import GridFeeSchedule, parse_windows
from .inputs.pv import SolcastEstimate
from .inputs.series import InputsError

_LOGGER = logging.getLogger(__name__)


def _entity(options: Mapping[str, Any], key: str) -> str | None:
    value = options.get(key)
    return str(value) if value else None


@dataclass(frozen=True, kw_only=True, slots=True)
class TwoRateConfig:
    """A fixed peak/off-peak tariff (the `two_rate` price source)."""

    peak_price: float
    offpeak_price: float
    peak_start: time
    peak_end: time
    weekdays_only: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class PriceConfig:
    """Where import and export prices come from."""

    entity_id: str
    source: PriceSource
    export_entity_id: str | None
    attribute: str
    start_key: str
    value_key: str
    end_key: str | None
    unit: str
    nordpool_entry: str
    nordpool_area: str
    currency: str | None
    tibber_home: str | None
    two_rate: TwoRateConfig
    fixed_export_price: float
    daily_charge: float = 0.0  # a fixed charge per day, booked with the savings


@dataclass(frozen=True, kw_only=True, slots=True)
class ForecastConfig:
    """The PV forecast, the weather and how much load history to learn from."""

    pv_source: PvSource
    solcast_entities: tuple[str, ...]
    solcast_estimate: SolcastEstimate
    forecast_solar_entries: tuple[str, ...]
    weather_entity: str | None
    load_history_weeks: int


@dataclass(frozen=True, kw_only=True, slots=True)
class WarningConfig:
    """Weather warnings that raise the reserve, and to what."""

    entities: tuple[str, ...] = ()
    reserve_soc_percent: float = 80.0
    min_severity: Severity = Severity.MODERATE


def prices_config(options: Mapping[str, Any]) -> PriceConfig:
    """Return where the prices come from, the two-rate tariff and the daily charge."""
    currency = str(_option(options, CONF_PRICE_CURRENCY) or "")
    home = str(_option(options, CONF_TIBBER_HOME) or "")
    return PriceConfig(
        entity_id=str(options[CONF_PRICE_ENTITY]),
        source=PriceSource(_option(options, CONF_PRICE_SOURCE)),
        export_entity_id=_entity(options, CONF_EXPORT_PRICE_ENTITY),
        attribute=str(_option(options, CONF_PRICE_ATTRIBUTE)),
        start_key=str(_option(options, CONF_PRICE_START_KEY)),
        value_key=str(_option(options, CONF_PRICE_VALUE_KEY)),
        end_key=str(_option(options, CONF_PRICE_END_KEY) or "") or None,
        unit=str(_option(options, CONF_PRICE_UNIT)),
        nordpool_entry=str(options.get(CONF_NORDPOOL_ENTRY, "")),
        # Nord Pool's action knows its areas and currencies in capitals only.
        nordpool_area=str(_option(options, CONF_NORDPOOL_AREA) or "").strip().upper(),
        currency=currency.strip().upper() or None,
        tibber_home=home or None,
        two_rate=TwoRateConfig(
            peak_price=float(_option(options, CONF_PEAK_PRICE)),
            offpeak_price=float(_option(options, CONF_OFFPEAK_PRICE)),
            peak_start=time.fromisoformat(str(_option(options, CONF_PEAK_START))),
            peak_end=time.fromisoformat(str(_option(options, CONF_PEAK_END))),
            weekdays_only=bool(_option(options, CONF_PEAK_WEEKDAYS_ONLY)),
        ),
        fixed_export_price=float(_option(options, CONF_FIXED_EXPORT_PRICE)),
        daily_charge=float(_option(options, CONF_DAILY_CHARGE)),
    )


def forecasts_config(options: Mapping[str, Any]) -> ForecastConfig:
    """Return the PV forecast, the weather and the load history to learn from."""
    return ForecastConfig(
        pv_source=PvSource(_option(options, CONF_PV_SOURCE)),
        solcast_entities=tuple(_option(options, CONF_SOLCAST_ENTITIES)),
        solcast_estimate=SolcastEstimate(_option(options, CONF_SOLCAST_ESTIMATE)),
        forecast_solar_entries=_forecast_solar_entries(options),
        weather_entity=_entity(options, CONF_WEATHER_ENTITY),
        load_history_weeks=int(_option(options, CONF_LOAD_HISTORY_WEEKS)),
    )


def _forecast_solar_entries(options: Mapping[str, Any]) -> tuple[str, ...]:
    """Return the Forecast.Solar entries: the list, or the one entry of older options."""
    entries = options.get(CONF_FORECAST_SOLAR_ENTRIES)
    if entries:
        return tuple(str(entry) for entry in entries)
    single = options.get(CONF_FORECAST_SOLAR_ENTRY)
    return (str(single),) if single else ()


def grid_fees_config(options: Mapping[str, Any]) -> GridFeeSchedule | None:
    """Return the time-of-day grid fees, None when off (or unreadable, with a warning)."""
    if not _option(options, CONF_GRID_FEES):
        return None
    try:
        return GridFeeSchedule(
            low=float(_option(options, CONF_GRID_FEE_LOW)),
            standard=float(_option(options, CONF_GRID_FEE_STANDARD)),
            high=float(_option(options, CONF_GRID_FEE_HIGH)),
            low_windows=parse_windows(str(_option(options, CONF_GRID_FEE_LOW_TIMES))),
            high_windows=parse_windows(str(_option(options, CONF_GRID_FEE_HIGH_TIMES))),
            quarters=tuple(
                sorted(
                    int(quarter) for quarter in _option(options, CONF_GRID_FEE_QUARTERS)
                )
            ),
        )
    except (InputsError, TypeError, ValueError) as err:
        _LOGGER.warning("EMS time-of-day grid fees are off: %s", err)
        return None


def demand_config(options: Mapping[str, Any]) -> DemandConfig | None:
    """Return the demand charge, None when off; a preset fixes all but the price."""
    if not options.get(CONF_DEMAND_CHARGE):
        return None
    preset = PRESETS.get(str(options.get(CONF_DEMAND_PRESET)), {})
    rule = options.get(CONF_DEMAND_RULE)
    values: dict[str, Any] = {
        "rule": PeakRule(rule) if rule in set(PeakRule) else PeakRule.MONTHLY_PEAK,
        "measure_minutes": int(options.get(CONF_DEMAND_MEASURE, 15)),
        "weekdays_only": options.get(CONF_DEMAND_WEEKDAYS_ONLY) is True,
        "from_hour": int(options.get(CONF_DEMAND_FROM_HOUR, 0)),
        "to_hour": int(options.get(CONF_DEMAND_TO_HOUR, 24)),
        "minimum_kw": float(options.get(CONF_DEMAND_MINIMUM_KW, 0.0)),
    } | dict(preset)
    return DemandConfig(
        price_per_kw=float(options.get(CONF_DEMAND_PRICE, 0.0)),
        grid_entity=_entity(options, CONF_DEMAND_GRID_ENTITY)
        or _entity(options, CONF_GRID_POWER_ENTITY),
        **values,
    )


def warnings_config(options: Mapping[str, Any]) -> WarningConfig:
    """Return the warning entities, the storm reserve and the least severity that counts."""
    return WarningConfig(
        entities=tuple(_option(options, CONF_WARNING_ENTITIES) or ()),
        reserve_soc_percent=float(_option(options, CONF_STORM_RESERVE_SOC)),
        min_severity=Severity.named(_option(options, CONF_WARNING_SEVERITY))
        or Severity.MODERATE,
    )
