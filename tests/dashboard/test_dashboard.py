"""The dashboard: its entities exist, it uses the plan card, its templates read well."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
import re
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.template import Template
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.conftest import PRICE, set_house
from tests.inputs.shared_data import SE3_15MIN, read_series

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = REPO / "dashboards" / "ems.yaml"
CARD = REPO / "custom_components" / "ems" / "frontend" / "ems-plan-card.js"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
ENTITY_ID = re.compile(r"\b(?:sensor|select|switch|number)\.ems_[a-z0-9_]+\b")
# Unavailable until EMS has seen a whole day: the dashboard says "not yet".
LATER = {
    "sensor.ems_pv_forecast_error",
    "sensor.ems_pv_forecast_bias",
    "sensor.ems_load_forecast_error",
    "sensor.ems_load_forecast_bias",
}


def cards(path: Path) -> Iterator[dict[str, Any]]:
    """Yield every card of a dashboard file, nested ones too."""
    config = load_yaml_dict(path)
    pending = [
        card
        for view in config["views"]
        for section in view.get("sections", [])
        for card in section["cards"]
    ]
    while pending:
        card = pending.pop()
        yield card
        pending.extend(card.get("cards", []))


def markdown(name: str) -> str:
    """Return the template of the dashboard's markdown card that contains name."""
    (content,) = (
        card["content"]
        for card in cards(DASHBOARD)
        if card["type"] == "markdown" and name in card["content"]
    )
    return str(content)


def render(hass: HomeAssistant, name: str) -> str:
    """Render the markdown card that contains name."""
    return str(Template(markdown(name), hass).async_render(parse_result=False))


def se3_prices() -> dict[str, Any]:
    """Return the HACS Nord Pool attributes of SE3 on 2025-10-01 and (again) the 2nd."""
    today: list[dict[str, Any]] = [
        {"start": start, "end": start + timedelta(minutes=15), "value": value}
        for start, value in read_series(SE3_15MIN)
    ]
    day = timedelta(days=1)
    return {
        "unit": "MWh",
        "currency": "SEK",
        "price_in_cents": False,
        "raw_today": today,
        "raw_tomorrow": [
            {**row, "start": row["start"] + day, "end": row["end"] + day}
            for row in today
        ],
        "tomorrow_valid": True,
        "unit_of_measurement": "SEK/MWh",
    }


