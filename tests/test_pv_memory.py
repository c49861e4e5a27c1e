"""The PV forecast past slots had survives a restart (the planner calibrates PV with it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.ems.core.situation import Situation
from custom_components.ems.sources.pv_memory import (
    SAVE_DELAY_SECONDS,
    pv_memory_storage_key,
)

from .planned_house import async_plan_house, dry_run_entry

QUARTER = timedelta(minutes=15)


def _this_slot() -> datetime:
    now = dt_util.utcnow()
    return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)


def _situation(entry: MockConfigEntry) -> Situation:
    situation = entry.runtime_data.coordinator.data.situation
    assert situation is not None
    return situation


def _forecast_at(situation: Situation, moment: datetime) -> float | None:
    forecast = situation.pv_forecast
    return forecast.p50[int((moment - forecast.start) / QUARTER)]


async def test_the_forecast_past_slots_had_is_taken_back_after_a_restart(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """What was saved before the restart is the forecast those slots had; bad entries are dropped."""
    entry = dry_run_entry()
    hour_ago = _this_slot() - timedelta(hours=1)
    hass_storage[pv_memory_storage_key(entry.entry_id)] = {
        "version": 1,
        "key": pv_memory_storage_key(entry.entry_id),
        "data": {
            "kw_by_slot": {
                str(int(hour_ago.timestamp())): 2.5,
                str(int((hour_ago + QUARTER).timestamp())): "sunny",
                str(int((hour_ago + 2 * QUARTER).timestamp())): -1.0,
            }
        },
    }
    await async_plan_house(hass, entry)

    situation = _situation(entry)
    assert _forecast_at(situation, hour_ago) == 2.5
    assert _forecast_at(situation, hour_ago + QUARTER) is None
    assert _forecast_at(situation, hour_ago + 2 * QUARTER) is None


async def test_the_forecast_is_saved_after_a_plan(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Each plan's coming slots are saved within the save delay."""
    entry = dry_run_entry()
    await async_plan_house(hass, entry)
    key = pv_memory_storage_key(entry.entry_id)
    assert key not in hass_storage

    async_fire_time_changed(
        hass, dt_util.utcnow() + timedelta(seconds=SAVE_DELAY_SECONDS + 1)
    )
    await hass.async_block_till_done()
    saved = hass_storage[key]["data"]["kw_by_slot"]
    situation = _situation(entry)
    assert saved[str(int(_this_slot().timestamp()))] == 0.0
    assert len(saved) >= len(situation.prices.import_price)

    # A reload saves at once what the next start takes back.
    del hass_storage[key]
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert str(int(_this_slot().timestamp())) in hass_storage[key]["data"]["kw_by_slot"]

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
