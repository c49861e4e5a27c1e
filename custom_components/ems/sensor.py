"""Sensors: the battery system as EMS sees it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .books.sensors import async_add_accounting_sensors
from .coordinator import EmsConfigEntry, EmsState
from .core.house import Quantity
from .entity import EmsControllerEntity, EmsCoordinatorEntity
from .planner import InverterMode, Plan, PlanSlot

PARALLEL_UPDATES = 0

INPUTS_OK = "ok"
INPUTS_DEGRADED = "degraded"


@dataclass(frozen=True, kw_only=True)
class EmsSensorEntityDescription(SensorEntityDescription):
    """Describes an EMS sensor."""

    value_fn: Callable[[EmsState], float | str | None]
    attributes_fn: Callable[[EmsState], dict[str, Any]] | None = None


def _reading(quantity: Quantity) -> Callable[[EmsState], float | None]:
    return lambda state: state.house.value(quantity)


def _power(quantity: Quantity) -> EmsSensorEntityDescription:
    return EmsSensorEntityDescription(
        key=quantity.value,
        translation_key=quantity.value,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        value_fn=_reading(quantity),
    )


SENSORS: tuple[EmsSensorEntityDescription, ...] = (
    EmsSensorEntityDescription(
        key=Quantity.SOC.value,
        translation_key=Quantity.SOC.value,
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value_fn=_reading(Quantity.SOC),
    ),
    _power(Quantity.BATTERY_POWER),
    _power(Quantity.PV_POWER),
    _power(Quantity.LOAD_POWER),
    _power(Quantity.GRID_POWER),
    EmsSensorEntityDescription(
        key=Quantity.PRICE.value,
        translation_key=Quantity.PRICE.value,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=3,
        value_fn=_reading(Quantity.PRICE),
    ),
    EmsSensorEntityDescription(
        key="inputs",
        translation_key="inputs",
        device_class=SensorDeviceClass.ENUM,
        entity_category=EntityCategory.DIAGNOSTIC,
        options=[INPUTS_OK, INPUTS_DEGRADED],
        value_fn=lambda state: INPUTS_DEGRADED if state.input_problems else INPUTS_OK,
        attributes_fn=lambda state: {"problems": state.input_problems},
    ),
)


def current_slot(plan: Plan | None) -> PlanSlot | None:
    """Return the plan's slot that covers the present moment."""
    return None if plan is None else plan.slot_at(dt_util.utcnow())


def chart_rows(plan: Plan) -> list[dict[str, Any]]:
    """Return the plan slot by slot, shaped for charts."""
    return [
        {
            "start": slot.start.isoformat(),
            "battery_kw": round(slot.battery_kw, 3),
            "soc_percent": round(slot.soc_percent, 1),
            "import_price": round(slot.import_price, 4),
            "export_price": round(slot.export_price, 4),
            "pv_kw": round(slot.pv_kw, 3),
            "load_kw": round(slot.load_kw, 3),
            "mode": slot.mode.value,
        }
        for slot in plan.slots
    ]


def _plan_attributes(state: EmsState) -> dict[str, Any]:
    attributes: dict[str, Any] = {"issues": list(state.plan_issues)}
    if (plan := state.plan) is None:
        return attributes
    slot = current_slot(plan)
    return attributes | {
        "method": plan.method,
        "status": plan.status,
        "method_reason": plan.reason,
        "reason": slot.reason if slot else None,
        "cost": round(plan.objective, 4),
        "cost_idle_battery": round(plan.cost_idle, 4),
        "cost_self_use": round(plan.cost_self_use, 4),
        "solve_seconds": round(plan.solve_seconds, 4),
        "slots": chart_rows(plan),
    }


PLAN_SENSORS: tuple[EmsSensorEntityDescription, ...] = (
    EmsSensorEntityDescription(
        key="plan",
        translation_key="plan",
        device_class=SensorDeviceClass.ENUM,
        options=[mode.value for mode in InverterMode],
        value_fn=lambda state: (
            slot.mode.value if (slot := current_slot(state.plan)) else None
        ),
        attributes_fn=_plan_attributes,
    ),
    EmsSensorEntityDescription(
        key="expected_saving",
        translation_key="expected_saving",
        device_class=SensorDeviceClass.MONETARY,
        suggested_display_precision=2,
        value_fn=lambda state: (
            round(state.plan.expected_saving, 4) if state.plan else None
        ),
    ),
)


