"""Diagnostics for EMS, with the inverter's address and serial redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant

from .const import CONF_GROWATT_DEVICE, CONF_INVERTER_SERIAL
from .coordinator import EmsConfigEntry

TO_REDACT = {CONF_HOST, CONF_INVERTER_SERIAL, CONF_GROWATT_DEVICE, "serial", "token"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: EmsConfigEntry
) -> dict[str, Any]:
    """Return what EMS read and was told, without secrets."""
    runtime = entry.runtime_data
    state = runtime.coordinator.data
    return {
        "data": async_redact_data(dict(entry.data), TO_REDACT),
        "options": dict(entry.options),
        "settings": runtime.settings.as_dict(),
        "house": asdict(state.house),
        "problems": {str(key): text for key, text in state.problems.items()},
        "plan": None
        if state.plan is None
        else {
            "method": state.plan.method,
            "status": state.plan.status,
            "reason": state.plan.reason,
            "slots": len(state.plan.slots),
            "solve_seconds": state.plan.solve_seconds,
        },
        "plan_issues": list(state.plan_issues),
    }
