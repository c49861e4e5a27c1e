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

from .coordinator import EmsConfigEntry, EmsState
from .entity import EmsCoordinatorEntity
from .house import Quantity

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
        value_fn=lambda state: INPUTS_DEGRADED if state.problems else INPUTS_OK,
        attributes_fn=lambda state: {
            "problems": {str(key): text for key, text in state.problems.items()}
        },
    ),
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
        for description in SENSORS
    )


class EmsSensor(EmsCoordinatorEntity, SensorEntity):
    """A sensor of the EMS device."""

    entity_description: EmsSensorEntityDescription

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
