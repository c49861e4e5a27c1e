"""Controllable loads in Home Assistant's plan: planned with the battery, then switched.

A day of real SE3 quarter-hour prices in Stockholm; the loads' switches are
`input_boolean` helpers and the wallbox's plug a template binary sensor.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.ems.const import DOMAIN

from .conftest import PRICE, set_house
from .test_loads import add_load, minutes, service, state
from .test_plan import DAY_START, nordpool_attributes

DISHWASHER = "input_boolean.dishwasher"
WALLBOX = "input_boolean.wallbox"
CURRENT = "input_number.wallbox_current"
PLUG = "input_boolean.car_plugged_in"
APPLIANCE: dict[str, Any] = {
    "name": "Dishwasher",
    "switch_entity": DISHWASHER,
    "power_kw": 2.0,
    "energy_kwh": 1.5,
    "earliest": "08:00:00",
    "latest": "18:00:00",
    "one_block": True,
    "min_run_minutes": 15,
    "priority": 1,
}


@pytest.fixture
async def stockholm(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """00:02 on 2025-10-01 in Stockholm with the day's SE3 prices and the helpers."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to(DAY_START + timedelta(minutes=2))
    set_house(hass, soc="50", battery_w="0", pv_w="0", grid_w="800")
    hass.states.async_set(PRICE, "556.68", nordpool_attributes(with_tomorrow=False))
    assert await async_setup_component(
        hass,
        "input_boolean",
        {"input_boolean": {"dishwasher": {}, "wallbox": {}, "car_plugged_in": {}}},
    )
    assert await async_setup_component(
        hass,
        "input_number",
        {"input_number": {"wallbox_current": {"min": 0, "max": 32, "step": 1}}},
    )
    assert await async_setup_component(
        hass,
        "template",
        {
            "template": {
                "binary_sensor": {
                    "name": "Car plugged in",
                    "state": "{{ is_state('input_boolean.car_plugged_in', 'on') }}",
                }
            }
        },
    )


