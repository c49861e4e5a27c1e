"""The house as EMS sees it: sensor states validated and converted (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import math

from .inputs.prices import per_kwh, scale_from_unit

_UNAVAILABLE_STATES = frozenset({"unavailable", "unknown", "none", ""})
_POWER_TO_KW = {"W": 0.001, "kW": 1.0, "MW": 1000.0}
_ENERGY_TO_KWH = {"Wh": 0.001, "kWh": 1.0, "MWh": 1000.0}

# A reading this far beyond a configured limit is a spike, not a measurement.
PLAUSIBILITY_FACTOR = 1.25
PLAUSIBILITY_MARGIN_KW = 0.5


class Quantity(StrEnum):
    """What EMS reads from the house."""

    SOC = "soc"
    BATTERY_POWER = "battery_power"
    PV_POWER = "pv_power"
    LOAD_POWER = "load_power"
    GRID_POWER = "grid_power"
    PRICE = "price"


class ReadingError(ValueError):
    """A state that cannot be used, with the reason in plain words."""


@dataclass(frozen=True, kw_only=True, slots=True)
class HouseLimits:
    """The physical limits the user configured, used to reject spikes."""

    max_charge_kw: float
    max_discharge_kw: float
    max_import_kw: float
    max_export_kw: float
    pv_peak_kw: float

    def plausible_range(self, quantity: Quantity) -> tuple[float, float]:
        """Return the lowest and highest believable value of a quantity."""
        match quantity:
            case Quantity.SOC:
                return (0.0, 100.0)
            case Quantity.BATTERY_POWER:
                return (-_widen(self.max_discharge_kw), _widen(self.max_charge_kw))
            case Quantity.PV_POWER:
                return (-PLAUSIBILITY_MARGIN_KW, _widen(self.pv_peak_kw))
            case Quantity.GRID_POWER:
                return (-_widen(self.max_export_kw), _widen(self.max_import_kw))
            case Quantity.LOAD_POWER:
                supply = self.max_import_kw + self.pv_peak_kw + self.max_discharge_kw
                return (-PLAUSIBILITY_MARGIN_KW, _widen(supply))
            case Quantity.PRICE:
                return (-math.inf, math.inf)


def _widen(limit_kw: float) -> float:
    return limit_kw * PLAUSIBILITY_FACTOR + PLAUSIBILITY_MARGIN_KW


def _number(state: str) -> float:
    if state.strip().lower() in _UNAVAILABLE_STATES:
        raise ReadingError(f"state is {state or 'empty'}")
    try:
        value = float(state)
    except ValueError:
        raise ReadingError(f"state {state!r} is not a number") from None
    if not math.isfinite(value):
        raise ReadingError(f"state {state!r} is not a finite number")
    return value


def convert(quantity: Quantity, state: str, unit: str | None) -> float:
    """Convert a state to EMS units: % for SoC, kW for power, currency per kWh."""
    value = _number(state)
    match quantity:
        case Quantity.SOC:
            if unit not in ("%", None):
                raise ReadingError(f"unit {unit!r} is not %")
            return value
        case Quantity.PRICE:
            if not unit or "/" not in unit:
                return value  # a bare number is taken as currency per kWh
            if (scale := scale_from_unit(unit)) is None:
                raise ReadingError(f"unit {unit!r} is not a price per Wh, kWh or MWh")
            return per_kwh(value, scale)
        case _:
            if unit not in _POWER_TO_KW:
                raise ReadingError(f"unit {unit!r} is not a power unit (W, kW, MW)")
            return value * _POWER_TO_KW[unit]


def convert_energy(state: str, unit: str | None) -> float:
    """Convert an energy meter's state to kWh (from Wh, kWh or MWh)."""
    value = _number(state)
    if unit not in _ENERGY_TO_KWH:
        raise ReadingError(f"unit {unit!r} is not an energy unit (Wh, kWh, MWh)")
    return value * _ENERGY_TO_KWH[unit]


def read(
    quantity: Quantity, state: str, unit: str | None, limits: HouseLimits
) -> float:
    """Convert a state and reject values beyond the plausible range."""
    value = convert(quantity, state, unit)
    low, high = limits.plausible_range(quantity)
    if not low <= value <= high:
        raise ReadingError(
            f"{value:g} is outside the plausible range {low:g} to {high:g}"
        )
    return value


def derive_load_kw(grid_kw: float, pv_kw: float, battery_kw: float) -> float:
    """Return the house load from the grid (+import), PV and battery (+charge)."""
    return grid_kw + pv_kw - battery_kw


@dataclass(frozen=True, kw_only=True, slots=True)
class HouseReadings:
    """Validated readings; None where the source is missing or implausible."""

    soc_percent: float | None = None
    battery_kw: float | None = None
    pv_kw: float | None = None
    load_kw: float | None = None
    grid_kw: float | None = None
    price_per_kwh: float | None = None

    def value(self, quantity: Quantity) -> float | None:
        """Return the reading for a quantity."""
        return {
            Quantity.SOC: self.soc_percent,
            Quantity.BATTERY_POWER: self.battery_kw,
            Quantity.PV_POWER: self.pv_kw,
            Quantity.LOAD_POWER: self.load_kw,
            Quantity.GRID_POWER: self.grid_kw,
            Quantity.PRICE: self.price_per_kwh,
        }[quantity]
