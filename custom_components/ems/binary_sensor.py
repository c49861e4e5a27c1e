"""A problem sensor that says when EMS cannot reach or command the inverter."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .controller import EmsController
from .coordinator import EmsConfigEntry
from .entity import ems_device_info

PARALLEL_UPDATES = 0

INVERTER_PROBLEM = BinarySensorEntityDescription(
    key="inverter_problem",
    translation_key="inverter_problem",
    device_class=BinarySensorDeviceClass.PROBLEM,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the inverter problem sensor to entries that reach an inverter."""
    controller = entry.runtime_data.controller
    if controller is not None and controller.link is not None:
        async_add_entities(
            [
                EmsInverterProblem(
                    entry=entry, controller=controller, description=INVERTER_PROBLEM
                )
            ]
        )


class EmsInverterProblem(BinarySensorEntity):
    """On while the last control run failed; the error says why."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self,
        *,
        entry: EmsConfigEntry,
        controller: EmsController,
        description: BinarySensorEntityDescription,
    ) -> None:
        """Follow the entry's control loop."""
        self.entity_description = description
        self._attr_unique_id = f"{entry.unique_id}_{description.key}"
        self._attr_device_info = ems_device_info(entry)
        self._controller = controller

    async def async_added_to_hass(self) -> None:
        """Show every control run."""
        await super().async_added_to_hass()
        self.async_on_remove(self._controller.add_listener(self.async_write_ha_state))

    @property
    def is_on(self) -> bool:
        """Return True while EMS cannot reach or command the inverter."""
        report = self._controller.report
        return report is not None and report.error is not None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the last error."""
        report = self._controller.report
        return {"error": report.error if report else None}
