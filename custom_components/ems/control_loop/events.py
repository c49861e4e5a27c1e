"""What EMS did, as logbook entries and a bounded list of recent events."""

from __future__ import annotations

from collections import deque
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from custom_components.ems.const import DOMAIN

RECENT_EVENTS = 100
# The logbook listens for this event (homeassistant.components.logbook).
EVENT_LOGBOOK_ENTRY = "logbook_entry"


class EventLog:
    """Records mode changes and overrides; keeps the last 100 for the UI."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Log for one entry; entries show on its control action sensor."""
        self.hass = hass
        self.entry = entry
        self._events: deque[dict[str, Any]] = deque(maxlen=RECENT_EVENTS)

    @property
    def recent(self) -> list[dict[str, Any]]:
        """Return the recent events, newest first."""
        return list(reversed(self._events))

    @callback
    def record(self, kind: str, message: str) -> None:
        """Add an event and write it to the logbook."""
        self._events.append(
            {"at": dt_util.utcnow().isoformat(), "kind": kind, "message": message}
        )
        entity_id = er.async_get(self.hass).async_get_entity_id(
            "sensor", DOMAIN, f"{self.entry.unique_id}_control_action"
        )
        self.hass.bus.async_fire(
            EVENT_LOGBOOK_ENTRY,
            {
                "name": self.entry.title,
                "message": message,
                "domain": DOMAIN,
                "entity_id": entity_id,
            },
        )
