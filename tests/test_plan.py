"""Planning inside Home Assistant: the plan sensor from real Nord Pool prices."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.ems.const import DOMAIN

from .conftest import PRICE, set_house
from .inputs.shared_data import SE3_15MIN, read_series

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DAY_START = datetime(2025, 10, 1, tzinfo=STOCKHOLM)


def nordpool_attributes(*, with_tomorrow: bool) -> dict[str, Any]:
    """Return the HACS Nord Pool sensor's attributes for SE3 on 2025-10-01 (SEK/MWh)."""
    rows = [
        {"start": start, "end": start + timedelta(minutes=15), "value": value}
        for start, value in read_series(SE3_15MIN)
    ]
    tomorrow = [
        {
            **row,
            "start": row["start"] + timedelta(days=1),
            "end": row["end"] + timedelta(days=1),
        }
        for row in rows
    ]
    return {
        "unit": "MWh",
        "currency": "SEK",
        "price_in_cents": False,
        "raw_today": rows,
        "raw_tomorrow": tomorrow if with_tomorrow else [],
        "tomorrow_valid": with_tomorrow,
        "unit_of_measurement": "SEK/MWh",
    }


@pytest.fixture
async def stockholm_house(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Put the house in Stockholm at 00:02 on 2025-10-01 with today's SE3 prices."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to(DAY_START + timedelta(minutes=2))
    set_house(hass, soc="50", battery_w="0", pv_w="0", grid_w="800")
    hass.states.async_set(PRICE, "556.68", nordpool_attributes(with_tomorrow=False))


async def get_plan(hass: HomeAssistant) -> dict[str, Any]:
    """Return the answer of ems.get_plan."""
    answer: dict[str, Any] = await hass.services.async_call(
        DOMAIN, "get_plan", {}, blocking=True, return_response=True
    )
    return answer


def independent_cost(
    rows: list[dict[str, Any]], *, wear: float, end_value: float
) -> float:
    """Recompute a plan's cost from its chart rows alone (FORMAT.md's definition)."""
    cost = 0.0
    for row in rows:
        grid = row["load_kw"] - row["pv_kw"] + row["battery_kw"]
        price = row["import_price"] if grid > 0 else row["export_price"]
        cost += price * grid * 0.25 + wear * max(-row["battery_kw"], 0.0) * 0.25
    return cost - end_value


@pytest.mark.usefixtures("stockholm_house")
async def test_plan_follows_real_prices(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A day of SE3 quarter-hours gives a 96-slot plan whose cost adds up."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    plan = hass.states.get("sensor.ems_plan")
    assert plan is not None
    assert plan.state in {
        "self_use",
        "force_charge",
        "force_discharge",
        "hold",
        "zero_export",
    }
    rows = (await get_plan(hass))["plan"]["slots"]
    assert len(rows) == 96
    assert rows[0]["start"] == "2025-10-01T00:00:00+02:00"
    assert plan.attributes["method"] == "milp"
    assert plan.attributes["status"] == "optimal"
    assert plan.attributes["reason"]
    # Prices arrive per MWh and are planned per kWh.
    assert rows[0]["import_price"] == pytest.approx(0.55668, abs=1e-4)
    assert all(10.0 - 1e-6 <= row["soc_percent"] <= 100.0 + 1e-6 for row in rows)
    assert all(-5.0 - 1e-6 <= row["battery_kw"] <= 5.0 + 1e-6 for row in rows)

    last_soc = rows[-1]["soc_percent"]
    cheapest = min(row["import_price"] for row in rows)
    end_value = cheapest * 0.95 * 10.0 * last_soc / 100.0
    assert plan.attributes["cost"] == pytest.approx(
        independent_cost(rows, wear=0.02, end_value=end_value), abs=0.01
    )
    saving = hass.states.get("sensor.ems_expected_saving")
    assert saving is not None
    assert saving.attributes["unit_of_measurement"] == "EUR"
    assert float(saving.state) == pytest.approx(
        plan.attributes["cost_idle_battery"] - plan.attributes["cost"], abs=1e-3
    )
    assert float(saving.state) > 0


@pytest.mark.usefixtures("stockholm_house")
async def test_tomorrows_prices_extend_the_plan(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """When tomorrow's prices are published, EMS plans again over both days."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    hass.states.async_set(PRICE, "556.68", nordpool_attributes(with_tomorrow=True))
    freezer.tick(timedelta(seconds=11))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert len((await get_plan(hass))["plan"]["slots"]) == 192


@pytest.mark.usefixtures("stockholm_house")
async def test_plan_moves_with_the_slot_clock(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every tick plans again from the current slot: the past drops off."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=15))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    rows = (await get_plan(hass))["plan"]["slots"]
    assert rows[0]["start"] == "2025-10-01T00:15:00+02:00"
    assert len(rows) == 95


@pytest.mark.usefixtures("house")
async def test_no_price_list_means_no_plan(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A price sensor without a list of prices gives no plan, and says why."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    plan = hass.states.get("sensor.ems_plan")
    assert plan is not None
    assert plan.state == "unavailable"
    saving = hass.states.get("sensor.ems_expected_saving")
    assert saving is not None
    assert saving.state == "unavailable"


@pytest.mark.usefixtures("stockholm_house")
async def test_planner_fallback_is_visible(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A failing MILP solver: one warning, the plan's status and sensor.ems_inputs say so."""
    from custom_components.ems import planner
    from custom_components.ems.planner.milp import SolverFailed

    def failing_highs(*_args: Any, **_kwargs: Any) -> Any:
        raise SolverFailed("time limit reached")

    monkeypatch.setattr(planner, "solve_highs", failing_highs)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    plan = hass.states.get("sensor.ems_plan")
    assert plan is not None
    assert (plan.attributes["method"], plan.attributes["status"]) == ("dp", "fallback")
    inputs = hass.states.get("sensor.ems_inputs")
    assert inputs is not None
    assert inputs.state == "degraded"
    assert (
        "MILP failed (time limit reached)" in inputs.attributes["problems"]["planner"]
    )
    assert caplog.text.count("EMS planned with dp instead of milp") == 1

    monkeypatch.undo()
    freezer.tick(timedelta(minutes=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    inputs = hass.states.get("sensor.ems_inputs")
    assert inputs is not None
    assert inputs.state == "ok"
    assert caplog.text.count("EMS plans with milp again") == 1
