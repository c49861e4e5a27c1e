"""Logbook entries for what EMS did, in the user's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.translation import async_get_cached_translations

from .const import DOMAIN
from .control_loop.events import EVENT_EMS, message


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Describe EMS's events."""

    @callback
    def describe(event: Event) -> dict[str, Any]:
        data = event.data
        key = str(data["key"])
        placeholders = {k: str(v) for k, v in data.get("placeholders", {}).items()}
        entry = hass.config_entries.async_get_entry(str(data.get("entry_id")))
        return {
            LOGBOOK_ENTRY_NAME: entry.title if entry else "EMS",
            LOGBOOK_ENTRY_MESSAGE: _translated(hass, key, placeholders),
            LOGBOOK_ENTRY_ENTITY_ID: er.async_get(hass).async_get_entity_id(
                "sensor", DOMAIN, f"{entry.unique_id}_control_action"
            )
            if entry
            else None,
        }

    async_describe_event(DOMAIN, EVENT_EMS, describe)


def _translated(hass: HomeAssistant, key: str, placeholders: dict[str, str]) -> str:
    """Return the event in the configured language, English when not translated."""
    language = hass.config.language
    messages = async_get_cached_translations(hass, language, "exceptions", DOMAIN)
    template = messages.get(f"component.{DOMAIN}.exceptions.logbook_{key}.message")
    if not template:
        return message(key, placeholders)
    if "mode" in placeholders:
        states = async_get_cached_translations(hass, language, "entity", DOMAIN)
        mode = placeholders["mode"]
        placeholders = placeholders | {
            "mode": states.get(
                f"component.{DOMAIN}.entity.sensor.control_action.state.{mode}",
                mode.replace("_", " "),
            )
        }
    try:
        return template.format(**placeholders)
    except (KeyError, IndexError, ValueError):
        return message(key, placeholders)
