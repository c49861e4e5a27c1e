"""What EMS did: events for the logbook (translated there) and a short list for the UI.

Each event has a kind (control, mode, override), a translation key and placeholders.
The `logbook` platform turns it into a sentence in the user's language; the recent list
on the control sensor carries the English sentence.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util

from custom_components.ems.const import DOMAIN

EVENT_EMS: Final = f"{DOMAIN}_event"
RECENT_EVENTS: Final = 100

# The English sentences (the same as the translations' `logbook_*` messages).
MESSAGES: Final[dict[str, str]] = {
    "control_on": "Control on: EMS writes its plan to the inverter",
    "control_off": "Control off: {outcome}",
    "start_up": "Start-up: {outcome}",
    "mode_switched": "Switched to {mode}: {reason}",
    "mode_would_switch": "Would switch to {mode} (Control is off): {reason}",
    "mode_selected": "Operating mode set to {mode}",
    "override_started": "Override {mode} until {until}{details}",
    "override_cleared": "Override cleared; the plan resumes",
    "override_ended": "Override ended; the plan resumes",
    # Verified execution and the control self-test.
    "verify_failed": (
        "Not carried out: {mode} (expected {expected} kW, measured {measured} kW): "
        "{explanation}"
    ),
    "verify_cleared": "The battery follows again ({mode} no longer fails)",
    "verify_fallback": "Back to self use until {until}: {reason}",
    "verify_resumed": "Follows the plan again after falling back to self use",
    "self_test_started": "Control self-test started: {pulses}",
    "self_test_pulse": (
        "Self-test {mode} {outcome}: expected {expected} kW, measured {measured} kW "
        "({explanation})"
    ),
    "self_test_finished": "Control self-test {status}: {summary}",
    # Controllable loads.
    "load_event": "{event}",
    "load_switched": "{load}: switched {state}",
}


def message(key: str, placeholders: dict[str, str]) -> str:
    """Return an event's English sentence (modes are sent as their values)."""
    english = dict(placeholders)
    if "mode" in english:
        english["mode"] = english["mode"].replace("_", " ")
    return MESSAGES[key].format(**english)


class EventLog:
    """Records mode changes, overrides and Control; keeps the last 100 for the UI."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Log for one entry."""
        self.hass = hass
        self.entry = entry
        self._events: deque[dict[str, Any]] = deque(maxlen=RECENT_EVENTS)

    @property
    def recent(self) -> list[dict[str, Any]]:
        """Return the recent events, newest first."""
        return list(reversed(self._events))

    @callback
    def record(self, kind: str, key: str, **placeholders: str) -> None:
        """Add an event and fire it for the logbook."""
        now = dt_util.utcnow()
        self._events.append(
            {
                "at": dt_util.as_local(now).isoformat(),
                "kind": kind,
                "message": message(key, placeholders),
            }
        )
        self.hass.bus.async_fire(
            EVENT_EMS,
            {
                "entry_id": self.entry.entry_id,
                "kind": kind,
                "key": key,
                "placeholders": placeholders,
            },
        )
