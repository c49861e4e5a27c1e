"""One typed configuration, built once from an entry's data and options (pure).

Every part of the integration reads this, never the raw options: percentages become
fractions here and only here, defaults for entries made before an option existed are
filled in here, and the inverter's connection (entry data) sits beside the options.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
import logging
from typing import Any, Literal

from custom_components.ems.const import (
    CONF_BATTERY_POWER_ENTITY,
    CONF_BILLING_START_DAY,
    CONF_CAPACITY_KWH,
    CONF_CHARGE_EFFICIENCY,
    CONF_CHARGE_METER_ENTITY,
    CONF_CYCLE_COST,
    CONF_DISCHARGE_EFFICIENCY,
    CONF_DISCHARGE_METER_ENTITY,
    CONF_EXPORT_FACTOR,
    CONF_EXPORT_FEE,
    CONF_EXPORT_METER_ENTITY,
    CONF_EXPORT_PRICE_ENTITY,
    CONF_FEES,
    CONF_FIXED_EXPORT_PRICE,
    CONF_FORECAST_SOLAR_ENTRY,
    CONF_GRID_POWER_ENTITY,
    CONF_GROWATT_DEVICE,
    CONF_HORIZON_HOURS,
    CONF_IMPORT_METER_ENTITY,
    CONF_INVERTER_MODEL,
    CONF_INVERTER_SERIAL,
    CONF_INVERTER_TYPE,
    CONF_LOAD_HISTORY_WEEKS,
    CONF_LOAD_POWER_ENTITY,
    CONF_MARKUP,
    CONF_MAX_CHARGE_KW,
    CONF_MAX_DISCHARGE_KW,
    CONF_MAX_EXPORT_KW,
    CONF_MAX_IMPORT_KW,
    CONF_MAX_SOC,
    CONF_MIN_SOC,
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
    CONF_PRICE_ENTITY,
    CONF_PRICE_SOURCE,
    CONF_PRICE_START_KEY,
    CONF_PRICE_UNIT,
    CONF_PRICE_VALUE_KEY,
    CONF_PRICES_ARE_SPOT,
    CONF_PV_METER_ENTITY,
    CONF_PV_PEAK_KW,
    CONF_PV_POWER_ENTITY,
    CONF_PV_SOURCE,
    CONF_SLOT_MINUTES,
    CONF_SOC_ENTITY,
    CONF_SOLCAST_ENTITIES,
    CONF_SOLCAST_ESTIMATE,
    CONF_TIBBER_HOME,
    CONF_UNIT_ID,
    CONF_VAT_PERCENT,
    CONF_WEATHER_ENTITY,
    DEFAULT_MODBUS_PORT,
    DEFAULT_UNIT_ID,
    OPTION_DEFAULTS,
    InverterType,
    PriceSource,
    PvSource,
)
from custom_components.ems.planner.prices import RetailTariff

from .house import HouseLimits, Quantity
from .inputs.pv import SolcastEstimate

_LOGGER = logging.getLogger(__name__)
CONF_HOST = "host"  # Home Assistant's CONF_HOST, spelled out: the core imports no HA
CONF_PORT = "port"


def _option(options: Mapping[str, Any], key: str) -> Any:
    """Return an option, or its default for entries made before it existed."""
    return options.get(key, OPTION_DEFAULTS.get(key))


def _entity(options: Mapping[str, Any], key: str) -> str | None:
    value = options.get(key)
    return str(value) if value else None


@dataclass(frozen=True, kw_only=True, slots=True)
class HouseEntities:
    """The Home Assistant entities EMS reads the house from."""

    soc: str
    battery_power: str
    pv_power: str
    grid_power: str
    price: str
    load_power: str | None = None

    def by_quantity(self) -> dict[Quantity, str]:
        """Return each quantity's entity (the load only when one is chosen)."""
        sources = {
            Quantity.SOC: self.soc,
            Quantity.BATTERY_POWER: self.battery_power,
            Quantity.PV_POWER: self.pv_power,
            Quantity.GRID_POWER: self.grid_power,
            Quantity.PRICE: self.price,
        }
        if self.load_power:
            sources[Quantity.LOAD_POWER] = self.load_power
        return sources


