"""A controllable load's sensors: status, planned power and start, energy and cost today.

Energy and cost today come from the load books (`books.loads`); what planning saves
compares the plan in force with running the load at once (`core.loads.energy`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import UnitOfEnergy, UnitOfPower
from homeassistant.util import dt as dt_util

from custom_components.ems.core.loads.energy import (
    Consumed,
    next_start,
    planned_kw,
    planned_money,
)
from custom_components.ems.data import EmsRuntimeData
from custom_components.ems.entity import EmsSensorEntityDescription, follow_loads


def planned_power(runtime: EmsRuntimeData, load_id: str) -> float | None:
    """Return the load's planned kW now (0 when the plan leaves it off)."""
    plan = runtime.coordinator.data.plan
    if plan is None:
        return None
    return planned_kw(plan, load_id, dt_util.utcnow()) or 0.0


def planned_start(runtime: EmsRuntimeData, load_id: str) -> datetime | None:
    """Return the start of the load's planned run now or of its next one."""
    plan = runtime.coordinator.data.plan
    return None if plan is None else next_start(plan, load_id, dt_util.utcnow())


def today(runtime: EmsRuntimeData, load_id: str) -> Consumed:
    """Return what the load drew since local midnight and what it cost."""
    return runtime.coordinator.load_books.since(load_id, dt_util.start_of_local_day())


def load_summaries(runtime: EmsRuntimeData) -> list[dict[str, Any]]:
    """Return every load's plan and books, for `ems.get_plan` and `ems.explain`."""
    summaries = []
    for load in runtime.loads.loads:
        load_id = load.spec.load_id
        start = planned_start(runtime, load_id)
        used = today(runtime, load_id)
        summaries.append(
            {
                "id": load_id,
                "name": load.spec.name,
                "kind": load.load_type.value,
                "mode": runtime.settings.load(load_id).mode.value,
                "planned_kw": planned_power(runtime, load_id),
                "next_start": start and dt_util.as_local(start).isoformat(),
                "energy_today_kwh": round(used.kwh, 3),
                "cost_today": round(used.cost, 4),
            }
            | plan_attributes(runtime, load_id)
        )
    return summaries


def plan_attributes(runtime: EmsRuntimeData, load_id: str) -> dict[str, Any]:
    """Return why a load is not planned, or its planned energy, cost and saving."""
    data = runtime.coordinator.data
    load = (
        next((x for x in data.problem.loads if x.id == load_id), None)
        if (data.problem is not None)
        else None
    )
    note = data.loads.notes.get(load_id)
    if data.plan is None or load is None:
        return {"not_planned": note}
    money = planned_money(data.plan, load)
    window = data.loads.windows.get(load_id)
    return {
        "not_planned": note,
        "window_start": window and dt_util.as_local(window.earliest).isoformat(),
        "window_end": window and dt_util.as_local(window.latest).isoformat(),
        "planned_kwh": round(money.kwh, 3),
        "planned_cost": round(money.cost, 4),
        "cost_at_once": round(money.cost_at_once, 4),
        "planned_saving": round(money.saving, 4),
    }


_PLAN_KEYS = ("not_planned", "window_start", "window_end", "planned_kwh")
_MONEY_KEYS = ("planned_cost", "cost_at_once", "planned_saving")


def _picked(keys: tuple[str, ...], load_id: str) -> Callable[[EmsRuntimeData], Any]:
    def attributes(runtime: EmsRuntimeData) -> dict[str, Any]:
        found = plan_attributes(runtime, load_id)
        return {key: found.get(key) for key in keys}

    return attributes


def load_sensors(load_id: str) -> tuple[EmsSensorEntityDescription, ...]:
    """Return a load's sensors: status, planned power and start, energy and cost today."""

    def status_attributes(runtime: EmsRuntimeData) -> dict[str, Any]:
        state = runtime.loads.state
        status = state.status.get(load_id)
        return {
            "reason": status.reason if status else None,
            "planned_kw": round(status.planned_kw, 3) if status else None,
            "would_switch": state.would_switch.get(load_id),
            "error": state.errors.get(load_id),
        }

    return (
        EmsSensorEntityDescription(
            key=f"{load_id}_status",
            translation_key="load_status",
            device_class=SensorDeviceClass.ENUM,
            options=["on", "off"],
            follows=(follow_loads,),
            value_fn=lambda runtime: (
                ("on" if status.on else "off")
                if (status := runtime.loads.state.status.get(load_id))
                else None
            ),
            attributes_fn=status_attributes,
        ),
        EmsSensorEntityDescription(
            key=f"{load_id}_planned_power",
            translation_key="load_planned_power",
            device_class=SensorDeviceClass.POWER,
            native_unit_of_measurement=UnitOfPower.KILO_WATT,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=2,
            follows=(follow_loads,),
            value_fn=lambda runtime: planned_power(runtime, load_id),
            attributes_fn=_picked(_PLAN_KEYS, load_id),
        ),
        EmsSensorEntityDescription(
            key=f"{load_id}_next_start",
            translation_key="load_next_start",
            device_class=SensorDeviceClass.TIMESTAMP,
            follows=(follow_loads,),
            value_fn=lambda runtime: planned_start(runtime, load_id),
        ),
        EmsSensorEntityDescription(
            key=f"{load_id}_energy_today",
            translation_key="load_energy_today",
            device_class=SensorDeviceClass.ENERGY,
            native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
            state_class=SensorStateClass.TOTAL_INCREASING,
            suggested_display_precision=2,
            follows=(follow_loads,),
            value_fn=lambda runtime: today(runtime, load_id).kwh,
        ),
        EmsSensorEntityDescription(
            key=f"{load_id}_cost_today",
            translation_key="load_cost_today",
            device_class=SensorDeviceClass.MONETARY,
            state_class=SensorStateClass.TOTAL,
            suggested_display_precision=2,
            follows=(follow_loads,),
            value_fn=lambda runtime: today(runtime, load_id).cost,
            attributes_fn=_picked(_MONEY_KEYS, load_id),
            last_reset_fn=lambda _: dt_util.start_of_local_day(),
            unit_fn=lambda currency: currency,
        ),
    )