@pytest.fixture
async def planned(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
) -> dict[str, Any]:
    """Run EMS in Stockholm at 00:02 on 2025-10-01 with two days of SE3 prices."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to(datetime(2025, 10, 1, 0, 2, tzinfo=STOCKHOLM))
    set_house(hass, soc="50", battery_w="0", pv_w="0", grid_w="800")
    hass.states.async_set(PRICE, "556.68", se3_prices())
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    plan = hass.states.get("sensor.ems_plan")
    assert plan is not None
    return dict(plan.attributes)


@pytest.mark.usefixtures("planned")
async def test_every_entity_on_the_dashboard_exists(hass: HomeAssistant) -> None:
    """The cards and templates name only entities that an EMS entry creates."""
    named = set(ENTITY_ID.findall(DASHBOARD.read_text()))
    assert {
        "sensor.ems_plan",
        "select.ems_operating_mode",
        "switch.ems_control",
        "sensor.ems_planned_saving_today",
    } | LATER <= named
    missing = sorted(
        entity_id
        for entity_id in named
        if (state := hass.states.get(entity_id)) is None
        or (state.state == "unavailable" and entity_id not in LATER)
    )
    assert missing == []


def test_the_dashboard_shows_the_plan_card() -> None:
    """The plan is drawn by the card shipped with EMS; no table, no HACS card."""
    types = [card["type"] for card in cards(DASHBOARD)]
    assert types.count("custom:ems-plan-card") == 1
    assert not [kind for kind in types if kind.startswith("custom:apexcharts")]
    assert not (REPO / "dashboards" / "ems-apexcharts.yaml").exists()
    assert 'customElements.define("ems-plan-card", EmsPlanCard)' in CARD.read_text()
    (card,) = (card for card in cards(DASHBOARD) if card["type"].startswith("custom:"))
    # Only what the card's editor offers.
    assert set(card) <= {"type", "config_entry_id", "title", "grid_options"}


async def test_reason_card_names_the_layer_once(hass: HomeAssistant) -> None:
    """The control reason starts with its layer; the card does not repeat it."""
    hass.states.async_set("sensor.ems_plan", "force_charge", {"reason": "cheap hour"})
    hass.states.async_set(
        "sensor.ems_control_action",
        "force_charge",
        {
            "reason": "override: force charge 3 kW until 10:00",
            "layer": "override",
            "dry_run": True,
        },
    )
    text = render(hass, "Inverter:")
    assert "**Plan:** cheap hour" in text
    assert (
        "**Inverter:** override: force charge 3 kW until 10:00 (dry run: Control is off)"
        in text
    )
    assert text.count("override") == 1


async def test_reason_and_costs_cards(
    hass: HomeAssistant, planned: dict[str, Any]
) -> None:
    """The reason card quotes the plan; the costs card the plan's money."""
    reason = render(hass, "Inverter:")
    assert f"**Plan:** {planned['reason']}" in reason
    costs = render(hass, "cost_idle_battery")
    saving = hass.states.get("sensor.ems_expected_saving")
    assert saving is not None
    assert f"| | {saving.attributes['unit_of_measurement']} |" in costs
    for label, key in (
        ("with the plan", "cost"),
        ("battery idle", "cost_idle_battery"),
        ("self use only", "cost_self_use"),
    ):
        assert f"| {label} | {planned[key]:.2f} |" in costs


async def test_no_negative_zero(hass: HomeAssistant) -> None:
    """A cost that rounds to zero shows as 0.00, not -0.00."""
    hass.states.async_set(
        "sensor.ems_plan",
        "self_use",
        {"cost": -0.001, "cost_idle_battery": -0.004, "cost_self_use": 1.5},
    )
    costs = render(hass, "cost_idle_battery")
    assert "-0.00" not in costs
    assert "| with the plan | 0.00 |" in costs
    hass.states.async_set("sensor.ems_pv_forecast_bias", "-0.0004")
    assert "| PV | not yet | +0.00 kW |" in render(hass, "Yesterday's forecast")


async def test_cards_before_any_plan(hass: HomeAssistant) -> None:
    """Without EMS's entities the cards say that there is nothing yet."""
    reason = render(hass, "Inverter:")
    assert "**Plan:** none yet (waiting for prices)" in reason
    assert "**Inverter:** no decision yet" in reason
    assert render(hass, "cost_idle_battery").strip() == "No plan yet."
    review = render(hass, "Yesterday's forecast")
    assert "No slot of today has ended under EMS yet." in review
    assert "| Load | not yet | not yet |" in review


async def test_planned_against_actual_card(hass: HomeAssistant) -> None:
    """The review card compares today's saving and shows yesterday's forecast errors."""
    hass.states.async_set(
        "sensor.ems_planned_saving_today",
        "1.2",
        {"slots_compared": 40, "planned_so_far": 0.5, "realised_so_far": 0.456},
    )
    hass.states.async_set(
        "sensor.ems_expected_saving", "2", {"unit_of_measurement": "EUR"}
    )
    hass.states.async_set("sensor.ems_load_forecast_error", "0.2345")
    hass.states.async_set("sensor.ems_load_forecast_bias", "-0.1")
    text = render(hass, "Yesterday's forecast")
    assert "Today's 40 slots that ended" in text
    assert "planned 0.50," in text
    assert "realised 0.46" in text
    assert "| Load | 0.23 kW | -0.10 kW |" in text