@dataclass(frozen=True, kw_only=True, slots=True)
class BatteryConfig:
    """The battery as the user described it; efficiencies as fractions (0.95)."""

    capacity_kwh: float
    min_soc_percent: float
    max_soc_percent: float
    max_charge_kw: float
    max_discharge_kw: float
    charge_efficiency: float
    discharge_efficiency: float
    cycle_cost_per_kwh: float


@dataclass(frozen=True, kw_only=True, slots=True)
class GridConfig:
    """The grid connection and the PV array's peak."""

    max_import_kw: float
    max_export_kw: float
    pv_peak_kw: float


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


@dataclass(frozen=True, kw_only=True, slots=True)
class ForecastConfig:
    """The PV forecast, the weather and how much load history to learn from."""

    pv_source: PvSource
    solcast_entities: tuple[str, ...]
    solcast_estimate: SolcastEstimate
    forecast_solar_entry: str
    weather_entity: str | None
    load_history_weeks: int


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanningConfig:
    """How the entry plans: slot length, horizon, method and the retail tariff."""

    slot_minutes: int
    horizon_hours: int
    method: Literal["milp", "dp"]
    prices_are_spot: bool
    tariff: RetailTariff


@dataclass(frozen=True, kw_only=True, slots=True)
class MeterConfig:
    """The user's energy meters (all optional); with import and export the books use them."""

    grid_import: str | None = None
    grid_export: str | None = None
    pv: str | None = None
    battery_charge: str | None = None
    battery_discharge: str | None = None

    @property
    def books_from_meters(self) -> bool:
        """Return whether the books count meter deltas instead of integrated power."""
        return bool(self.grid_import and self.grid_export)


@dataclass(frozen=True, kw_only=True, slots=True)
class InverterConfig:
    """How EMS reaches the inverter (entry data, changed by reconfigure)."""

    type: InverterType
    host: str | None = None
    port: int = DEFAULT_MODBUS_PORT
    unit_id: int = DEFAULT_UNIT_ID
    model: str | None = None
    serial: str | None = None
    growatt_device: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class EmsConfig:
    """Everything an entry was configured with."""

    house: HouseEntities
    battery: BatteryConfig
    grid: GridConfig
    prices: PriceConfig
    forecasts: ForecastConfig
    planning: PlanningConfig
    meters: MeterConfig
    inverter: InverterConfig
    billing_start_day: int

    @property
    def house_limits(self) -> HouseLimits:
        """Return the limits readings are checked against (spikes are rejected)."""
        return HouseLimits(
            max_charge_kw=self.battery.max_charge_kw,
            max_discharge_kw=self.battery.max_discharge_kw,
            max_import_kw=self.grid.max_import_kw,
            max_export_kw=self.grid.max_export_kw,
            pv_peak_kw=self.grid.pv_peak_kw,
        )

    @classmethod
    def from_entry(
        cls, data: Mapping[str, Any], options: Mapping[str, Any]
    ) -> EmsConfig:
        """Build the configuration from an entry's data and options."""
        return cls(
            house=_house(options),
            battery=_battery(options),
            grid=GridConfig(
                max_import_kw=float(options[CONF_MAX_IMPORT_KW]),
                max_export_kw=float(options[CONF_MAX_EXPORT_KW]),
                pv_peak_kw=float(options[CONF_PV_PEAK_KW]),
            ),
            prices=_prices(options),
            forecasts=_forecasts(options),
            planning=_planning(options),
            meters=MeterConfig(
                grid_import=_entity(options, CONF_IMPORT_METER_ENTITY),
                grid_export=_entity(options, CONF_EXPORT_METER_ENTITY),
                pv=_entity(options, CONF_PV_METER_ENTITY),
                battery_charge=_entity(options, CONF_CHARGE_METER_ENTITY),
                battery_discharge=_entity(options, CONF_DISCHARGE_METER_ENTITY),
            ),
            inverter=_inverter(data),
            billing_start_day=_billing_start_day(options),
        )


def _house(options: Mapping[str, Any]) -> HouseEntities:
    return HouseEntities(
        soc=str(options[CONF_SOC_ENTITY]),
        battery_power=str(options[CONF_BATTERY_POWER_ENTITY]),
        pv_power=str(options[CONF_PV_POWER_ENTITY]),
        grid_power=str(options[CONF_GRID_POWER_ENTITY]),
        price=str(options[CONF_PRICE_ENTITY]),
        load_power=_entity(options, CONF_LOAD_POWER_ENTITY),
    )


