"""What `ems.get_plan` answers: the plan, today's past slots planned against actual.

The plan card draws from this answer alone (with the recorder's history of the
sensors it names), so every time in it is local and every figure rounded.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from custom_components.ems.books.load_figures import load_summaries
from custom_components.ems.const import DOMAIN
from custom_components.ems.core.explanation import plan_rows
from custom_components.ems.core.house import Quantity
from custom_components.ems.core.review import Measured, Planned, SlotReview
from custom_components.ems.core.shown import rounded
from custom_components.ems.data import EmsConfigEntry

# The sensors the card reads the history of, by the name the answer gives them.
CARD_SENSORS = {
    "plan": "plan",
    "soc": Quantity.SOC.value,
    "battery_power": Quantity.BATTERY_POWER.value,
    "pv_power": Quantity.PV_POWER.value,
    "load_power": Quantity.LOAD_POWER.value,
    "grid_power": Quantity.GRID_POWER.value,
}


def _planned(planned: Planned, hours: float) -> dict[str, Any]:
    return {
        "mode": planned.mode,
        "battery_kw": rounded(planned.battery_kw, 3),
        "grid_kw": rounded(planned.grid_kw, 3),
        "soc_percent": rounded(planned.soc_percent, 1),
        "pv_kw": rounded(planned.pv_kw, 3),
        "load_kw": rounded(planned.load_kw, 3),
        "import_price": rounded(planned.import_price, 4),
        "export_price": rounded(planned.export_price, 4),
        "cost": rounded(planned.cost(hours), 4),
        "saving": rounded(planned.saving(hours), 4),
    }


def _measured(measured: Measured, hours: float) -> dict[str, Any]:
    return {
        "battery_kw": rounded(
            (measured.charged_kwh - measured.discharged_kwh) / hours, 3
        ),
        "grid_kw": rounded((measured.import_kwh - measured.export_kwh) / hours, 3),
        "pv_kw": rounded(measured.pv_kwh / hours, 3),
        "load_kw": rounded(measured.load_kwh / hours, 3),
        "soc_percent": None
        if measured.soc_percent is None
        else rounded(measured.soc_percent, 1),
        "import_kwh": rounded(measured.import_kwh, 3),
        "export_kwh": rounded(measured.export_kwh, 3),
        "cost": rounded(measured.net_cost, 4),
        "saving": rounded(measured.saving, 4),
    }


def past_rows(
    slots: list[SlotReview], now: datetime, zone: tzinfo
) -> list[dict[str, Any]]:
    """Return the slots that have begun: planned at their start against measured."""
    return [
        {
            "start": review.start.astimezone(zone).isoformat(),
            "end": review.end.astimezone(zone).isoformat(),
            "reason": None if review.planned is None else review.planned.reason,
            "planned": None
            if review.planned is None
            else _planned(review.planned, review.hours),
            "day_ahead": None
            if review.day_ahead is None
            else {
                "pv_kw": rounded(review.day_ahead.pv_kw, 3),
                "load_kw": rounded(review.day_ahead.load_kw, 3),
            },
            "measured": None
            if review.measured is None
            else _measured(review.measured, review.hours),
        }
        for review in slots
        if review.start <= now
    ]


def _days(today: date, zone: tzinfo) -> list[dict[str, str]]:
    """Return today and tomorrow as local days: the span the card draws."""
    days = []
    for offset in (0, 1):
        day = today + timedelta(days=offset)
        start = datetime.combine(day, time(), zone)
        end = datetime.combine(day + timedelta(days=1), time(), zone)
        days.append(
            {
                "date": day.isoformat(),
                "start": start.isoformat(),
                "end": end.isoformat(),
            }
        )
    return days


def card_entities(hass: HomeAssistant, entry: EmsConfigEntry) -> dict[str, str | None]:
    """Return the entity IDs of the entry's sensors the card follows."""
    registry = er.async_get(hass)
    return {
        name: registry.async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}_{key}")
        for name, key in CARD_SENSORS.items()
    }


def plan_response(hass: HomeAssistant, entry: EmsConfigEntry) -> dict[str, Any]:
    """Return the answer of `ems.get_plan` (see the README for its fields)."""
    runtime = entry.runtime_data
    state = runtime.coordinator.data
    review = runtime.accounting.review
    zone = dt_util.get_default_time_zone()
    now = dt_util.utcnow()
    today = now.astimezone(zone).date()
    plan = state.plan
    saving = review.saving(today)
    return {
        "issues": list(state.plan_issues),
        "plan": None
        if plan is None
        else {
            "method": plan.method,
            "status": plan.status,
            "method_reason": plan.reason,
            "cost": rounded(plan.objective, 4),
            "cost_idle_battery": rounded(plan.cost_idle, 4),
            "cost_self_use": rounded(plan.cost_self_use, 4),
            "expected_saving": rounded(plan.expected_saving, 4),
            "planned_at": dt_util.as_local(state.updated_at).isoformat(),
            "slots": plan_rows(plan, zone),
        },
        "past": past_rows(review.day(today), now, zone),
        "today": {
            "planned_saving": rounded(
                review.planned_for_day(today, plan.slots if plan else (), now), 4
            ),
            "planned_so_far": rounded(saving.planned, 4),
            "realised_so_far": rounded(saving.realised, 4),
            "slots_compared": saving.slots,
        },
        "loads": load_summaries(runtime),
        "days": _days(today, zone),
        "pv_forecast": runtime.config.forecasts.pv_source.value,
        "currency": hass.config.currency,
        "entities": card_entities(hass, entry),
    }
