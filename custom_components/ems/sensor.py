"""Sensors: the battery system as EMS sees it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfEnergy, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .books import figures, load_figures, review_figures
from .coordinator import EmsState
from .core.accounting import ENERGY_KEYS, MONEY_KEYS, PeriodKind
from .core.house import Quantity
from .core.loads.config import LoadConfig
from .core.shown import rounded
from .data import EmsConfigEntry, EmsRuntimeData
from .entity import (
    EmsEntity,
    EmsSensorEntityDescription,
    follow_books,
    follow_controller,
)
from .planner import InverterMode, Plan, PlanSlot

PARALLEL_UPDATES = 0

INPUTS_OK = "ok"
INPUTS_DEGRADED = "degraded"


def _state(
    read: Callable[[EmsState], StateType],
) -> Callable[[EmsRuntimeData], StateType]:
    return lambda runtime: read(runtime.coordinator.data)


def _reading(quantity: Quantity) -> Callable[[EmsRuntimeData], StateType]:
    return _state(lambda state: state.house.value(quantity))


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
        # Amber Electric's spike flag (`none`, `potential`, `spike`), with Amber only.
        attributes_fn=lambda runtime: (
            {"price_spike": spike}
            if (spike := runtime.coordinator.data.price_spike)
            else None
        ),
        unit_fn=lambda currency: f"{currency}/kWh",
    ),
    EmsSensorEntityDescription(
        key="inputs",
        translation_key="inputs",
        device_class=SensorDeviceClass.ENUM,
        entity_category=EntityCategory.DIAGNOSTIC,
        options=[INPUTS_OK, INPUTS_DEGRADED],
        value_fn=_state(
            lambda state: INPUTS_DEGRADED if state.input_problems else INPUTS_OK
        ),
        attributes_fn=lambda runtime: {
            "problems": runtime.coordinator.data.input_problems
        },
    ),
)


def current_slot(plan: Plan | None) -> PlanSlot | None:
    """Return the plan's slot that covers the present moment."""
    return None if plan is None else plan.slot_at(dt_util.utcnow())


def _plan_attributes(runtime: EmsRuntimeData) -> dict[str, Any]:
    state = runtime.coordinator.data
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
    }


# The newest events shown with the control sensor (all of them: the logbook).
EVENTS_SHOWN = 10


def _control_attributes(runtime: EmsRuntimeData) -> dict[str, Any]:
    """Return why, which layer decided, the writes (or would-be writes), recent events."""
    report = runtime.controller.report
    if report is None:
        return {}
    return {
        "layer": report.layer,
        "reason": report.reason,
        "dry_run": report.dry_run,
        "would_write" if report.dry_run else "wrote": list(report.writes),
        "error": report.error,
        "at": dt_util.as_local(report.at).isoformat(),
        "events": runtime.events.recent[:EVENTS_SHOWN],
    }


PLAN_SENSORS: tuple[EmsSensorEntityDescription, ...] = (
    EmsSensorEntityDescription(
        key="plan",
        translation_key="plan",
        device_class=SensorDeviceClass.ENUM,
        options=[mode.value for mode in InverterMode],
        value_fn=_state(
            lambda state: (
                slot.mode.value if (slot := current_slot(state.plan)) else None
            )
        ),
        attributes_fn=_plan_attributes,
    ),
    EmsSensorEntityDescription(
        key="expected_saving",
        translation_key="expected_saving",
        device_class=SensorDeviceClass.MONETARY,
        suggested_display_precision=2,
        value_fn=_state(
            lambda state: round(state.plan.expected_saving, 4) if state.plan else None
        ),
        unit_fn=lambda currency: currency,
    ),
    EmsSensorEntityDescription(
        key="control_action",
        translation_key="control_action",
        device_class=SensorDeviceClass.ENUM,
        options=[mode.value for mode in InverterMode],
        follows=(follow_controller,),
        value_fn=lambda runtime: (
            report.action
            if (report := runtime.controller.report)
            and report.action in set(InverterMode)
            else None
        ),
        attributes_fn=_control_attributes,
    ),
)


# With a demand charge: the month's highest counted peak so far.
PEAK_SENSOR = EmsSensorEntityDescription(
    key="peak_this_month",
    translation_key="peak_this_month",
    device_class=SensorDeviceClass.POWER,
    state_class=SensorStateClass.MEASUREMENT,
    native_unit_of_measurement=UnitOfPower.KILO_WATT,
    suggested_display_precision=2,
    value_fn=lambda runtime: (
        demand.peak_this_month_kw if (demand := runtime.coordinator.demand) else None
    ),
    attributes_fn=lambda runtime: (
        dict(demand.as_dict()) if (demand := runtime.coordinator.demand) else None
    ),
)


def _load_accuracy(key: str, field: str) -> EmsSensorEntityDescription:
    """Return a sensor of yesterday's load forecast replayed from the recorder."""
    return EmsSensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=3,
        value_fn=lambda runtime: (
            round(getattr(accuracy, field), 4)
            if (accuracy := runtime.coordinator.inputs.load_accuracy)
            else None
        ),
        attributes_fn=lambda runtime: (
            {
                "day": accuracy.day.isoformat(),
                "history_hours": accuracy.history_hours,
            }
            if (accuracy := runtime.coordinator.inputs.load_accuracy)
            else None
        ),
    )


