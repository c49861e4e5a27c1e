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

from .coordinator import EmsConfigEntry
from .entity import EmsControllerEntity

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
            [EmsInverterProblem(entry=entry, description=INVERTER_PROBLEM)]
        )


class EmsInverterProblem(EmsControllerEntity, BinarySensorEntity):
    """On while the last control run failed; the error says why."""

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
