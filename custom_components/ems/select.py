"""The operating mode select: `auto` follows the plan, the rest override it."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoredExtraData, RestoreEntity

from .const import OperatingMode
from .control_loop.overrides import async_set_override, override_from_dict
from .coordinator import EmsConfigEntry
from .entity import EmsEntity

PARALLEL_UPDATES = 0

MODE_SELECT = SelectEntityDescription(
    key="mode",
    translation_key="mode",
    options=[mode.value for mode in OperatingMode],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the operating mode select."""
    async_add_entities([EmsModeSelect(entry=entry, description=MODE_SELECT)])


class EmsModeSelect(EmsEntity, SelectEntity, RestoreEntity):
    """The operating mode; the chosen mode and a running override survive a restart."""

    def __init__(
        self, *, entry: EmsConfigEntry, description: SelectEntityDescription
    ) -> None:
        """Keep the entry to restore overrides into."""
        super().__init__(entry=entry, description=description)
        self._entry = entry

    async def async_added_to_hass(self) -> None:
        """Restore the chosen mode, and an override that has not yet ended."""
        await super().async_added_to_hass()
        extra = await self.async_get_last_extra_data()
        stored = extra.as_dict() if extra is not None else {}
        if stored.get("mode") in self.options:
            self.settings.mode = OperatingMode(stored["mode"])
        if (override := override_from_dict(stored.get("override"))) is not None:
            async_set_override(self.hass, self._entry, override)

    @property
    def extra_restore_state_data(self) -> RestoredExtraData:
        """Store the chosen mode apart from an override's, which must not outlive it."""
        return RestoredExtraData(self.settings.as_dict())

    @property
    def current_option(self) -> str:
        """Return the mode in force, an override's while it runs."""
        return self.settings.effective_mode.value

    async def async_select_option(self, option: str) -> None:
        """Change the operating mode; this ends any override."""
        self.settings.mode = OperatingMode(option)
        if (events := self._entry.runtime_data.events) is not None:
            events.record("mode", f"operating mode set to {option.replace('_', ' ')}")
        async_set_override(self.hass, self._entry, None)