def _battery(options: Mapping[str, Any]) -> BatteryConfig:
    return BatteryConfig(
        capacity_kwh=float(options[CONF_CAPACITY_KWH]),
        min_soc_percent=float(options[CONF_MIN_SOC]),
        max_soc_percent=float(options[CONF_MAX_SOC]),
        max_charge_kw=float(options[CONF_MAX_CHARGE_KW]),
        max_discharge_kw=float(options[CONF_MAX_DISCHARGE_KW]),
        charge_efficiency=float(options[CONF_CHARGE_EFFICIENCY]) / 100.0,
        discharge_efficiency=float(options[CONF_DISCHARGE_EFFICIENCY]) / 100.0,
        cycle_cost_per_kwh=float(options[CONF_CYCLE_COST]),
    )


def _prices(options: Mapping[str, Any]) -> PriceConfig:
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
        nordpool_area=str(_option(options, CONF_NORDPOOL_AREA) or ""),
        currency=currency or None,
        tibber_home=home or None,
        two_rate=TwoRateConfig(
            peak_price=float(_option(options, CONF_PEAK_PRICE)),
            offpeak_price=float(_option(options, CONF_OFFPEAK_PRICE)),
            peak_start=time.fromisoformat(str(_option(options, CONF_PEAK_START))),
            peak_end=time.fromisoformat(str(_option(options, CONF_PEAK_END))),
            weekdays_only=bool(_option(options, CONF_PEAK_WEEKDAYS_ONLY)),
        ),
        fixed_export_price=float(_option(options, CONF_FIXED_EXPORT_PRICE)),
    )


def _forecasts(options: Mapping[str, Any]) -> ForecastConfig:
    return ForecastConfig(
        pv_source=PvSource(_option(options, CONF_PV_SOURCE)),
        solcast_entities=tuple(_option(options, CONF_SOLCAST_ENTITIES)),
        solcast_estimate=SolcastEstimate(_option(options, CONF_SOLCAST_ESTIMATE)),
        forecast_solar_entry=str(options.get(CONF_FORECAST_SOLAR_ENTRY, "")),
        weather_entity=_entity(options, CONF_WEATHER_ENTITY),
        load_history_weeks=int(_option(options, CONF_LOAD_HISTORY_WEEKS)),
    )


def _planning(options: Mapping[str, Any]) -> PlanningConfig:
    return PlanningConfig(
        slot_minutes=int(_option(options, CONF_SLOT_MINUTES)),
        horizon_hours=int(_option(options, CONF_HORIZON_HOURS)),
        method="dp" if _option(options, CONF_PLANNER_METHOD) == "dp" else "milp",
        prices_are_spot=bool(_option(options, CONF_PRICES_ARE_SPOT)),
        tariff=RetailTariff(
            markup_per_kwh=float(_option(options, CONF_MARKUP)),
            vat_percent=float(_option(options, CONF_VAT_PERCENT)),
            fees_per_kwh=float(_option(options, CONF_FEES)),
            export_factor=float(_option(options, CONF_EXPORT_FACTOR)),
            export_fee_per_kwh=float(_option(options, CONF_EXPORT_FEE)),
        ),
    )


def _inverter(data: Mapping[str, Any]) -> InverterConfig:
    kind = InverterType(data.get(CONF_INVERTER_TYPE, InverterType.NONE))
    return InverterConfig(
        type=kind,
        host=data.get(CONF_HOST),
        port=int(data.get(CONF_PORT, DEFAULT_MODBUS_PORT)),
        unit_id=int(data.get(CONF_UNIT_ID, DEFAULT_UNIT_ID)),
        model=data.get(CONF_INVERTER_MODEL),
        serial=data.get(CONF_INVERTER_SERIAL),
        growatt_device=data.get(CONF_GROWATT_DEVICE) or None,
    )


def _billing_start_day(options: Mapping[str, Any]) -> int:
    """Return the billing cycle's first day (1-28); anything else means the 1st."""
    value = _option(options, CONF_BILLING_START_DAY)
    try:
        day = int(value)
    except (TypeError, ValueError):
        day = 0
    if not 1 <= day <= 28:
        _LOGGER.warning(
            "EMS billing start day %r is not a day 1-28; cycles start on the 1st", value
        )
        return 1
    return day