LOAD_FORECAST_ERROR = SensorEntityDescription(
    key="load_forecast_error",
    translation_key="load_forecast_error",
    device_class=SensorDeviceClass.POWER,
    state_class=SensorStateClass.MEASUREMENT,
    native_unit_of_measurement=UnitOfPower.KILO_WATT,
    entity_category=EntityCategory.DIAGNOSTIC,
    suggested_display_precision=3,
)


CONTROL_SENSOR = SensorEntityDescription(
    key="control_action",
    translation_key="control_action",
    device_class=SensorDeviceClass.ENUM,
    options=[mode.value for mode in InverterMode],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the EMS sensors."""
    currency = hass.config.currency
    async_add_entities(
        EmsSensor(entry=entry, description=description, currency=currency)
        for description in (*SENSORS, *PLAN_SENSORS)
    )
    async_add_entities([EmsControlSensor(entry=entry, description=CONTROL_SENSOR)])
    async_add_entities([LoadForecastErrorSensor(entry=entry)])
    async_add_accounting_sensors(entry, async_add_entities)


class EmsSensor(EmsCoordinatorEntity, SensorEntity):
    """A sensor of the EMS device."""

    entity_description: EmsSensorEntityDescription
    # The plan's slot list is for charts, not for the recorder's history.
    _unrecorded_attributes = frozenset({"slots", "problems"})

    def __init__(
        self,
        *,
        entry: EmsConfigEntry,
        description: EmsSensorEntityDescription,
        currency: str,
    ) -> None:
        """Create the sensor; prices are shown per kWh in the home's currency."""
        super().__init__(entry=entry, description=description)
        if description.key == Quantity.PRICE.value:
            self._attr_native_unit_of_measurement = f"{currency}/kWh"
        elif description.device_class is SensorDeviceClass.MONETARY:
            self._attr_native_unit_of_measurement = currency

    @property
    def available(self) -> bool:
        """Return False while the reading behind the sensor is missing."""
        return super().available and self.native_value is not None

    @property
    def native_value(self) -> float | str | None:
        """Return the validated reading."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the attributes of sensors that have them."""
        if self.entity_description.attributes_fn is None:
            return None
        return self.entity_description.attributes_fn(self.coordinator.data)


class LoadForecastErrorSensor(EmsCoordinatorEntity, SensorEntity):
    """Mean absolute error of yesterday's load forecast against the measured load."""

    def __init__(self, *, entry: EmsConfigEntry) -> None:
        """Create the sensor."""
        super().__init__(entry=entry, description=LOAD_FORECAST_ERROR)

    @property
    def available(self) -> bool:
        """Return False until a day of load history can be checked."""
        return super().available and self.native_value is not None

    @property
    def native_value(self) -> float | None:
        """Return yesterday's mean absolute error in kW."""
        accuracy = self.coordinator.inputs.load_accuracy
        return round(accuracy.mae_kw, 4) if accuracy else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return which day was checked and how its forecast was made."""
        accuracy = self.coordinator.inputs.load_accuracy
        if accuracy is None:
            return None
        return {
            "day": accuracy.day.isoformat(),
            "method": accuracy.method.value,
            "history_hours": accuracy.history_hours,
        }


class EmsControlSensor(EmsControllerEntity, SensorEntity):
    """What the control loop decided last, and what it wrote or would write."""

    _unrecorded_attributes = frozenset({"events"})

    def __init__(
        self, *, entry: EmsConfigEntry, description: SensorEntityDescription
    ) -> None:
        """Follow the entry's control loop and its event log."""
        super().__init__(entry=entry, description=description)
        self._events = entry.runtime_data.events

    @property
    def native_value(self) -> str | None:
        """Return the mode the inverter is (or would be) told."""
        report = self._controller.report
        return (
            report.action if report and report.action in (self.options or ()) else None
        )

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return why, which layer decided, and the writes (or would-be writes)."""
        report = self._controller.report
        if report is None:
            return {}
        return {
            "layer": report.layer,
            "reason": report.reason,
            "dry_run": report.dry_run,
            "would_write" if report.dry_run else "wrote": list(report.writes),
            "error": report.error,
            "at": report.at.isoformat(),
            "events": self._events.recent if self._events else [],
        }
