"""Problem sensors: EMS cannot reach or command the inverter; the battery does not follow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import EmsConfigEntry, EmsRuntimeData
from .entity import EmsEntity, EmsEntityDescription, follow_controller

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EmsBinarySensorEntityDescription(
    BinarySensorEntityDescription, EmsEntityDescription
):
    """Describes an EMS binary sensor: whether it is on, and its attributes."""

    is_on_fn: Callable[[EmsRuntimeData], bool]
    attributes_fn: Callable[[EmsRuntimeData], dict[str, Any]]


INVERTER_PROBLEM = EmsBinarySensorEntityDescription(
    key="inverter_problem",
    translation_key="inverter_problem",
    device_class=BinarySensorDeviceClass.PROBLEM,
    entity_category=EntityCategory.DIAGNOSTIC,
    follows=(follow_controller,),
    is_on_fn=lambda runtime: (
        (report := runtime.controller.report) is not None and report.error is not None
    ),
    attributes_fn=lambda runtime: {
        "error": report.error if (report := runtime.controller.report) else None
    },
)


def _not_carried_out(runtime: EmsRuntimeData) -> dict[str, Any]:
    """Return the failed command's figures, and whether EMS fell back to self use."""
    verification = runtime.controller.verification
    flagged = verification.flagged
    memory = verification.memory
    return {
        "mode": flagged.mode.value if flagged else None,
        "expected_kw": flagged.expected_kw if flagged else None,
        "measured_kw": flagged.measured_kw if flagged else None,
        "explanation": flagged.explanation if flagged else None,
        "source": flagged.source if flagged else None,
        "failing_checks": memory.failing,
        "fallback_until": memory.fallback_until.isoformat()
        if memory.fallback_until
        else None,
    }


COMMAND_NOT_CARRIED_OUT = EmsBinarySensorEntityDescription(
    key="command_not_carried_out",
    translation_key="command_not_carried_out",
    device_class=BinarySensorDeviceClass.PROBLEM,
    follows=(follow_controller,),
    is_on_fn=lambda runtime: runtime.controller.verification.flagged is not None,
    attributes_fn=_not_carried_out,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the problem sensors to entries that reach an inverter."""
    if entry.runtime_data.controller.link is not None:
        async_add_entities(
            EmsBinarySensor(entry, description)
            for description in (INVERTER_PROBLEM, COMMAND_NOT_CARRIED_OUT)
        )


class EmsBinarySensor(EmsEntity, BinarySensorEntity):
    """A binary sensor of the EMS device."""

    entity_description: EmsBinarySensorEntityDescription

    @property
    def is_on(self) -> bool:
        """Return what the description reads."""
        return self.entity_description.is_on_fn(self.runtime)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the description's attributes."""
        return self.entity_description.attributes_fn(self.runtime)
