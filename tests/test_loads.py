"""Controllable loads in Home Assistant: added as subentries, switched through helpers.

The loads' switches and current numbers are real `input_boolean` and `input_number`
helpers, as a user would test them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.ems.const import LOAD_SUBENTRY

from .conftest import set_house

DISHWASHER = "input_boolean.dishwasher"
WALLBOX = "input_boolean.wallbox"
CURRENT = "input_number.wallbox_current"
HEATER = "input_boolean.water_heater"


@pytest.fixture
async def helpers(hass: HomeAssistant) -> None:
    """Set up the switches and the wallbox's current as Home Assistant helpers."""
    assert await async_setup_component(
        hass,
        "input_boolean",
        {"input_boolean": {"dishwasher": {}, "wallbox": {}, "water_heater": {}}},
    )
    assert await async_setup_component(
        hass,
        "input_number",
        {"input_number": {"wallbox_current": {"min": 0, "max": 32, "step": 1}}},
    )


async def add_load(
    hass: HomeAssistant, entry: MockConfigEntry, kind: str, data: dict[str, Any]
) -> None:
    """Add a load through the subentry flow, as the UI does; EMS reloads."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, LOAD_SUBENTRY), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": kind}
    )
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], data
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def minutes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, count: int
) -> None:
    """Let `count` minutes pass, one at a time (the loads are decided every minute)."""
    for _ in range(count):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()


async def service(hass: HomeAssistant, domain: str, name: str, entity_id: str) -> None:
    """Call a service on one entity and let EMS react."""
    await hass.services.async_call(
        domain, name, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    await hass.async_block_till_done()


def state(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state."""
    found = hass.states.get(entity_id)
    assert found is not None, f"{entity_id} does not exist"
    return found.state


@pytest.mark.usefixtures("house", "helpers")
async def test_an_appliance_is_a_dry_run_until_its_control_is_on(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Mode on with Control off says what it would switch; Control on switches it."""
    await add_load(
        hass,
        init_integration,
        "appliance",
        {
            "name": "Dishwasher",
            "switch_entity": DISHWASHER,
            "power_kw": 2.0,
            "energy_kwh": 1.5,
            "earliest": "08:00:00",
            "latest": "18:00:00",
            "one_block": True,
            "min_run_minutes": 15,
            "priority": 1,
        },
    )
    assert state(hass, "switch.dishwasher_control") == "off"
    assert state(hass, "select.dishwasher_mode") == "auto"
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: "select.dishwasher_mode", "option": "on"},
        blocking=True,
    )
    await minutes(hass, freezer, 1)
    status = hass.states.get("sensor.dishwasher_status")
    assert status is not None
    assert status.attributes["would_switch"] == "on"
    assert state(hass, DISHWASHER) == "off", "a dry run switches nothing"

    await service(hass, "switch", SERVICE_TURN_ON, "switch.dishwasher_control")
    await minutes(hass, freezer, 1)
    assert state(hass, DISHWASHER) == "on"
    assert state(hass, "sensor.dishwasher_status") == "on"


@pytest.mark.usefixtures("house", "helpers")
async def test_a_switch_turned_off_by_hand_is_respected(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Turned off by hand while EMS keeps it on: left alone, and the status says so."""
    await add_load(
        hass,
        init_integration,
        "water_heater",
        {
            "name": "Water heater",
            "switch_entity": HEATER,
            "power_kw": 3.0,
            "value_per_kwh": 0.1,
            "max_energy_kwh": 10.0,
            "min_run_minutes": 30,
            "priority": 1,
        },
    )
    await service(hass, "switch", SERVICE_TURN_ON, "switch.water_heater_control")
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: "select.water_heater_mode", "option": "on"},
        blocking=True,
    )
    await minutes(hass, freezer, 1)
    assert state(hass, HEATER) == "on"
    await service(hass, "input_boolean", SERVICE_TURN_OFF, HEATER)
    await minutes(hass, freezer, 2)
    assert state(hass, HEATER) == "off", "EMS leaves a hand-switched load alone"
    status = hass.states.get("sensor.water_heater_status")
    assert status is not None
    assert status.attributes["reason"].startswith("switched by hand")


@pytest.mark.usefixtures("house", "helpers")
async def test_ev_charger_current_and_emergency_brake(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Mode on charges at the maximum current; a battery below the floor stops it."""
    await add_load(
        hass,
        init_integration,
        "ev_charger",
        {
            "name": "Wallbox",
            "switch_entity": WALLBOX,
            "current_entity": CURRENT,
            "phases": "3",
            "min_current_a": 6,
            "max_current_a": 16,
            "energy_kwh": 20.0,
            "latest": "07:00:00",
            "min_run_minutes": 15,
            "priority": 1,
        },
    )
    await service(hass, "switch", SERVICE_TURN_ON, "switch.wallbox_control")
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: "select.wallbox_mode", "option": "on"},
        blocking=True,
    )
    await minutes(hass, freezer, 1)
    assert state(hass, WALLBOX) == "on"
    assert float(state(hass, CURRENT)) == 16.0

    set_house(hass, soc="8")
    await minutes(hass, freezer, 1)
    assert state(hass, WALLBOX) == "off"
    status = hass.states.get("sensor.wallbox_status")
    assert status is not None
    assert status.attributes["reason"] == "emergency brake: battery at 8 %"


@pytest.mark.usefixtures("house", "helpers")
async def test_a_charger_with_a_bad_current_range_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A minimum current above the maximum is a translated form error."""
    result = await hass.config_entries.subentries.async_init(
        (init_integration.entry_id, LOAD_SUBENTRY), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "ev_charger"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            "name": "Wallbox",
            "switch_entity": WALLBOX,
            "current_entity": CURRENT,
            "phases": "1",
            "min_current_a": 20,
            "max_current_a": 16,
            "energy_kwh": 10.0,
            "latest": "07:00:00",
            "min_run_minutes": 15,
            "priority": 1,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"min_current_a": "min_current_above_max"}
