"""What the ledger is told: the battery, the calendar, power samples and metered energy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
import math
from zoneinfo import ZoneInfo

DEFAULT_MAX_GAP = timedelta(minutes=15)
_ENERGY_TOLERANCE_KWH = 1e-9


class AccountingError(ValueError):
    """Invalid input to the ledger; the message is one line meant for the user."""


class PeriodKind(StrEnum):
    """The calendar periods the ledger keeps totals for."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    BILLING = "billing"


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise AccountingError(message)


def _aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


def _finite_or_none(name: str, value: float | None) -> None:
    _check(value is None or math.isfinite(value), f"{name} is not a finite number")


@dataclass(frozen=True, kw_only=True, slots=True)
class BatterySpec:
    """The battery the books are kept for; the self-use counterfactual shares it."""

    capacity_kwh: float
    min_soc_percent: float = 0.0
    max_soc_percent: float = 100.0
    max_charge_kw: float
    max_discharge_kw: float
    charge_efficiency: float = 1.0
    discharge_efficiency: float = 1.0

    def __post_init__(self) -> None:
        """Reject a battery no simulation can run on."""
        _check(self.capacity_kwh > 0.0, "capacity_kwh must be positive")
        _check(
            0.0 <= self.min_soc_percent <= self.max_soc_percent <= 100.0,
            "min_soc_percent <= max_soc_percent must lie within 0-100",
        )
        _check(
            self.max_charge_kw >= 0.0 and self.max_discharge_kw >= 0.0,
            "charge and discharge limits must not be negative",
        )
        _check(
            0.0 < self.charge_efficiency <= 1.0
            and 0.0 < self.discharge_efficiency <= 1.0,
            "efficiencies must lie in (0, 1]",
        )

    def kwh(self, percent: float) -> float:
        """Return the stored energy at a state of charge in percent."""
        return self.capacity_kwh * percent / 100.0


@dataclass(frozen=True, kw_only=True, slots=True)
class LedgerConfig:
    """The user's battery, time zone, billing day and how long a reading may be held."""

    battery: BatterySpec
    zone: ZoneInfo
    billing_start_day: int = 1
    max_gap: timedelta = DEFAULT_MAX_GAP
    # A fixed charge per day (standing charge), accrued over the day's hours.
    daily_charge: float = 0.0

    def __post_init__(self) -> None:
        """Reject a billing day that not every month has, and a useless gap limit."""
        _check(
            1 <= self.billing_start_day <= 28,
            f"billing_start_day must be 1-28, not {self.billing_start_day}",
        )
        _check(self.max_gap > timedelta(0), "max_gap must be positive")
        _finite_or_none("daily_charge", self.daily_charge)


@dataclass(frozen=True, kw_only=True, slots=True)
class PowerSample:
    """Validated readings at one instant; None where a reading is missing.

    Powers in kW: `grid_kw` positive importing, `battery_kw` positive charging (AC side).
    Prices per kWh in the user's currency, as paid and earned (retail).
    """

    at: datetime
    grid_kw: float | None = None
    pv_kw: float | None = None
    battery_kw: float | None = None
    load_kw: float | None = None
    soc_percent: float | None = None
    import_price: float | None = None
    export_price: float | None = None

    def __post_init__(self) -> None:
        """Reject a naive timestamp and non-finite numbers."""
        _check(_aware(self.at), "a sample's time must carry a UTC offset")
        for name in (
            "grid_kw",
            "pv_kw",
            "battery_kw",
            "load_kw",
            "soc_percent",
            "import_price",
            "export_price",
        ):
            _finite_or_none(name, getattr(self, name))


@dataclass(frozen=True, kw_only=True, slots=True)
class EnergyFlows:
    """Energy (kWh) that flowed during [start, end) and the prices in force at `start`.

    The unit both modes share: integrated power samples, or the differences of the
    user's energy meters. `load_kwh` defaults to what the balance implies:
    import - export + pv - charge + discharge.
    """

    start: datetime
    end: datetime
    import_kwh: float
    export_kwh: float
    pv_kwh: float
    charge_kwh: float
    discharge_kwh: float
    import_price: float
    export_price: float
    load_kwh: float | None = None

    def __post_init__(self) -> None:
        """Check the interval and energies; fill the load from the balance."""
        _check(_aware(self.start) and _aware(self.end), "times must carry an offset")
        _check(self.end > self.start, "an interval must end after it starts")
        for name in ("import_kwh", "export_kwh", "charge_kwh", "discharge_kwh"):
            value = getattr(self, name)
            _check(math.isfinite(value), f"{name} is not a finite number")
            _check(value >= -_ENERGY_TOLERANCE_KWH, f"{name} must not be negative")
        for name in ("pv_kwh", "import_price", "export_price", "load_kwh"):
            _finite_or_none(name, getattr(self, name))
        if self.load_kwh is None:
            load = (
                self.import_kwh
                - self.export_kwh
                + self.pv_kwh
                - self.charge_kwh
                + self.discharge_kwh
            )
            object.__setattr__(self, "load_kwh", load)

    @property
    def hours(self) -> float:
        """Return the interval's length in hours."""
        return (self.end - self.start).total_seconds() / 3600.0

    @property
    def load(self) -> float:
        """Return the load in kWh (always set after construction)."""
        assert self.load_kwh is not None
        return self.load_kwh

    def part(self, start: datetime, end: datetime) -> EnergyFlows:
        """Return the share of [start, end), assuming constant power over the interval."""
        share = (end - start) / (self.end - self.start)
        return EnergyFlows(
            start=start,
            end=end,
            import_kwh=self.import_kwh * share,
            export_kwh=self.export_kwh * share,
            pv_kwh=self.pv_kwh * share,
            charge_kwh=self.charge_kwh * share,
            discharge_kwh=self.discharge_kwh * share,
            import_price=self.import_price,
            export_price=self.export_price,
            load_kwh=self.load * share,
        )
