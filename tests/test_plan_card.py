"""The plan card's side of EMS: the card served, small attributes, ems.get_plan's past."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
import json
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL, UrlManager
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.json import JSONEncoder
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ems.const import DOMAIN
from custom_components.ems.core.accounting import PeriodKind, PeriodTotals
from custom_components.ems.frontend import async_register_card
from custom_components.ems.planner import InverterMode, PlanSlot

from .conftest import PRICE, set_house
from .test_plan import DAY_START, get_plan, nordpool_attributes

STEP = timedelta(minutes=5)


async def test_card_is_served_and_loaded_on_every_dashboard(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """The card's modules are served; the entry module, versioned, loads everywhere."""
    assert await async_setup_component(hass, "http", {})
    hass.config.components.add("frontend")
    hass.data[DATA_EXTRA_MODULE_URL] = UrlManager(lambda *_: None, [])
    await async_register_card(hass)
    (url,) = hass.data[DATA_EXTRA_MODULE_URL].urls
    assert re.fullmatch(r"/ems/frontend/ems-plan-card\.js\?v=0\.1\.0-[0-9a-f]{8}", url)
    client = await hass_client_no_auth()
    response = await client.get(url)
    assert response.status == 200
    card = await response.text()
    assert 'customElements.define("ems-plan-card", EmsPlanCard)' in card
    for module in re.findall(r"import\(`\./([a-z-]+\.js)\$\{VERSION\}`\)", card):
        answer = await client.get(f"/ems/frontend/{module}?v=1")
        assert answer.status == 200, module
        assert "export " in await answer.text()


async def test_without_a_frontend_nothing_is_registered(hass: HomeAssistant) -> None:
    """Tests and headless setups have no web server: the card is left out."""
    await async_register_card(hass)
    assert DATA_EXTRA_MODULE_URL not in hass.data


