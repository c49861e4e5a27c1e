"""The EMS actions: replan, get_plan, override, clear_override and explain."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .books.load_figures import load_summaries
from .const import DOMAIN
from .control_loop.commands import hardware_limits
from .core.control.model import Override, OverrideError
from .core.control.policy import validate_override
from .core.explanation import explain_slot
from .data import EmsConfigEntry
from .frontend.plan_view import plan_response
from .planner import InverterMode, plan_to_json

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_MODE = "mode"
ATTR_POWER_KW = "power_kw"
ATTR_TARGET_SOC = "target_soc"
ATTR_DURATION = "duration"
ATTR_UNTIL = "until"

SERVICE_REPLAN = "replan"
SERVICE_OVERRIDE = "override"
SERVICE_CLEAR_OVERRIDE = "clear_override"
SERVICE_EXPLAIN = "explain"
SERVICE_GET_PLAN = "get_plan"
ATTR_AT = "at"

ENTRY_SCHEMA = vol.Schema({vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string})
OVERRIDE_SCHEMA = ENTRY_SCHEMA.extend(
    {
        vol.Required(ATTR_MODE): vol.In([mode.value for mode in InverterMode]),
        vol.Optional(ATTR_POWER_KW): vol.Coerce(float),
        vol.Optional(ATTR_TARGET_SOC): vol.Coerce(float),
        vol.Exclusive(ATTR_DURATION, "end"): cv.positive_time_period,
        vol.Exclusive(ATTR_UNTIL, "end"): cv.datetime,
    }
)


EXPLAIN_SCHEMA = ENTRY_SCHEMA.extend({vol.Optional(ATTR_AT): cv.datetime})


def get_entry(hass: HomeAssistant, call: ServiceCall) -> EmsConfigEntry:
    """Return the loaded entry a call names, or the only one when it names none."""
    entry_id: str | None = call.data.get(ATTR_CONFIG_ENTRY_ID)
    if entry_id is None:
        entries = hass.config_entries.async_loaded_entries(DOMAIN)
        if len(entries) != 1:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_required",
                translation_placeholders={"count": str(len(entries))},
            )
        return entries[0]
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"title": entry.title},
        )
    return entry


def _local(moment: datetime) -> str:
    """Return a moment as a person reads it: local time, to the second."""
    return dt_util.as_local(moment).isoformat(sep=" ", timespec="seconds")


def _until(call: ServiceCall, now: datetime) -> datetime:
    duration: timedelta | None = call.data.get(ATTR_DURATION)
    if duration is not None:
        return now + duration
    until: datetime | None = call.data.get(ATTR_UNTIL)
    if until is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="end_required"
        )
    if until.tzinfo is None:
        until = until.replace(tzinfo=dt_util.get_default_time_zone())
    return dt_util.as_utc(until)


async def _replan(call: ServiceCall) -> ServiceResponse:
    entry = get_entry(call.hass, call)
    state = await entry.runtime_data.coordinator.async_replan()
    if state.plan is None:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="no_plan",
            translation_placeholders={
                "issues": "; ".join(state.plan_issues) or "unknown"
            },
        )
    response: dict[str, Any] = plan_to_json(state.plan)
    response["issues"] = list(state.plan_issues)
    return response


async def _override(call: ServiceCall) -> ServiceResponse:
    entry = get_entry(call.hass, call)
    now = dt_util.utcnow()
    override = Override(
        mode=InverterMode(call.data[ATTR_MODE]),
        until=_until(call, now),
        power_kw=call.data.get(ATTR_POWER_KW),
        target_soc_percent=call.data.get(ATTR_TARGET_SOC),
    )
    try:
        validate_override(override, hardware_limits(entry.runtime_data.config), now)
    except OverrideError as err:
        placeholders = dict(err.placeholders)
        if ATTR_UNTIL in placeholders:
            placeholders[ATTR_UNTIL] = _local(override.until)
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=err.key,
            translation_placeholders=placeholders,
        ) from err
    entry.runtime_data.overrides.async_set(override)
    return {"settings": entry.runtime_data.settings.as_dict()}


async def _explain(call: ServiceCall) -> ServiceResponse:
    entry = get_entry(call.hass, call)
    state = entry.runtime_data.coordinator.data
    if state.plan is None or state.problem is None:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="no_plan",
            translation_placeholders={
                "issues": "; ".join(state.plan_issues) or "unknown"
            },
        )
    at: datetime | None = call.data.get(ATTR_AT)
    if at is None:
        at = dt_util.utcnow()
    elif at.tzinfo is None:
        at = at.replace(tzinfo=dt_util.get_default_time_zone())
    index = state.plan.slot_index(at)
    if index is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="outside_plan",
            translation_placeholders={
                "at": _local(at),
                "start": _local(state.plan.slots[0].start),
                "end": _local(state.plan.slots[-1].end),
            },
        )
    runtime = entry.runtime_data
    answer: dict[str, Any] = await call.hass.async_add_executor_job(
        partial(
            explain_slot,
            state.problem,
            state.plan,
            index,
            dt_util.get_default_time_zone(),
            runtime.config.planning.method,
        )
    )
    if runtime.loads.loads:
        answer["loads"] = load_summaries(runtime)
    return answer


async def _clear_override(call: ServiceCall) -> None:
    entry = get_entry(call.hass, call)
    entry.runtime_data.overrides.async_set(None)


async def _get_plan(call: ServiceCall) -> ServiceResponse:
    """Return the plan in force and today's past slots, for cards and automations."""
    return plan_response(call.hass, get_entry(call.hass, call))


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the EMS actions (once, for all entries)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_REPLAN,
        _replan,
        schema=ENTRY_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_OVERRIDE,
        _override,
        schema=OVERRIDE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_CLEAR_OVERRIDE, _clear_override, schema=ENTRY_SCHEMA
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_PLAN,
        _get_plan,
        schema=ENTRY_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_EXPLAIN,
        _explain,
        schema=EXPLAIN_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
