"""The EMS actions, as a user calls them from automations and the developer tools."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from custom_components.ems import logbook
from custom_components.ems.const import DOMAIN

from .conftest import PRICE, register_settings_entities
from .test_plan import DAY_START, nordpool_attributes

MODE = "select.ems_operating_mode"


def mode(hass: HomeAssistant) -> str:
    """Return the operating mode select's state."""
    state = hass.states.get(MODE)
    assert state is not None
    return state.state


async def call(
    hass: HomeAssistant, service: str, data: dict[str, Any], *, response: bool = False
) -> Any:
    """Call an EMS action and wait for it."""
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=response
    )


@pytest.mark.usefixtures("init_integration")
async def test_override_runs_then_the_plan_resumes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """An override shows in the mode select and ends by itself."""
    result = await call(
        hass,
        "override",
        {"mode": "force_charge", "power_kw": 3.0, "duration": {"hours": 2}},
        response=True,
    )
    assert result["settings"]["override"]["power_kw"] == 3.0
    assert mode(hass) == "force_charge"
    freezer.tick(timedelta(hours=2, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert mode(hass) == "auto"


async def test_override_until_and_clear(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """An override with an end time can be cleared early for the named entry."""
    until = (dt_util.now() + timedelta(hours=1)).isoformat()
    await call(
        hass,
        "override",
        {"config_entry_id": init_integration.entry_id, "mode": "hold", "until": until},
    )
    assert mode(hass) == "hold"
    await call(hass, "clear_override", {"config_entry_id": init_integration.entry_id})
    assert mode(hass) == "auto"
    assert init_integration.runtime_data.settings.override is None


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("data", "key"),
    [
        (
            {"mode": "force_charge", "power_kw": 7.5, "duration": {"hours": 1}},
            "power_out_of_range",
        ),
        (
            {"mode": "force_discharge", "power_kw": -1, "duration": {"hours": 1}},
            "power_out_of_range",
        ),
        (
            {"mode": "force_charge", "target_soc": 120, "duration": {"hours": 1}},
            "soc_out_of_range",
        ),
        ({"mode": "hold", "until": "2000-01-01T00:00:00+00:00"}, "until_in_past"),
        ({"mode": "hold"}, "end_required"),
        (
            {"mode": "hold", "duration": {"hours": 1}, "config_entry_id": "nope"},
            "entry_not_found",
        ),
    ],
)
async def test_bad_override_is_refused(
    hass: HomeAssistant, data: dict[str, Any], key: str
) -> None:
    """Bad values raise a translated validation error and change nothing."""
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, "override", data)
    assert raised.value.translation_key == key
    assert mode(hass) == "auto"


async def test_entry_must_be_named_with_two_entries(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """With two battery systems, the call must say which one."""
    second = MockConfigEntry(
        domain=DOMAIN,
        unique_id="second",
        data=dict(init_integration.data),
        options=dict(init_integration.options),
    )
    second.add_to_hass(hass)
    assert await hass.config_entries.async_setup(second.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, "clear_override", {})
    assert raised.value.translation_key == "entry_required"


async def test_entry_not_loaded(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """An unloaded entry cannot be steered."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, "replan", {"config_entry_id": init_integration.entry_id})
    assert raised.value.translation_key == "entry_not_loaded"


@pytest.mark.usefixtures("init_integration")
async def test_replan_returns_the_plan(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """ems.replan returns the plan in the planner's JSON shape, or says why not."""
    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, "replan", {}, response=True)
    assert raised.value.translation_key == "no_plan"

    freezer.move_to(DAY_START + timedelta(hours=5))
    hass.states.async_set(PRICE, "556.68", nordpool_attributes(with_tomorrow=True))
    result = await call(hass, "replan", {}, response=True)
    assert result["status"] == "optimal"
    # From 05:00 to the end of tomorrow: 19 + 24 hours of quarter-hours.
    assert len(result["slots"]) == 43 * 4
    assert set(result["slots"][0]) >= {
        "start",
        "battery_kw",
        "grid_kw",
        "soc_percent",
        "mode",
        "reason",
    }


async def test_override_survives_a_restart(
    hass: HomeAssistant, house: None, mock_config_entry: MockConfigEntry
) -> None:
    """A restart in the middle of a forced charge keeps it until its end, not longer."""
    until = dt_util.utcnow() + timedelta(minutes=30)
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(MODE, "force_charge"),
                {
                    "mode": "auto",
                    "override": {
                        "mode": "force_charge",
                        "until": until.isoformat(),
                        "power_kw": 2.0,
                        "target_soc_percent": None,
                    },
                },
            )
        ],
    )
    mock_config_entry.add_to_hass(hass)
    register_settings_entities(hass, mock_config_entry)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mode(hass) == "force_charge"
    async_fire_time_changed(hass, until + timedelta(seconds=1))
    await hass.async_block_till_done()
    assert mode(hass) == "auto"


