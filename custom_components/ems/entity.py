"""Base entities of the EMS device."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONF_INVERTER_MODEL, DOMAIN
from .coordinator import EmsConfigEntry, EmsCoordinator

if TYPE_CHECKING:
    from .control_loop.controller import EmsController


def ems_device_info(entry: EmsConfigEntry) -> DeviceInfo:
    """Return the one EMS device of an entry."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.unique_id or entry.entry_id)},
        name=entry.title,
        manufacturer="EMS",
        model=entry.data.get(CONF_INVERTER_MODEL) or "Energy Management System",
        entry_type=DeviceEntryType.SERVICE,
    )


class EmsEntity(Entity):
    """An entity of the EMS device that holds a user setting."""

    _attr_has_entity_name = True

    def __init__(
        self, *, entry: EmsConfigEntry, description: EntityDescription
    ) -> None:
        """Attach the entity to the entry's EMS device."""
        self.entity_description = description
        self.settings = entry.runtime_data.settings
        self._attr_unique_id = f"{entry.unique_id}_{description.key}"
        self._attr_device_info = ems_device_info(entry)

    async def async_added_to_hass(self) -> None:
        """Show every change of the settings, from this entity or a service."""
        await super().async_added_to_hass()
        self.async_on_remove(self.settings.add_listener(self.async_write_ha_state))


class EmsControllerEntity(Entity):
    """An entity of the EMS device that shows the control loop's last run."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self, *, entry: EmsConfigEntry, description: EntityDescription
    ) -> None:
        """Follow the entry's control loop."""
        self.entity_description = description
        self._attr_unique_id = f"{entry.unique_id}_{description.key}"
        self._attr_device_info = ems_device_info(entry)
        controller = entry.runtime_data.controller
        assert controller is not None
        self._controller: EmsController = controller

    async def async_added_to_hass(self) -> None:
        """Show every control run."""
        await super().async_added_to_hass()
        self.async_on_remove(self._controller.add_listener(self.async_write_ha_state))


class EmsCoordinatorEntity(CoordinatorEntity[EmsCoordinator]):
    """An entity of the EMS device that shows what the coordinator read."""

    _attr_has_entity_name = True

    def __init__(
        self, *, entry: EmsConfigEntry, description: EntityDescription
    ) -> None:
        """Attach the entity to the entry's coordinator and EMS device."""
        super().__init__(entry.runtime_data.coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{entry.unique_id}_{description.key}"
        self._attr_device_info = ems_device_info(entry)
