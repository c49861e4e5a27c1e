"""Manual overrides: the mode select and `ems.override` are one mechanism."""

from __future__ import annotations

from datetime import datetime

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from custom_components.ems.const import LOGGER
from custom_components.ems.core.control.model import Override

from .events import EventLog
from .settings import EmsSettings


class Overrides:
    """Starts and ends overrides; an override ends by itself at its `until`."""

    def __init__(
        self, hass: HomeAssistant, settings: EmsSettings, events: EventLog
    ) -> None:
        """Keep the override in `settings`; record starts and ends in `events`."""
        self._hass = hass
        self._settings = settings
        self._events = events
        self._cancel_timer: CALLBACK_TYPE | None = None

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Time the end of an override restored from storage; return the stopper."""
        if (override := self._settings.override) is not None:
            self._arm(override)
        return self._disarm

    @callback
    def async_set(self, override: Override | None) -> None:
        """Start (or with None, end) an override."""
        self._disarm()
        if override is not None:
            self._events.record("override", "override_started", **describe(override))
            self._arm(override)
        elif self._settings.override is not None:
            self._events.record("override", "override_cleared")
        self._settings.override = override
        self._settings.changed()

    @callback
    def _arm(self, override: Override) -> None:
        @callback
        def expire(_now: datetime) -> None:
            self._cancel_timer = None
            if self._settings.override is override:
                LOGGER.info("EMS override %s ended; the plan resumes", override.mode)
                self._events.record("override", "override_ended")
                self._settings.override = None
                self._settings.changed()

        self._cancel_timer = async_track_point_in_utc_time(
            self._hass, expire, override.until
        )

    @callback
    def _disarm(self) -> None:
        if self._cancel_timer is not None:
            self._cancel_timer()
            self._cancel_timer = None


def describe(override: Override) -> dict[str, str]:
    """Return an override's placeholders for its event: mode, local end, details."""
    details = ""
    if override.power_kw is not None:
        details += f", {override.power_kw:g} kW"
    if override.target_soc_percent is not None:
        details += f", SoC {override.target_soc_percent:g} %"
    return {
        "mode": override.mode.value,
        "until": dt_util.as_local(override.until).strftime("%Y-%m-%d %H:%M"),
        "details": details,
    }
