"""The Control switch: while it is off, EMS never writes to the inverter."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity

from .coordinator import EmsConfigEntry
from .entity import EmsEntity

PARALLEL_UPDATES = 0

CONTROL_SWITCH = SwitchEntityDescription(key="control", translation_key="control")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the Control switch."""
    async_add_entities([EmsControlSwitch(entry=entry, description=CONTROL_SWITCH)])


class EmsControlSwitch(EmsEntity, SwitchEntity, RestoreEntity):
    """Off by default; the user's choice is kept across restarts."""

    def __init__(
        self, *, entry: EmsConfigEntry, description: SwitchEntityDescription
    ) -> None:
        """Keep the entry to log changes to."""
        super().__init__(entry=entry, description=description)
        self._entry = entry

    def _record(self, message: str) -> None:
        if (events := self._entry.runtime_data.events) is not None:
            events.record("control", message)

    async def async_added_to_hass(self) -> None:
        """Restore the user's choice; a new entry starts with control off."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        self.settings.control_enabled = last is not None and last.state == STATE_ON

    @property
    def is_on(self) -> bool:
        """Return whether EMS may write to the inverter."""
        return self.settings.control_enabled

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Let EMS write its plan to the inverter."""
        self._record("control on: EMS writes its plan to the inverter")
        self.settings.control_enabled = True
        self.settings.changed()

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop writing; EMS keeps planning as a dry run."""
        self._record("control off: the inverter returns to self use")
        self.settings.control_enabled = False
        self.settings.changed()
