"""Diagnostics for EMS: configuration, readings, the plan and the control loop.

The inverter's address and serial, the Growatt device and personal choices that name
accounts or homes (the Tibber home, the Nord Pool entry, the Forecast.Solar entry) are
redacted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant

from .const import (
    CONF_FORECAST_SOLAR_ENTRIES,
    CONF_FORECAST_SOLAR_ENTRY,
    CONF_GROWATT_DEVICE,
    CONF_INVERTER_SERIAL,
    CONF_NORDPOOL_ENTRY,
    CONF_TIBBER_HOME,
)
from .core.situation import situation_to_json
from .data import EmsConfigEntry

TO_REDACT = {
    CONF_HOST,
    CONF_INVERTER_SERIAL,
    CONF_GROWATT_DEVICE,
    CONF_TIBBER_HOME,
    CONF_NORDPOOL_ENTRY,
    CONF_FORECAST_SOLAR_ENTRY,
    CONF_FORECAST_SOLAR_ENTRIES,
    "serial",
    "token",
    "growatt_device",
    "tibber_home",
    "nordpool_entry",
    "forecast_solar_entries",
}


def _plain(slot: Any) -> dict[str, Any]:
    """Return a plan slot's fields, its mappings (loads) as plain dicts."""
    values = {field.name: getattr(slot, field.name) for field in fields(slot)}
    return {
        name: dict(value) if isinstance(value, Mapping) else value
        for name, value in values.items()
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: EmsConfigEntry
) -> dict[str, Any]:
    """Return what EMS read, planned and did, without personal data."""
    runtime = entry.runtime_data
    state = runtime.coordinator.data
    controller = runtime.controller
    report = controller.report
    return async_redact_data(
        {
            "data": dict(entry.data),
            "options": dict(entry.options),
            "config": asdict(runtime.config),
            "settings": runtime.settings.as_dict(),
            "house": asdict(state.house),
            "input_problems": state.input_problems,
            "plan": None
            if state.plan is None
            else {
                "method": state.plan.method,
                "status": state.plan.status,
                "reason": state.plan.reason,
                "slots": len(state.plan.slots),
                "first_slot": _plain(state.plan.slots[0]) if state.plan.slots else None,
                "cost": state.plan.objective,
                "expected_saving": state.plan.expected_saving,
                "solve_seconds": state.plan.solve_seconds,
            },
            "plan_issues": list(state.plan_issues),
            # What was known when planning: `python -m custom_components.ems.planner
            # --situation FILE` plans the same from it.
            "situation": None
            if state.situation is None
            else situation_to_json(state.situation),
            "control": {
                "link": type(controller.link).__name__ if controller.link else None,
                "failures": controller.failures,
                "last_run": None if report is None else asdict(report),
                "memory": asdict(controller.memory),
                "events": runtime.events.recent,
                "verification": controller.verification.as_dict(),
                "self_test": controller.self_test.report.as_dict()
                if controller.self_test.report
                else None,
            },
        },
        TO_REDACT,
    )
