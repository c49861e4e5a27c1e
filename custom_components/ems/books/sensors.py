"""Accounting sensors: money and energy per day, week, month and billing cycle.

Per period, net cost, the two savings and the arbitrage profit; the day's grid and
battery energy; the cost of the stored energy (WACB) and the day's battery cycles.
Totals are `total` sensors whose `last_reset` is the period's start, so statistics and
the Energy dashboard sum them; the previous period's value and the breakdown are
attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import UnitOfEnergy
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from custom_components.ems.coordinator import EmsConfigEntry
from custom_components.ems.core.accounting import (
    ENERGY_KEYS,
    MONEY_KEYS,
    LedgerReport,
    PeriodKind,
    PeriodTotals,
)
from custom_components.ems.entity import ems_device_info

from .keeper import EmsAccounting

CYCLES = "equivalent_full_cycles"
WACB = "wacb"

# The breakdown shown with each total (attribute names of PeriodTotals).
_DETAILS: dict[str, tuple[str, ...]] = {
    "net_cost": (
        "import_cost",
        "export_revenue",
        "import_kwh",
        "export_kwh",
        "pv_kwh",
        "load_kwh",
    ),
    "savings_vs_no_battery": ("cost_no_battery", "net_cost"),
    "savings_vs_self_use": ("cost_self_use", "net_cost"),
    "arbitrage_profit": (
        "charged_kwh",
        "charged_from_grid_kwh",
        "charged_from_pv_kwh",
        "discharged_kwh",
        "wacb_per_kwh",
    ),
    CYCLES: ("throughput_kwh",),
}
# Attributes that change with every sample stay out of the recorder.
_UNRECORDED = frozenset(
    {
        *(name for names in _DETAILS.values() for name in names),
        "covered_hours",
        "gap_hours",
        "stored_kwh",
        "stored_value",
        *(f"{CYCLES}_{kind.value}" for kind in PeriodKind),
        *(f"throughput_kwh_{kind.value}" for kind in PeriodKind),
    }
)


@dataclass(frozen=True, kw_only=True)
class AccountingSensorEntityDescription(SensorEntityDescription):
    """A total of one period kind (`total_key` names a PeriodTotals attribute)."""

    period: PeriodKind
    total_key: str


def _total(
    key: str, period: PeriodKind, *, enabled: bool = True
) -> AccountingSensorEntityDescription:
    if key in MONEY_KEYS:
        device_class: SensorDeviceClass | None = SensorDeviceClass.MONETARY
        unit: str | None = None  # the home's currency, set per entity
    elif key in ENERGY_KEYS:
        device_class, unit = SensorDeviceClass.ENERGY, UnitOfEnergy.KILO_WATT_HOUR
    else:
        device_class, unit = None, None
    return AccountingSensorEntityDescription(
        key=f"{key}_{period.value}",
        translation_key=f"{key}_{period.value}",
        device_class=device_class,
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement=unit,
        suggested_display_precision=2,
        entity_registry_enabled_default=enabled,
        period=period,
        total_key=key,
    )


ACCOUNTING_SENSORS: tuple[AccountingSensorEntityDescription, ...] = (
    *(
        _total(key, period, enabled=period is not PeriodKind.WEEK)
        for period in PeriodKind
        for key in (
            "net_cost",
            "savings_vs_no_battery",
            "savings_vs_self_use",
            "arbitrage_profit",
        )
    ),
    *(
        _total(key, PeriodKind.DAY)
        for key in ("import_kwh", "export_kwh", "charged_kwh", "discharged_kwh")
    ),
    # For the Energy dashboard's grid costs; most users have their meter's.
    _total("import_cost", PeriodKind.DAY, enabled=False),
    _total("export_revenue", PeriodKind.DAY, enabled=False),
    _total(CYCLES, PeriodKind.DAY),
)

WACB_SENSOR = SensorEntityDescription(
    key=WACB,
    translation_key=WACB,
    state_class=SensorStateClass.MEASUREMENT,
    suggested_display_precision=3,
)


def async_add_accounting_sensors(
    entry: EmsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the accounting sensors of an entry that keeps books."""
    accounting = entry.runtime_data.accounting
    if accounting is None:
        return
    async_add_entities(
        [
            *(
                AccountingSensor(entry, accounting, description)
                for description in ACCOUNTING_SENSORS
            ),
            AccountingSensor(entry, accounting, WACB_SENSOR),
        ]
    )


