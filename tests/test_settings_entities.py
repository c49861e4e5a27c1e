"""The user's settings: operating mode, Control switch and SoC floors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)

from .conftest import register_settings_entities
from .planned_house import async_plan_house, dry_run_entry

MODE = "select.ems_operating_mode"
CONTROL = "switch.ems_control"
RESERVE = "number.ems_reserve_state_of_charge"
MINIMUM = "number.ems_minimum_state_of_charge"


def number_data(value: float) -> dict[str, float | str]:
    """Return what a number entity stores for restoring."""
    return {
        "native_value": value,
        "native_min_value": 0.0,
        "native_max_value": 100.0,
        "native_step": 1.0,
        "native_unit_of_measurement": "%",
    }


def state_of(hass: HomeAssistant, entity_id: str) -> State:
    """Return an entity's state object."""
    state = hass.states.get(entity_id)
    assert state is not None
    return state


async def test_defaults_of_a_new_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A new entry follows the plan, with control off, as a dry run."""
    assert state_of(hass, MODE).state == "auto"
    assert state_of(hass, MODE).attributes["options"] == [
        "auto",
        "self_use",
        "force_charge",
        "force_discharge",
        "hold",
        "zero_export",
    ]
    assert state_of(hass, CONTROL).state == "off"
    assert state_of(hass, RESERVE).state == "10.0"
    assert state_of(hass, MINIMUM).state == "10.0"
    settings = init_integration.runtime_data.settings
    assert settings.control_enabled is False


async def test_user_changes_reach_the_settings(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Changing the entities changes what EMS will act on."""
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: MODE, ATTR_OPTION: "force_charge"},
        blocking=True,
    )
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: CONTROL}, blocking=True
    )
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: RESERVE, ATTR_VALUE: 40},
        blocking=True,
    )
    settings = init_integration.runtime_data.settings
    assert settings.mode == "force_charge"
    assert settings.control_enabled is True
    assert settings.reserve_soc_percent == 40
    assert state_of(hass, MODE).state == "force_charge"
    assert state_of(hass, CONTROL).state == "on"
    assert state_of(hass, RESERVE).state == "40.0"

    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: CONTROL}, blocking=True
    )
    assert settings.control_enabled is False


async def test_a_new_reserve_is_planned_at_once(hass: HomeAssistant) -> None:
    """The plan takes a changed reserve when it is set, not at the next tick."""
    entry = dry_run_entry()
    await async_plan_house(hass, entry)
    coordinator = entry.runtime_data.coordinator
    before = coordinator.data.situation
    assert before is not None
    assert before.reserve_soc_percent is None
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: RESERVE, ATTR_VALUE: 40},
        blocking=True,
    )
    after = coordinator.data.situation
    assert after is not None
    assert after.reserve_soc_percent == 40
    plan = coordinator.data.plan
    assert plan is not None
    assert min(slot.soc_percent for slot in plan.slots[4:]) >= 40 - 1e-6


@pytest.mark.usefixtures("init_integration")
async def test_soc_floor_outside_battery_limits_is_refused(hass: HomeAssistant) -> None:
    """A floor below the battery's minimum SoC is a validation error."""
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: MINIMUM, ATTR_VALUE: 5},
            blocking=True,
        )
    assert state_of(hass, MINIMUM).state == "10.0"


async def test_settings_survive_a_restart(
    hass: HomeAssistant, house: None, mock_config_entry: MockConfigEntry
) -> None:
    """Mode, Control and the SoC floors come back as the user left them."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (State(MODE, "hold"), {"mode": "hold", "override": None}),
            (State(CONTROL, "on"), {}),
            (
                State(RESERVE, "35"),
                number_data(35.0),
            ),
            (
                State(MINIMUM, "3"),
                number_data(3.0),
            ),
        ],
    )
    mock_config_entry.add_to_hass(hass)
    register_settings_entities(hass, mock_config_entry)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    settings = mock_config_entry.runtime_data.settings
    assert state_of(hass, MODE).state == "hold"
    assert state_of(hass, CONTROL).state == "on"
    assert settings.control_enabled is True
    assert state_of(hass, RESERVE).state == "35.0"
    # 3 % is below the battery's configured 10 % minimum: the default stays.
    assert state_of(hass, MINIMUM).state == "10.0"


async def test_unknown_restored_mode_falls_back_to_auto(
    hass: HomeAssistant, house: None, mock_config_entry: MockConfigEntry
) -> None:
    """A restored state that is no longer a mode does not break the select."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (State(MODE, "turbo"), {"mode": "turbo"}),
            (State(CONTROL, "unavailable"), {}),
        ],
    )
    mock_config_entry.add_to_hass(hass)
    register_settings_entities(hass, mock_config_entry)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, MODE).state == "auto"
    assert state_of(hass, CONTROL).state == "off"


async def test_settings_come_back_from_the_store(
    hass: HomeAssistant,
    house: None,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """What was saved when the settings last changed is what a restart (or crash) gets."""
    hass_storage[f"ems.settings.{mock_config_entry.entry_id}"] = {
        "version": 1,
        "key": f"ems.settings.{mock_config_entry.entry_id}",
        "data": {
            "mode": "hold",
            "control_enabled": True,
            "reserve_soc_percent": 35.0,
            "min_soc_percent": 150.0,  # outside the battery's range: the default
            "override": {
                "mode": "force_charge",
                "until": (dt_util.utcnow() + timedelta(hours=1)).isoformat(),
                "power_kw": 2.0,
                "target_soc_percent": None,
            },
        },
    }
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, CONTROL).state == "on"
    assert state_of(hass, MODE).state == "force_charge", (
        "the override shows while it runs"
    )
    assert state_of(hass, RESERVE).state == "35.0"
    assert state_of(hass, MINIMUM).state == "10.0"
    settings = mock_config_entry.runtime_data.settings
    assert settings.mode.value == "hold"
