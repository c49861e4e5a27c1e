"""The PV forecast past slots had, kept in the entry's store so a restart keeps calibrating."""

from __future__ import annotations

import logging
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from custom_components.ems.const import DOMAIN
from custom_components.ems.core.situation import ForecastMemory

_LOGGER = logging.getLogger(__name__)
STORAGE_VERSION: Final = 1
# Written at most this often (and when Home Assistant stops): 4 weeks of slots is small.
SAVE_DELAY_SECONDS: Final = 600


def pv_memory_storage_key(entry_id: str) -> str:
    """Return the Store key of an entry's remembered PV forecast."""
    return f"{DOMAIN}.{entry_id}.pv_forecast"


class PvMemoryStore:
    """Load the remembered PV forecast at start-up; save it after each plan (delayed)."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Use the entry's own store."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, pv_memory_storage_key(entry_id)
        )
        self._pending = False

    async def async_load(self) -> ForecastMemory:
        """Return the remembered forecast; nothing remembered when the store is unreadable."""
        data = await self._store.async_load()
        if data is None:
            return ForecastMemory()
        slots = data.get("kw_by_slot")
        if not isinstance(slots, dict):
            _LOGGER.warning("EMS ignores its stored PV forecast: it is not readable")
            return ForecastMemory()
        return ForecastMemory.restored(slots)

    def save(self, memory: ForecastMemory) -> None:
        """Save `memory` within the save delay (and when Home Assistant stops).

        A save already pending is not postponed: it writes the memory as it is then.
        """
        if self._pending:
            return
        self._pending = True

        def data() -> dict[str, Any]:
            self._pending = False
            return {"kw_by_slot": memory.snapshot()}

        self._store.async_delay_save(data, SAVE_DELAY_SECONDS)

    async def async_save_now(self, memory: ForecastMemory) -> None:
        """Save `memory` at once (the entry unloads)."""
        self._pending = False
        await self._store.async_save({"kw_by_slot": memory.snapshot()})

    async def async_remove(self) -> None:
        """Delete the stored forecast (the entry is removed)."""
        await self._store.async_remove()