def _value(totals: PeriodTotals, key: str) -> float | None:
    value = getattr(totals, key)
    return None if value is None else round(float(value), 4)


def _local(moment: datetime) -> str:
    return dt_util.as_local(moment).isoformat()


class AccountingSensor(SensorEntity):
    """A figure from the entry's books; updates when the books change."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _unrecorded_attributes = _UNRECORDED

    def __init__(
        self,
        entry: EmsConfigEntry,
        accounting: EmsAccounting,
        description: SensorEntityDescription,
    ) -> None:
        """Show one figure of `accounting` in the home's currency."""
        self.entity_description = description
        self._accounting = accounting
        self._attr_unique_id = f"{entry.unique_id}_{description.key}"
        self._attr_device_info = ems_device_info(entry)
        currency = accounting.currency
        if description.key == WACB:
            self._attr_native_unit_of_measurement = f"{currency}/kWh"
        elif description.device_class is SensorDeviceClass.MONETARY:
            self._attr_native_unit_of_measurement = currency

    async def async_added_to_hass(self) -> None:
        """Follow the books."""
        await super().async_added_to_hass()
        self.async_on_remove(self._accounting.add_listener(self.async_write_ha_state))

    def _totals(self) -> tuple[PeriodTotals | None, PeriodTotals | None]:
        description = self.entity_description
        if not isinstance(description, AccountingSensorEntityDescription):
            return None, None
        report = self._accounting.report()
        kind = description.period
        return report.current.get(kind), report.previous.get(kind)

    @property
    def native_value(self) -> float | None:
        """Return the running period's total (or the WACB)."""
        description = self.entity_description
        if not isinstance(description, AccountingSensorEntityDescription):
            wacb = self._accounting.report().wacb_per_kwh
            return None if wacb is None else round(wacb, 4)
        current, _ = self._totals()
        return None if current is None else _value(current, description.total_key)

    @property
    def last_reset(self) -> datetime | None:
        """Return the running period's start."""
        current, _ = self._totals()
        return None if current is None else current.start

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the period, the previous period's value and the breakdown."""
        description = self.entity_description
        report = self._accounting.report()
        if not isinstance(description, AccountingSensorEntityDescription):
            return _wacb_attributes(report)
        current, previous = self._totals()
        if current is None:
            return None
        key = description.total_key
        attributes: dict[str, Any] = {
            "period_start": _local(current.start),
            "period_end": _local(current.end),
            "previous_value": None if previous is None else _value(previous, key),
            "previous_period_start": None
            if previous is None
            else _local(previous.start),
            "covered_hours": round(current.covered_hours, 3),
            "gap_hours": round(current.gap_hours, 3),
        }
        attributes |= {name: _value(current, name) for name in _DETAILS.get(key, ())}
        if key == CYCLES:
            attributes |= _cycles_by_period(report)
        return attributes


def _wacb_attributes(report: LedgerReport) -> dict[str, Any]:
    wacb = report.wacb_per_kwh
    return {
        "stored_kwh": round(report.stored_kwh, 3),
        "stored_value": None if wacb is None else round(report.stored_kwh * wacb, 4),
    }


def _cycles_by_period(report: LedgerReport) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for kind, totals in report.current.items():
        attributes[f"{CYCLES}_{kind.value}"] = round(totals.equivalent_full_cycles, 4)
        attributes[f"throughput_kwh_{kind.value}"] = round(totals.throughput_kwh, 3)
    return attributes
