"""The Control switches: while one is off, EMS never writes to that inverter or load."""

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
    if on:
        runtime.events.record("control", "control_on")
    runtime.settings.control_enabled = on
    runtime.settings.changed()


CONTROL_SWITCH = EmsSwitchEntityDescription(
    key="control",
    translation_key="control",
    follows=(follow_settings,),
    is_on_fn=lambda runtime: runtime.settings.control_enabled,
    set_fn=_set_control,
)


def load_control_switch(load_id: str) -> EmsSwitchEntityDescription:
    """Return a load's Control switch: off until the user lets EMS switch the load."""

    def set_control(runtime: EmsRuntimeData, on: bool) -> None:
        runtime.settings.load(load_id).control_enabled = on
        runtime.settings.changed()

    return EmsSwitchEntityDescription(
        key=f"{load_id}_control",
        translation_key="load_control",
        follows=(follow_settings,),
        is_on_fn=lambda runtime: runtime.settings.load(load_id).control_enabled,
        set_fn=set_control,
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the Control switches (off for a new entry; kept in the settings store)."""
    async_add_entities([EmsSwitch(entry, CONTROL_SWITCH)])
    for load in entry.runtime_data.loads.loads:
        description = load_control_switch(load.spec.load_id)
        async_add_entities(
            [EmsSwitch(entry, description, load=load)],
            config_subentry_id=load.spec.load_id,
        )


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
