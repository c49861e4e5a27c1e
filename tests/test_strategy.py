"""The strategy select: each choice plans again at once, as it says, and is kept."""

from __future__ import annotations

from typing import Any

from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .test_plan import get_plan, stockholm_house  # noqa: F401 (a fixture)

STRATEGY = "select.ems_strategy"
_KW = 1e-3


async def choose(hass: HomeAssistant, option: str) -> list[dict[str, Any]]:
    """Select a strategy; return the plan's slots planned for it."""
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: STRATEGY, ATTR_OPTION: option},
        blocking=True,
    )
    state = hass.states.get(STRATEGY)
    assert state is not None
    assert state.state == option
    slots: list[dict[str, Any]] = (await get_plan(hass))["plan"]["slots"]
    return slots


def highest_import(slots: list[dict[str, Any]]) -> float:
    """Return the plan's highest grid import (kW)."""
    return max(max(slot["grid_kw"], 0.0) for slot in slots)


def variation(slots: list[dict[str, Any]]) -> float:
    """Return the plan's grid variation: the sum of |grid_t - grid_t-1| (kW)."""
    return sum(
        abs(after["grid_kw"] - before["grid_kw"])
        for before, after in zip(slots, slots[1:], strict=False)
    )


@pytest.mark.usefixtures("stockholm_house")
async def test_each_strategy_changes_the_plan_as_it_says(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A day of SE3 prices, no PV: least cost charges from the grid at night.

    Self-consumption never does (there is no PV surplus), peak shaving lowers the
    highest import, smoothing the grid's variation; the plan's reason names each.
    """
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(STRATEGY)
    assert state is not None
    assert state.state == "cost"
    assert state.attributes["options"] == [
        "cost",
        "self_consumption",
        "peak_shaving",
        "smoothing",
    ]
    cost = (await get_plan(hass))["plan"]["slots"]
    assert any(slot["battery_kw"] > slot["pv_kw"] - slot["load_kw"] for slot in cost)

    own = await choose(hass, "self_consumption")
    assert all(
        slot["battery_kw"] <= max(slot["pv_kw"] - slot["load_kw"], 0.0) + _KW
        and -slot["battery_kw"] <= max(slot["load_kw"] - slot["pv_kw"], 0.0) + _KW
        for slot in own
    )
    plan = hass.states.get("sensor.ems_plan")
    assert plan is not None
    assert plan.attributes["method_reason"].startswith("self-consumption")
    assert plan.attributes["reason"].startswith("self-consumption")

    peak = await choose(hass, "peak_shaving")
    assert highest_import(peak) < highest_import(cost) - 1.0
    plan = hass.states.get("sensor.ems_plan")
    assert plan is not None
    assert plan.attributes["method_reason"].startswith("peak shaving")

    smooth = await choose(hass, "smoothing")
    assert variation(smooth) < variation(cost) - 1.0
    assert variation(smooth) <= variation(peak) + _KW

    back = await choose(hass, "cost")
    assert highest_import(back) > highest_import(peak) + 1.0
    plan = hass.states.get("sensor.ems_plan")
    assert plan is not None
    assert plan.attributes["method_reason"].startswith("exact MILP")


@pytest.mark.usefixtures("stockholm_house")
async def test_the_strategy_is_kept_across_a_restart(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The choice is saved with the other settings and planned with after a reload."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    await choose(hass, "peak_shaving")
    await hass.async_block_till_done()

    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(STRATEGY)
    assert state is not None
    assert state.state == "peak_shaving"
    answer = await get_plan(hass)
    assert answer["plan"]["method_reason"].startswith("peak shaving")