async def test_ended_override_is_not_restored(
    hass: HomeAssistant, house: None, mock_config_entry: MockConfigEntry
) -> None:
    """An override whose end passed while Home Assistant was down does not come back."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(MODE, "force_discharge"),
                {
                    "mode": "auto",
                    "override": {
                        "mode": "force_discharge",
                        "until": (dt_util.utcnow() - timedelta(minutes=1)).isoformat(),
                    },
                },
            )
        ],
    )
    mock_config_entry.add_to_hass(hass)
    register_settings_entities(hass, mock_config_entry)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mode(hass) == "auto"


@pytest.mark.usefixtures("init_integration")
async def test_explain_every_slot_of_an_optimal_plan(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Every slot has an alternative with its cost, or says why there is none.

    The alternative runs one slot differently and plans the rest again, so it keeps
    every limit and an optimal plan is never beaten; times are local.
    """
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to(DAY_START + timedelta(hours=5))
    hass.states.async_set(PRICE, "556.68", nordpool_attributes(with_tomorrow=True))
    await call(hass, "replan", {}, response=True)
    plan = (await call(hass, "get_plan", {}, response=True))["plan"]
    modes, costed = set(), 0
    for slot in plan["slots"]:
        answer = await call(hass, "explain", {"at": slot["start"]}, response=True)
        assert answer["slot"]["start"] == slot["start"]
        assert answer["slot"]["start"].endswith("+02:00")
        assert answer["slot"]["reason"] == slot["reason"]
        alternative = answer["alternative"]
        assert alternative["plan_breaks_limits"] == []
        if alternative["none_because"] is None:
            costed += 1
            assert alternative["alternative_cost"] is not None
            assert alternative["extra_cost"] >= -1e-3, answer
            assert alternative["breaks_limits"] == [], answer
        else:
            assert alternative["alternative_cost"] is None
        modes.add(answer["slot"]["mode"])
    assert costed == len(plan["slots"])
    assert "force_charge" in modes or "force_discharge" in modes
    assert answer["losses"]["round_trip_efficiency"] == pytest.approx(0.9025)
    assert answer["prices"]["cheapest_import_at"].endswith(("+02:00", "+01:00"))


@pytest.mark.usefixtures("init_integration")
async def test_explain_outside_the_plan(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A moment the plan does not cover is a validation error naming the plan's span."""
    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, "explain", {}, response=True)
    assert raised.value.translation_key == "no_plan"
    freezer.move_to(DAY_START + timedelta(hours=5))
    hass.states.async_set(PRICE, "556.68", nordpool_attributes(with_tomorrow=False))
    await call(hass, "replan", {}, response=True)
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, "explain", {"at": "2030-01-01T00:00:00+00:00"}, response=True)
    assert raised.value.translation_key == "outside_plan"
    # Every time in the message is local (the test zone is US/Pacific).
    placeholders = raised.value.translation_placeholders or {}
    assert placeholders["at"] == "2029-12-31 16:00:00-08:00"
    assert placeholders["start"].endswith("-07:00")
    assert placeholders["end"].endswith("-07:00")


@pytest.mark.usefixtures("init_integration")
async def test_an_override_that_ended_names_its_end_in_local_time(
    hass: HomeAssistant,
) -> None:
    """The refusal of an end in the past shows that end as the user wrote it, local."""
    with pytest.raises(ServiceValidationError) as raised:
        await call(
            hass,
            "override",
            {"mode": "hold", "until": "2020-01-01T12:00:00+00:00"},
        )
    assert raised.value.translation_key == "until_in_past"
    assert raised.value.translation_placeholders == {
        "until": "2020-01-01 04:00:00-08:00"
    }


async def test_overrides_and_mode_changes_reach_the_logbook(
    hass: HomeAssistant, house: None, mock_config_entry: MockConfigEntry
) -> None:
    """Overrides, their end and mode changes are logbook entries, in the user's language.

    The describer is the one the logbook integration takes from EMS's logbook platform.
    """
    describers: dict[str, Callable[[Event], dict[str, Any]]] = {}
    logbook.async_describe_events(
        hass,
        lambda domain, event_type, describe: describers.update({event_type: describe}),
    )
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    events: list[Event] = []
    hass.bus.async_listen("ems_event", events.append)
    await call(hass, "override", {"mode": "hold", "duration": {"minutes": 30}})
    await hass.async_block_till_done()
    await call(hass, "clear_override", {})
    await hass.async_block_till_done()

    describe = describers["ems_event"]
    entries = [describe(event) for event in events]
    messages = [entry["message"] for entry in entries]
    override = next(m for m in messages if m.startswith("Override Hold until"))
    assert "Override cleared; the plan resumes" in messages
    switched = next(m for m in messages if m.startswith("Would switch to Hold"))
    # Both name the end in local time (the test's zone is US/Pacific).
    assert switched.endswith(f"until {override[-5:]}")
    assert all(entry["entity_id"] == "sensor.ems_control_action" for entry in entries)
    action = hass.states.get("sensor.ems_control_action")
    assert action is not None
    newest = [event["message"] for event in action.attributes["events"]]
    assert newest[:2] == [
        "Would switch to self use (Control is off): self-use: no plan",
        "Override cleared; the plan resumes",
    ]

    await hass.config.async_update(language="de")
    await async_get_translations(hass, "de", "exceptions", {DOMAIN})
    await async_get_translations(hass, "de", "entity", {DOMAIN})
    german = [describe(event)["message"] for event in events]
    assert "Übersteuerung beendet; der Plan gilt wieder" in german
    assert any(m.startswith("Übersteuerung Halten bis") for m in german), german
