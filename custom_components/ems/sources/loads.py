"""What Home Assistant knows of the configured loads when EMS plans."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant

from custom_components.ems.books.loads import LoadBooks
from custom_components.ems.control_loop.settings import EmsSettings
from custom_components.ems.core.loads.config import LoadConfig
from custom_components.ems.core.loads.planning import LoadNow, window_starts


def loads_now(
    hass: HomeAssistant,
    loads: Sequence[LoadConfig],
    *,
    settings: EmsSettings,
    books: LoadBooks,
    now: datetime,
    zone: tzinfo,
) -> list[LoadNow]:
    """Return each load's mode, plug and energy delivered since its window and midnight."""
    starts = window_starts(loads, now, zone)
    known = []
    for config in loads:
        load_id = config.spec.load_id
        plug = hass.states.get(config.entities.plugged_in or "")
        known.append(
            LoadNow(
                config=config,
                mode=settings.load(load_id).mode,
                plugged_in=None
                if plug is None or plug.state not in (STATE_ON, STATE_OFF)
                else plug.state == STATE_ON,
                delivered_since={
                    start: books.since(load_id, start).kwh for start in starts
                },
            )
        )
    return known
