"""One typed configuration, built once from an entry's data and options (pure).

Every part of the integration reads this, never the raw options: percentages become
fractions here and only here, defaults for entries made before an option existed are
filled in here, and the inverter's connection (entry data) sits beside the options.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
    CONF_FEES,
    CONF_GRID_POWER_ENTITY,
    CONF_GROWATT_DEVICE,
    CONF_HORIZON_HOURS,
    CONF_IMPORT_METER_ENTITY,
    CONF_INVERTER_MODEL,
    CONF_INVERTER_SERIAL,
    CONF_INVERTER_TYPE,
    CONF_LOAD_POWER_ENTITY,
    CONF_MARKUP,
    CONF_MAX_CHARGE_KW,
    CONF_MAX_DISCHARGE_KW,
    CONF_MAX_EXPORT_KW,
    CONF_MAX_IMPORT_KW,
    CONF_MAX_READ,
    CONF_MAX_SOC,
    CONF_MIN_SOC,
    CONF_PLANNER_METHOD,
    CONF_PRICE_ENTITY,
    CONF_PRICES_ARE_SPOT,
    CONF_PV_METER_ENTITY,
    CONF_PV_PEAK_KW,
    CONF_PV_POWER_ENTITY,
    CONF_SELF_TEST_CONSENT,
    CONF_SLOT_MINUTES,
    CONF_SOC_ENTITY,
    CONF_UNIT_ID,
    CONF_VAT_PERCENT,
    DEFAULT_MAX_READ,
    DEFAULT_MODBUS_PORT,
    DEFAULT_UNIT_ID,
    OPTION_DEFAULTS,
    InverterType,
)
from custom_components.ems.planner.prices import RetailTariff

from .demand import DemandConfig
from .house import HouseLimits, Quantity
from .input_config import (
    ForecastConfig,
    PriceConfig,
    TwoRateConfig,
    WarningConfig,
    demand_config,
    forecasts_config,
    grid_fees_config,
    prices_config,
    warnings_config,
)
from .inputs.grid_fees import GridFeeSchedule

__all__ = [
    "BatteryConfig",
    "EmsConfig",
    "ForecastConfig",
    "GridConfig",
    "HouseEntities",
    "InverterConfig",
    "MeterConfig",
    "PlanningConfig",
    "PriceConfig",
    "TwoRateConfig",
    "WarningConfig",
]

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
class PlanningConfig:
    """How the entry plans: slot length, horizon, method and the retail tariff."""

    slot_minutes: int
    horizon_hours: int
    method: Literal["milp", "dp"]
    prices_are_spot: bool
    tariff: RetailTariff
    # Time-of-day grid fees added to spot import prices after VAT (None: off).
    grid_fees: GridFeeSchedule | None = None


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
    max_read: int = DEFAULT_MAX_READ  # registers the Modbus adapter answers per read


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
    warnings: WarningConfig = WarningConfig()
    demand: DemandConfig | None = None
    # The user allowed the control self-test's pulses (options).
    self_test_consent: bool = False

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
            prices=prices_config(options),
            forecasts=forecasts_config(options),
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
            warnings=warnings_config(options),
            demand=demand_config(options),
            self_test_consent=options.get(CONF_SELF_TEST_CONSENT) is True,
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
        grid_fees=grid_fees_config(options),
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
        max_read=int(data.get(CONF_MAX_READ, DEFAULT_MAX_READ)),
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
