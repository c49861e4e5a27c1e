"""Manual overrides: the mode select and `ems.override` are one mechanism."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from custom_components.ems.const import LOGGER
from custom_components.ems.coordinator import EmsConfigEntry
from custom_components.ems.core.control.model import Override
from custom_components.ems.planner import InverterMode


@callback
def async_set_override(
    hass: HomeAssistant, entry: EmsConfigEntry, override: Override | None
) -> None:
    """Start (or with None, end) an override; it ends by itself at `until`."""
    runtime = entry.runtime_data
    if runtime.cancel_override_timer is not None:
        runtime.cancel_override_timer()
        runtime.cancel_override_timer = None
    if runtime.events is not None:
        if override is not None:
            runtime.events.record("override", describe(override))
        elif runtime.settings.override is not None:
            runtime.events.record("override", "override cleared; the plan resumes")
    runtime.settings.override = override
    if override is not None:

        @callback
        def expire(_now: datetime) -> None:
            runtime.cancel_override_timer = None
            if runtime.settings.override is override:
                LOGGER.info("EMS override %s ended; the plan resumes", override.mode)
                if runtime.events is not None:
                    runtime.events.record(
                        "override", "override ended; the plan resumes"
                    )
                runtime.settings.override = None
                runtime.settings.changed()

        runtime.cancel_override_timer = async_track_point_in_utc_time(
            hass, expire, override.until
        )
    runtime.settings.changed()


def describe(override: Override) -> str:
    """Return an override as a user reads it."""
    until = dt_util.as_local(override.until).strftime("%Y-%m-%d %H:%M")
    text = f"override {override.mode.value.replace('_', ' ')} until {until}"
    if override.power_kw is not None:
        text += f" at {override.power_kw:g} kW"
    if override.target_soc_percent is not None:
        text += f" or until {override.target_soc_percent:g} %"
    return text


def override_from_dict(data: dict[str, Any] | None) -> Override | None:
    """Return a stored override that has not yet ended, else None."""
    if not data:
        return None
    try:
        until = dt_util.parse_datetime(str(data["until"]))
        override = Override(
            mode=InverterMode(data["mode"]),
            until=until if until is not None else dt_util.utcnow(),
            power_kw=data.get("power_kw"),
            target_soc_percent=data.get("target_soc_percent"),
        )
    except (KeyError, ValueError):
        return None
    return override if override.until > dt_util.utcnow() else None
