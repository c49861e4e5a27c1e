"""The operating mode select: `auto` follows the plan, the rest override it."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity

from .const import OperatingMode
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
    """The operating mode; kept across restarts."""

    async def async_added_to_hass(self) -> None:
        """Restore the mode the user chose before the restart."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is not None and last.state in self.options:
            self.settings.mode = OperatingMode(last.state)

    @property
    def current_option(self) -> str:
        """Return the operating mode."""
        return self.settings.mode.value

    async def async_select_option(self, option: str) -> None:
        """Change the operating mode."""
        self.settings.mode = OperatingMode(option)
        self.async_write_ha_state()