@pytest.fixture
async def two_days(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
) -> MockConfigEntry:
    """EMS in Stockholm at 00:02 on 2025-10-01 with SE3 prices for two days."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to(DAY_START + timedelta(minutes=2))
    set_house(hass, soc="50", battery_w="0", pv_w="0", grid_w="800")
    hass.states.async_set(PRICE, "556.68", nordpool_attributes(with_tomorrow=True))
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


async def live_until(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, until: datetime
) -> None:
    """Let the clocks run from 00:05 in 5-minute steps, the house unchanged."""
    at = DAY_START
    while at < until:
        at = min(at + STEP, until)
        freezer.move_to(at)
        async_fire_time_changed(hass, at)
        await hass.async_block_till_done()


async def test_every_attribute_set_stays_small(
    hass: HomeAssistant, two_days: MockConfigEntry
) -> None:
    """With a 48 h plan in quarter-hours no EMS entity carries more than 4 KB."""
    answer = await get_plan(hass)
    assert len(answer["plan"]["slots"]) == 192
    for _ in range(12):  # the control sensor shows the newest events
        await hass.services.async_call(
            DOMAIN,
            "override",
            {"mode": "force_charge", "power_kw": 2, "duration": "01:00:00"},
            blocking=True,
        )
        await hass.services.async_call(DOMAIN, "clear_override", {}, blocking=True)
    await hass.async_block_till_done()
    sizes = {
        entry.entity_id: len(
            json.dumps(dict(state.attributes), cls=JSONEncoder).encode()
        )
        for entry in er.async_entries_for_config_entry(
            er.async_get(hass), two_days.entry_id
        )
        if (state := hass.states.get(entry.entity_id)) is not None
    }
    assert len(sizes) > 30
    assert max(sizes.values()) < 4096, sorted(sizes.items(), key=lambda i: -i[1])[:3]
    plan = hass.states.get("sensor.ems_plan")
    assert plan is not None
    assert "slots" not in plan.attributes


async def test_get_plan_shows_the_past_planned_against_measured(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, two_days: MockConfigEntry
) -> None:
    """Each slot that ended: the plan when it began and what the books measured."""
    await live_until(hass, freezer, DAY_START + timedelta(hours=1, minutes=2))
    answer = await get_plan(hass)
    past = answer["past"]
    assert [row["start"][11:16] for row in past] == [
        "00:00",
        "00:15",
        "00:30",
        "00:45",
        "01:00",
    ]
    assert all(row["start"].endswith("+02:00") for row in past)
    # Set up at 00:02: the first slot was not seen from its start.
    assert past[0]["measured"] is None
    assert past[-1]["measured"] is None  # still running
    for row in past[1:4]:
        measured = row["measured"]
        planned = row["planned"]
        assert measured["grid_kw"] == pytest.approx(0.8, abs=1e-3)
        assert measured["load_kw"] == pytest.approx(0.8, abs=1e-3)
        assert measured["cost"] == pytest.approx(
            0.8 * 0.25 * planned["import_price"], abs=1e-3
        )
        assert measured["saving"] == pytest.approx(0.0, abs=1e-6)
        assert row["reason"]
        assert planned["cost"] == pytest.approx(
            planned["grid_kw"] * 0.25 * planned["import_price"], abs=1e-3
        )
    today = answer["today"]
    assert today["slots_compared"] == 3
    assert today["realised_so_far"] == pytest.approx(0.0, abs=1e-6)
    assert today["planned_so_far"] == pytest.approx(
        sum(row["planned"]["saving"] for row in past[1:4]), abs=1e-3
    )
    assert answer["days"][0]["start"] == "2025-10-01T00:00:00+02:00"
    assert answer["pv_forecast"] == "none"
    assert answer["entities"]["soc"] == "sensor.ems_state_of_charge"

    sensor = hass.states.get("sensor.ems_planned_saving_today")
    assert sensor is not None
    assert float(sensor.state) == pytest.approx(today["planned_saving"], abs=1e-3)
    assert sensor.attributes["slots_compared"] == 3
    assert sensor.attributes["unit_of_measurement"] == "EUR"

    # What was planned and measured survives a restart.
    assert await hass.config_entries.async_reload(two_days.entry_id)
    await hass.async_block_till_done()
    restored = await get_plan(hass)
    assert restored["past"][:4] == past[:4]


def _slot(start: datetime, pv_kw: float) -> PlanSlot:
    return PlanSlot(
        start=start,
        end=start + timedelta(minutes=15),
        battery_kw=0.0,
        grid_kw=0.0,
        soc_percent=50.0,
        mode=InverterMode.SELF_USE,
        reason="",
        import_price=0.3,
        export_price=0.1,
        pv_kw=pv_kw,
        load_kw=0.5,
    )


async def test_pv_forecast_error_of_yesterday(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, two_days: MockConfigEntry
) -> None:
    """Yesterday's day-ahead PV forecast against the PV the books measured."""
    freezer.move_to(DAY_START + timedelta(days=1, minutes=3))
    review = two_days.runtime_data.accounting.review
    noon = DAY_START + timedelta(hours=12)
    review.note_plan(
        [_slot(noon, 2.0), _slot(noon + timedelta(minutes=15), 1.0)],
        DAY_START - timedelta(hours=1),
    )
    day = PeriodTotals(
        kind=PeriodKind.DAY,
        start=DAY_START.astimezone(UTC),
        end=(DAY_START + timedelta(days=1)).astimezone(UTC),
        capacity_kwh=10.0,
    )
    for minutes, pv_kwh in ((0, 0.0), (15, 0.25), (30, 0.5)):
        at = noon + timedelta(minutes=minutes)
        covered = 12.0 + minutes / 60
        totals = replace(day, pv_kwh=pv_kwh, covered_hours=covered)
        review.note_books(totals, None, at, None)
    await two_days.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    error = hass.states.get("sensor.ems_pv_forecast_error")
    bias = hass.states.get("sensor.ems_pv_forecast_bias")
    assert error is not None
    assert bias is not None
    # Forecast 2 and 1 kW, measured 1 kW in both quarter-hours.
    assert float(error.state) == pytest.approx(0.5)
    assert float(bias.state) == pytest.approx(0.5)
    assert error.attributes["day"] == "2025-10-01"
    assert error.attributes["slots"] == 2


async def test_a_new_install_has_no_forecast_error_yet(
    hass: HomeAssistant, two_days: MockConfigEntry
) -> None:
    """Before a whole day was forecast and measured the PV sensors are unavailable."""
    for entity_id in ("sensor.ems_pv_forecast_error", "sensor.ems_pv_forecast_bias"):
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state == "unavailable"
    answer: dict[str, Any] = await get_plan(hass)
    assert answer["today"]["slots_compared"] == 0
