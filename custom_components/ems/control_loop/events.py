"""What EMS did, as logbook entries and a bounded list of recent events."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from custom_components.ems.const import DOMAIN

if TYPE_CHECKING:
    from custom_components.ems.coordinator import EmsConfigEntry

    from .controller import EmsController

RECENT_EVENTS = 100
# The logbook listens for this event (homeassistant.components.logbook).
EVENT_LOGBOOK_ENTRY = "logbook_entry"


class EventLog:
    """Records mode changes and overrides; keeps the last 100 for the UI."""

    def __init__(self, hass: HomeAssistant, entry: EmsConfigEntry) -> None:
        """Log for one entry; entries show on its control action sensor."""
        self.hass = hass
        self.entry = entry
        self._events: deque[dict[str, Any]] = deque(maxlen=RECENT_EVENTS)
        self._last_action: str | None = None

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

    @callback
    def async_follow(self, controller: EmsController) -> CALLBACK_TYPE:
        """Record every change of the mode the control loop chose."""

        @callback
        def changed() -> None:
            report = controller.report
            if report is None or report.error or report.action == self._last_action:
                return
            self._last_action = report.action
            prefix = "would switch" if report.dry_run else "switched"
            self.record(
                "mode",
                f"{prefix} to {report.action.replace('_', ' ')}: {report.reason}",
            )

        return controller.add_listener(changed)
