"""The Control switch: while it is off, EMS never writes to the inverter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import EmsConfigEntry, EmsRuntimeData
from .entity import EmsEntity, EmsEntityDescription, follow_settings

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EmsSwitchEntityDescription(SwitchEntityDescription, EmsEntityDescription):
    """Describes an EMS switch: its state and how a change is applied."""

    is_on_fn: Callable[[EmsRuntimeData], bool]
    set_fn: Callable[[EmsRuntimeData, bool], None]


def _set_control(runtime: EmsRuntimeData, on: bool) -> None:
    """Switch writing to the inverter on or off; off hands the inverter back."""
    runtime.events.record(
        "control",
        "control on: EMS writes its plan to the inverter"
        if on
        else "control off: the inverter returns to self use",
    )
    runtime.settings.control_enabled = on
    runtime.settings.changed()


CONTROL_SWITCH = EmsSwitchEntityDescription(
    key="control",
    translation_key="control",
    follows=(follow_settings,),
    is_on_fn=lambda runtime: runtime.settings.control_enabled,
    set_fn=_set_control,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the Control switch (off for a new entry; kept in the settings store)."""
    async_add_entities([EmsSwitch(entry, CONTROL_SWITCH)])


class EmsSwitch(EmsEntity, SwitchEntity):
    """A switch of the EMS device."""

    entity_description: EmsSwitchEntityDescription

    @property
    def is_on(self) -> bool:
        """Return the state the description reads."""
        return self.entity_description.is_on_fn(self.runtime)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on."""
        self.entity_description.set_fn(self.runtime, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off."""
        self.entity_description.set_fn(self.runtime, False)