@pytest.fixture
async def entry(
    hass: HomeAssistant, stockholm: None, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set up EMS on the Stockholm house."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


async def get_plan(hass: HomeAssistant) -> dict[str, Any]:
    """Return the answer of ems.get_plan."""
    answer: dict[str, Any] = await hass.services.async_call(
        DOMAIN, "get_plan", {}, blocking=True, return_response=True
    )
    return answer


def _attributes(hass: HomeAssistant, entity_id: str) -> dict[str, Any]:
    found = hass.states.get(entity_id)
    assert found is not None, f"{entity_id} does not exist"
    return dict(found.attributes)


async def test_an_appliance_is_planned_in_its_window_and_switched_there(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """45 minutes in one block between 08:00 and 18:00, switched then, booked, done."""
    await add_load(hass, entry, "appliance", APPLIANCE)
    answer = await get_plan(hass)
    rows = answer["plan"]["slots"]
    (summary,) = answer["loads"]
    load_id = summary["id"]
    on = [row for row in rows if row["loads_kw"][load_id] > 0]
    assert [row["loads_kw"][load_id] for row in on] == [2.0, 2.0, 2.0]
    first = datetime.fromisoformat(on[0]["start"])
    assert on[0]["end"] == on[1]["start"] and on[1]["end"] == on[2]["start"]
    assert first >= datetime.fromisoformat("2025-10-01T08:00:00+02:00")
    assert datetime.fromisoformat(on[2]["end"]) <= datetime.fromisoformat(
        "2025-10-01T18:00:00+02:00"
    )
    # Running at 08:00 at once would cost the first three quarter-hours of the window.
    at_once = [row for row in rows if row["start"] >= "2025-10-01T08:00"][:3]
    assert summary["cost_at_once"] == pytest.approx(
        sum(row["import_price"] * 0.5 for row in at_once), abs=1e-3
    )
    assert summary["planned_cost"] == pytest.approx(
        sum(row["import_price"] * 0.5 for row in on), abs=1e-3
    )
    assert summary["planned_saving"] >= 0.0
    assert summary["window_start"] == "2025-10-01T08:00:00+02:00"
    start = datetime.fromisoformat(state(hass, "sensor.dishwasher_next_planned_start"))
    assert start == first
    assert state(hass, "sensor.dishwasher_planned_power") == "0.0"
    assert state(hass, "sensor.dishwasher_energy_today") == "0.0"
    cost = _attributes(hass, "sensor.dishwasher_cost_today")
    assert cost["planned_saving"] == summary["planned_saving"]

    await service(hass, "switch", SERVICE_TURN_ON, "switch.dishwasher_control")
    freezer.move_to(first + timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    await minutes(hass, freezer, 1)
    assert state(hass, DISHWASHER) == "on"
    assert state(hass, "sensor.dishwasher_planned_power") == "2.0"

    await minutes(hass, freezer, 46)
    assert state(hass, DISHWASHER) == "off"
    energy = float(state(hass, "sensor.dishwasher_energy_today"))
    assert energy == pytest.approx(1.5, abs=0.1)
    status = _attributes(hass, "sensor.dishwasher_planned_power")
    assert status["not_planned"].startswith("done:")
    assert float(state(hass, "sensor.dishwasher_cost_today")) == pytest.approx(
        summary["planned_cost"], rel=0.1
    )


async def test_a_car_not_plugged_in_is_not_planned(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """The plug's sensor decides; plugged in, the car gets its energy by 07:00."""
    await add_load(
        hass,
        entry,
        "ev_charger",
        {
            "name": "Car",
            "switch_entity": WALLBOX,
            "current_entity": CURRENT,
            "phases": "1",
            "min_current_a": 6,
            "max_current_a": 16,
            "energy_kwh": 10.0,
            "latest": "07:00:00",
            "plugged_in_entity": "binary_sensor.car_plugged_in",
            "min_run_minutes": 15,
            "priority": 1,
        },
    )
    attributes = _attributes(hass, "sensor.car_planned_power")
    assert attributes["not_planned"] == "the car is not plugged in"
    assert state(hass, "sensor.car_next_planned_start") == "unavailable"

    await service(hass, "input_boolean", SERVICE_TURN_ON, PLUG)
    answer = await hass.services.async_call(
        DOMAIN, "replan", {}, blocking=True, return_response=True
    )
    assert answer is not None
    await hass.async_block_till_done()
    plan = await get_plan(hass)
    rows, load_id = plan["plan"]["slots"], plan["loads"][0]["id"]
    charged = [
        row["loads_kw"][load_id] for row in rows if row["end"] <= "2025-10-01T07:00"
    ]
    assert sum(charged) * 0.25 == pytest.approx(10.0)
    assert all(kw == 0.0 or 1.38 - 1e-6 <= kw <= 3.68 + 1e-6 for kw in charged)
    assert state(hass, "sensor.car_next_planned_start") != "unavailable"


async def test_a_load_in_mode_off_is_not_planned(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Mode off: no power in the plan, and the reason on the planned power sensor."""
    await add_load(hass, entry, "appliance", APPLIANCE)
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: "select.dishwasher_mode", "option": "off"},
        blocking=True,
    )
    await hass.services.async_call(DOMAIN, "replan", {}, blocking=True)
    await hass.async_block_till_done()
    answer = await get_plan(hass)
    assert all("loads_kw" not in row for row in answer["plan"]["slots"])
    attributes = _attributes(hass, "sensor.dishwasher_planned_power")
    assert attributes["not_planned"] == "mode off: not planned by EMS"


async def test_load_sensors_snapshot(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
) -> None:
    """A planned appliance's sensors as the user sees them: states and attributes."""
    await add_load(hass, entry, "appliance", APPLIANCE)
    await minutes(hass, freezer, 1)
    shown = {
        entity_id: {"state": found.state, "attributes": dict(found.attributes)}
        for entity_id in sorted(hass.states.async_entity_ids("sensor"))
        if entity_id.startswith("sensor.dishwasher_")
        and (found := hass.states.get(entity_id)) is not None
    }
    assert shown == snapshot


async def test_explain_names_the_loads(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """`ems.explain` at the dishwasher's start: its kW in the slot and its summary."""
    await add_load(hass, entry, "appliance", APPLIANCE)
    start = state(hass, "sensor.dishwasher_next_planned_start")
    why: dict[str, Any] = await hass.services.async_call(
        DOMAIN, "explain", {"at": start}, blocking=True, return_response=True
    )
    (summary,) = why["loads"]
    assert summary["name"] == "Dishwasher"
    assert summary["mode"] == "auto"
    assert why["slot"]["loads_kw"] == {summary["id"]: 2.0}
    assert (
        summary["next_start"]
        == datetime.fromisoformat(start)
        .astimezone(datetime.fromisoformat(why["slot"]["start"]).tzinfo)
        .isoformat()
    )


async def test_energy_today_survives_a_restart(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Switched on by EMS (mode on) for 30 minutes: 1 kWh, kept over a reload."""
    await add_load(hass, entry, "appliance", APPLIANCE)
    await service(hass, "switch", SERVICE_TURN_ON, "switch.dishwasher_control")
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: "select.dishwasher_mode", "option": "on"},
        blocking=True,
    )
    await minutes(hass, freezer, 31)
    assert state(hass, DISHWASHER) == "on"
    before = float(state(hass, "sensor.dishwasher_energy_today"))
    assert before == pytest.approx(1.0, abs=0.05)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await minutes(hass, freezer, 1)
    after = float(state(hass, "sensor.dishwasher_energy_today"))
    assert before <= after <= before + 2.0 / 60 + 1e-6
