"""The one base of every EMS entity, and what an entity follows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import SensorEntityDescription
from homeassistant.core import CALLBACK_TYPE
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.typing import StateType

from .const import DOMAIN
from .core.loads.config import LoadConfig
from .data import EmsConfigEntry, EmsRuntimeData

type Follow = Callable[[EmsRuntimeData, CALLBACK_TYPE], CALLBACK_TYPE]


def follow_coordinator(runtime: EmsRuntimeData, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
    """Update on every reading and plan."""
    return runtime.coordinator.async_add_listener(update)


def follow_controller(runtime: EmsRuntimeData, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
    """Update after every control run."""
    return runtime.controller.add_listener(update)


def follow_settings(runtime: EmsRuntimeData, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
    """Update on every change of the user's settings."""
    return runtime.settings.add_listener(update)


def follow_books(runtime: EmsRuntimeData, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
    """Update when the savings books change."""
    return runtime.accounting.add_listener(update)


@dataclass(frozen=True, kw_only=True)
class EmsEntityDescription(EntityDescription):
    """What every EMS entity's description says: which parts of the entry it follows."""

    follows: tuple[Follow, ...] = (follow_coordinator,)


@dataclass(frozen=True, kw_only=True)
class EmsSensorEntityDescription(SensorEntityDescription, EmsEntityDescription):
    """Describes an EMS sensor: its value, attributes and unit from the entry's runtime."""

    value_fn: Callable[[EmsRuntimeData], StateType | datetime]
    attributes_fn: Callable[[EmsRuntimeData], dict[str, Any] | None] | None = None
    # The unit, given the home's currency (money and prices).
    unit_fn: Callable[[str], str] | None = None
    # The start of the period a total counts from (totals only).
    last_reset_fn: Callable[[EmsRuntimeData], datetime | None] | None = None


def follow_loads(runtime: EmsRuntimeData, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
    """Update after every decision about the controllable loads."""
    return runtime.loads.add_listener(update)


def load_device_info(entry: EmsConfigEntry, load: LoadConfig) -> DeviceInfo:
    """Return the device of one controllable load (its subentry)."""
    return DeviceInfo(
        identifiers={
            (DOMAIN, f"{entry.unique_id or entry.entry_id}_{load.spec.load_id}")
        },
        name=load.spec.name,
        manufacturer="EMS",
        model=f"Controllable load ({load.load_type.value.replace('_', ' ')})",
        entry_type=DeviceEntryType.SERVICE,
    )


def ems_device_info(entry: EmsConfigEntry) -> DeviceInfo:
    """Return the one EMS device of an entry."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.unique_id or entry.entry_id)},
        name=entry.title,
        manufacturer="EMS",
        model=entry.runtime_data.config.inverter.model or "Energy Management System",
        entry_type=DeviceEntryType.SERVICE,
    )


class EmsEntity(Entity):
    """An entity of the EMS device, updated by what its description follows."""

    entity_description: EmsEntityDescription
    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self,
        entry: EmsConfigEntry,
        description: EmsEntityDescription,
        *,
        load: LoadConfig | None = None,
    ) -> None:
        """Attach the entity to the entry's EMS device, or to a load's device."""
        self.entity_description = description
        self.runtime = entry.runtime_data
        self._attr_unique_id = f"{entry.unique_id}_{description.key}"
        self._attr_device_info = (
            ems_device_info(entry) if load is None else load_device_info(entry, load)
        )

    async def async_added_to_hass(self) -> None:
        """Follow the parts of the entry the description names."""
        await super().async_added_to_hass()
        for follow in self.entity_description.follows:
            self.async_on_remove(follow(self.runtime, self.async_write_ha_state))

    @property
    def available(self) -> bool:
        """Return False while the coordinator fails, for entities that show its data."""
        if follow_coordinator in self.entity_description.follows:
            return self.runtime.coordinator.last_update_success
        return True