def _pv_accuracy(key: str, field: str) -> EmsSensorEntityDescription:
    """Return a sensor of yesterday's day-ahead PV forecast against the measured PV."""
    return EmsSensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=3,
        follows=(follow_books,),
        value_fn=lambda runtime: review_figures.pv_accuracy_value(
            runtime.accounting, field
        ),
        attributes_fn=lambda runtime: review_figures.pv_accuracy_attributes(
            runtime.accounting
        ),
    )


# Planned against actual: the day's saving and how good yesterday's forecasts were.
REVIEW_SENSORS: tuple[EmsSensorEntityDescription, ...] = (
    EmsSensorEntityDescription(
        key="planned_saving_today",
        translation_key="planned_saving_today",
        device_class=SensorDeviceClass.MONETARY,
        suggested_display_precision=2,
        follows=(follow_books,),
        value_fn=lambda runtime: review_figures.planned_saving(
            runtime.accounting, runtime.coordinator.data.plan
        ),
        attributes_fn=lambda runtime: review_figures.saving_attributes(
            runtime.accounting
        ),
        unit_fn=lambda currency: currency,
    ),
    _pv_accuracy("pv_forecast_error", "mae_kw"),
    _pv_accuracy("pv_forecast_bias", "bias_kw"),
    _load_accuracy("load_forecast_error", "mae_kw"),
    _load_accuracy("load_forecast_bias", "bias_kw"),
)


def _book_total(
    key: str, period: PeriodKind, enabled: bool
) -> EmsSensorEntityDescription:
    """Return the description of one savings total (figures.TOTALS)."""
    money = key in MONEY_KEYS
    return EmsSensorEntityDescription(
        key=f"{key}_{period.value}",
        translation_key=f"{key}_{period.value}",
        device_class=SensorDeviceClass.MONETARY
        if money
        else SensorDeviceClass.ENERGY
        if key in ENERGY_KEYS
        else None,
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR
        if key in ENERGY_KEYS
        else None,
        suggested_display_precision=2,
        entity_registry_enabled_default=enabled,
        follows=(follow_books,),
        value_fn=lambda runtime: figures.total_value(runtime.accounting, period, key),
        attributes_fn=lambda runtime: figures.total_attributes(
            runtime.accounting, period, key
        ),
        last_reset_fn=lambda runtime: figures.period_start(runtime.accounting, period),
        unit_fn=(lambda currency: currency) if money else None,
    )


BOOK_SENSORS: tuple[EmsSensorEntityDescription, ...] = (
    *(_book_total(*total) for total in figures.TOTALS),
    EmsSensorEntityDescription(
        key=figures.WACB,
        translation_key=figures.WACB,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=3,
        follows=(follow_books,),
        value_fn=lambda runtime: figures.wacb_value(runtime.accounting),
        attributes_fn=lambda runtime: figures.wacb_attributes(runtime.accounting),
        unit_fn=lambda currency: f"{currency}/kWh",
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the EMS sensors, the savings books' and the loads' included."""
    async_add_entities(
        EmsSensor(entry, description)
        for description in (*SENSORS, *PLAN_SENSORS, *REVIEW_SENSORS, *BOOK_SENSORS)
    )
    if entry.runtime_data.coordinator.demand is not None:
        async_add_entities([EmsSensor(entry, PEAK_SENSOR)])
    for load in entry.runtime_data.loads.loads:
        async_add_entities(
            [
                EmsSensor(entry, description, load=load)
                for description in load_figures.load_sensors(load.spec.load_id)
            ],
            config_subentry_id=load.spec.load_id,
        )


class EmsSensor(EmsEntity, SensorEntity):
    """A sensor of the EMS device; unavailable while its value is unknown."""

    entity_description: EmsSensorEntityDescription
    # Lists for the UI and the breakdowns of totals stay out of the recorder.
    _unrecorded_attributes = frozenset(
        {"problems", "events", *figures.UNRECORDED, *review_figures.UNRECORDED}
    )

    def __init__(
        self,
        entry: EmsConfigEntry,
        description: EmsSensorEntityDescription,
        *,
        load: LoadConfig | None = None,
    ) -> None:
        """Create the sensor; money and prices are in the home's currency."""
        super().__init__(entry, description, load=load)
        if description.unit_fn is not None:
            currency = entry.runtime_data.accounting.currency
            self._attr_native_unit_of_measurement = description.unit_fn(currency)

    @property
    def available(self) -> bool:
        """Return False while the value behind the sensor is missing."""
        return super().available and self.native_value is not None

    @property
    def native_value(self) -> StateType | datetime:
        """Return the value the description reads; never negative zero as shown."""
        value = self.entity_description.value_fn(self.runtime)
        digits = self.entity_description.suggested_display_precision
        if (
            isinstance(value, float)
            and digits is not None
            and not rounded(value, digits)
        ):
            return 0.0
        return value

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the attributes of sensors that have them."""
        if self.entity_description.attributes_fn is None:
            return None
        return self.entity_description.attributes_fn(self.runtime)

    @property
    def last_reset(self) -> datetime | None:
        """Return the start of the period a total counts from."""
        if self.entity_description.last_reset_fn is None:
            return None
        return self.entity_description.last_reset_fn(self.runtime)
