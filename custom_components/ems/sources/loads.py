"""What Home Assistant knows of the configured loads when EMS plans."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant

from custom_components.ems.books.loads import LoadBooks
from custom_components.ems.control_loop.settings import EmsSettings
from custom_components.ems.core.house import Quantity, ReadingError, convert
from custom_components.ems.core.loads import LoadKind
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
    """Return each load's mode, plug, power while on, and energy since its window began."""
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
                running_kw=_running_kw(hass, config),
            )
        )
    return known


def _running_kw(hass: HomeAssistant, config: LoadConfig) -> float | None:
    """Return what a load switched on draws: its power sensor, else its own power."""
    switch = hass.states.get(config.entities.switch)
    if switch is None or switch.state != STATE_ON:
        return None
    sensor = hass.states.get(config.entities.power or "")
    if sensor is not None:
        try:
            return convert(
                Quantity.LOAD_POWER,
                sensor.state,
                sensor.attributes.get(ATTR_UNIT_OF_MEASUREMENT),
            )
        except ReadingError:
            pass
    spec = config.spec
    return spec.max_kw if spec.kind is LoadKind.MODULATING else spec.power_kw
