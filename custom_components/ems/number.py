"""Numbers for the SoC floors the user may change from a dashboard."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .control_loop.settings import EmsSettings
from .data import EmsConfigEntry
from .entity import EmsEntity, EmsEntityDescription, follow_settings

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EmsNumberEntityDescription(NumberEntityDescription, EmsEntityDescription):
    """Describes an SoC number and where its value lives."""

    value_fn: Callable[[EmsSettings], float]
    set_value_fn: Callable[[EmsSettings, float], None]


def _set_reserve(settings: EmsSettings, value: float) -> None:
    settings.reserve_soc_percent = value


def _set_minimum(settings: EmsSettings, value: float) -> None:
    settings.min_soc_percent = value


NUMBERS: tuple[EmsNumberEntityDescription, ...] = (
    EmsNumberEntityDescription(
        key="reserve_soc",
        translation_key="reserve_soc",
        follows=(follow_settings,),
        value_fn=lambda settings: settings.reserve_soc_percent,
        set_value_fn=_set_reserve,
    ),
    EmsNumberEntityDescription(
        key="minimum_soc",
        translation_key="minimum_soc",
        follows=(follow_settings,),
        value_fn=lambda settings: settings.min_soc_percent,
        set_value_fn=_set_minimum,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the SoC numbers (kept in the settings store)."""
    async_add_entities(EmsSocNumber(entry, description) for description in NUMBERS)


class EmsSocNumber(EmsEntity, NumberEntity):
    """An SoC floor within the battery's configured limits."""

    entity_description: EmsNumberEntityDescription
    _attr_device_class = NumberDeviceClass.BATTERY
    _attr_entity_category = EntityCategory.CONFIG
    _attr_mode = NumberMode.BOX
    _attr_native_step = 1.0
    _attr_native_unit_of_measurement = PERCENTAGE

    def __init__(
        self, entry: EmsConfigEntry, description: EmsNumberEntityDescription
    ) -> None:
        """Bound the number by the battery's configured SoC limits."""
        super().__init__(entry, description)
        battery = entry.runtime_data.config.battery
        self._attr_native_min_value = battery.min_soc_percent
        self._attr_native_max_value = battery.max_soc_percent

    @property
    def native_value(self) -> float:
        """Return the SoC floor."""
        return self.entity_description.value_fn(self.runtime.settings)

    async def async_set_native_value(self, value: float) -> None:
        """Change the SoC floor and plan again with it."""
        self.entity_description.set_value_fn(self.runtime.settings, value)
        self.runtime.settings.changed()
        await self.runtime.coordinator.async_replan()
