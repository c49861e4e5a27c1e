"""Retail price providers that spread their prices over several entities.

Amber Electric: the current price sensor of a channel (`<site>-current-<channel>`)
and its forecast sensor (`<site>-forecasts-<channel>`). Octopus Energy: the current
rate sensor of a meter (`..._current_rate`) and its day rates events
(`..._current_day_rates`, `..._next_day_rates`). Either entity may be the one chosen;
the others are found through the entity registry, else by the entity ID's pattern.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from custom_components.ems.core.inputs import AmberSpike, PriceSeries, amber, octopus

_AMBER_CURRENT = ("-current-", "_price")
_AMBER_FORECAST = ("-forecasts-", "_forecast")
_OCTOPUS_CURRENT = "_current_rate"
_OCTOPUS_EVENTS = ("_current_day_rates", "_next_day_rates")


def _swap(text: str, old: str, new: str) -> str | None:
    """Return `text` with its last `old` replaced by `new`, None without one."""
    head, found, tail = text.rpartition(old)
    return f"{head}{new}{tail}" if found else None


def sibling(
    hass: HomeAssistant,
    entity_id: str,
    domain: str,
    unique: tuple[str, str],
    object_id: tuple[str, str],
) -> str | None:
    """Return the entity of the same provider whose unique ID differs by `unique`.

    Without a registry entry (or no match there), the entity ID with `object_id`
    swapped is taken if such an entity exists.
    """
    registry = er.async_get(hass)
    if (entry := registry.async_get(entity_id)) is not None:
        other = _swap(entry.unique_id, *unique)
        if other and (
            found := registry.async_get_entity_id(domain, entry.platform, other)
        ):
            return found
    name = _swap(entity_id.partition(".")[2], *object_id)
    candidate = f"{domain}.{name}" if name else None
    if candidate and hass.states.get(candidate) is not None:
        return candidate
    return None


def _attributes(
    hass: HomeAssistant, entity_id: str | None
) -> Mapping[str, object] | None:
    state = hass.states.get(entity_id) if entity_id else None
    return None if state is None else state.attributes


def read_amber(hass: HomeAssistant, entity_id: str) -> tuple[PriceSeries, AmberSpike]:
    """Return Amber's prices and spike flag from the channel's current and forecast sensors."""
    chosen = _attributes(hass, entity_id) or {}
    if "forecasts" in chosen:
        forecast_id: str | None = entity_id
        current_id = sibling(
            hass,
            entity_id,
            "sensor",
            (_AMBER_FORECAST[0], _AMBER_CURRENT[0]),
            (_AMBER_FORECAST[1], _AMBER_CURRENT[1]),
        )
    else:
        current_id = entity_id
        forecast_id = sibling(
            hass,
            entity_id,
            "sensor",
            (_AMBER_CURRENT[0], _AMBER_FORECAST[0]),
            (_AMBER_CURRENT[1], _AMBER_FORECAST[1]),
        )
    current = _attributes(hass, current_id)
    series, spike = amber(current, _attributes(hass, forecast_id))
    if current is None:
        series = _warned(series, "no Amber current price sensor found for this channel")
    if forecast_id is None:
        series = _warned(series, "no Amber forecast sensor found for this channel")
    return series, spike


def read_octopus(hass: HomeAssistant, entity_id: str) -> PriceSeries:
    """Return Octopus Energy's rates from the meter's current and next day events."""
    if entity_id.startswith("event."):
        base = entity_id.partition(".")[2]
        for suffix in _OCTOPUS_EVENTS:
            base = base.removesuffix(suffix)
        events = [f"event.{base}{suffix}" for suffix in _OCTOPUS_EVENTS]
    else:
        events = [
            found
            for suffix in _OCTOPUS_EVENTS
            if (
                found := sibling(
                    hass,
                    entity_id,
                    "event",
                    (_OCTOPUS_CURRENT, suffix),
                    (_OCTOPUS_CURRENT, suffix),
                )
            )
        ]
    read = [event for event in events if _attributes(hass, event) is not None]
    series = octopus([_attributes(hass, event) or {} for event in read])
    if not read:
        series = _warned(
            series, "no Octopus Energy day rates events found for this meter"
        )
    return series


def _warned(series: PriceSeries, warning: str) -> PriceSeries:
    return replace(series, warnings=(*series.warnings, warning))
