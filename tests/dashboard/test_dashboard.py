"""The dashboards: their entities exist and their templates show the plan correctly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
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

from custom_components.ems.planner import InverterMode
from tests.conftest import PRICE, set_house
from tests.inputs.shared_data import SE3_15MIN, read_series

REPO = Path(__file__).resolve().parents[2]
CORE = REPO / "dashboards" / "ems.yaml"
APEX = REPO / "dashboards" / "ems-apexcharts.yaml"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MODE_NAMES = {
    "self_use": "self use",
    "force_charge": "charge",
    "force_discharge": "discharge",
    "hold": "hold",
    "zero_export": "no export",
}
ENTITY_ID = re.compile(r"\b(?:sensor|select|switch|number)\.ems_[a-z0-9_]+\b")


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
    """Return the template of the core dashboard's markdown card that contains name."""
    (content,) = (
        card["content"]
        for card in cards(CORE)
        if card["type"] == "markdown" and name in card["content"]
    )
    return str(content)


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


def plan_table(text: str, label: str) -> list[list[str]]:
    """Return the rows (cells) of the table under **label** in a rendered plan."""
    section = text.split(f"**{label}**")[1].split("**Tomorrow**", maxsplit=1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| Hour |")
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[1:]]


def expected_table(
    slots: list[dict[str, Any]], day: str, zone: ZoneInfo
) -> list[list[str]]:
    """Hourly means of a day's slots, computed apart from the template."""
    hours: dict[tuple[str, int, timedelta | None], list[dict[str, Any]]] = {}
    for slot in slots:
        at = datetime.fromisoformat(slot["start"]).astimezone(zone)
        if at.date().isoformat() == day:
            hours.setdefault((day, at.hour, at.utcoffset()), []).append(slot)

    def mean(rows: list[dict[str, Any]], key: str) -> float:
        return float(sum(row[key] for row in rows)) / len(rows)

    table = []
    for rows in hours.values():
        modes = list(dict.fromkeys(MODE_NAMES[row["mode"]] for row in rows))
        first = datetime.fromisoformat(rows[0]["start"]).astimezone(zone)
        table.append(
            [
                first.strftime("%H:%M"),
                ", ".join(modes),
                f"{mean(rows, 'battery_kw'):+.1f}",
                f"{rows[-1]['soc_percent']:.0f}",
                f"{mean(rows, 'import_price'):.3f}",
                f"{mean(rows, 'export_price'):.3f}",
                f"{mean(rows, 'pv_kw'):.1f}",
                f"{mean(rows, 'load_kw'):.1f}",
            ]
        )
    return table


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
    assert len(plan.attributes["slots"]) == 192
    return dict(plan.attributes)


@pytest.mark.usefixtures("planned")
@pytest.mark.parametrize("path", [CORE, APEX])
async def test_every_entity_on_the_dashboard_exists(
    hass: HomeAssistant, path: Path
) -> None:
    """The cards and templates name only entities that an EMS entry creates."""
    text = path.read_text()
    named = set(ENTITY_ID.findall(text))
    assert {
        "sensor.ems_plan",
        "select.ems_operating_mode",
        "switch.ems_control",
    } <= named
    missing = sorted(
        entity_id
        for entity_id in named
        if (state := hass.states.get(entity_id)) is None or state.state == "unavailable"
    )
    assert missing == []


async def test_plan_table_shows_hourly_means_of_both_days(
    hass: HomeAssistant, planned: dict[str, Any]
) -> None:
    """The table holds the real plan's hours, today's and tomorrow's, with their means."""
    text = Template(markdown("'slots'"), hass).async_render(parse_result=False)
    slots = planned["slots"]
    today = plan_table(text, "Today")
    tomorrow = plan_table(text, "Tomorrow")
    assert len(today) == len(tomorrow) == 24
    assert today == expected_table(slots, "2025-10-01", STOCKHOLM)
    assert tomorrow == expected_table(slots, "2025-10-02", STOCKHOLM)
    assert today[0][0] == "00:00"


def synthetic_slots(start: datetime, count: int) -> list[dict[str, Any]]:
    """Return quarter-hour chart rows with varied values and every mode."""
    modes = [mode.value for mode in InverterMode]
    start = start.astimezone(UTC)  # step in real time, not on the wall clock
    return [
        {
            "start": (start + timedelta(minutes=15 * index)).isoformat(),
            "battery_kw": round((index % 7 - 3) * 0.9, 3),
            "soc_percent": float(10 + index % 90),
            "import_price": round(0.1 + (index % 13) * 0.011, 4),
            "export_price": round(0.05 + (index % 11) * 0.007, 4),
            "pv_kw": round(max(0.0, (index % 40 - 10) * 0.12), 3),
            "load_kw": round(0.3 + (index % 5) * 0.1, 3),
            "mode": modes[index // 3 % len(modes)],
        }
        for index in range(count)
    ]


async def test_plan_table_over_the_autumn_clock_change(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """The night the clocks go back has 25 rows, 02:00 twice, each hour kept apart."""
    await hass.config.async_set_time_zone("Europe/Amsterdam")
    freezer.move_to(datetime(2025, 10, 25, 22, 10, tzinfo=AMSTERDAM))
    slots = synthetic_slots(datetime(2025, 10, 25, 22, 0, tzinfo=AMSTERDAM), 192)
    hass.states.async_set("sensor.ems_plan", "hold", {"slots": slots})
    text = Template(markdown("'slots'"), hass).async_render(parse_result=False)
    today = plan_table(text, "Today")
    tomorrow = plan_table(text, "Tomorrow")
    assert [row[0] for row in today] == ["22:00", "23:00"]
    assert len(tomorrow) == 25
    assert [row[0] for row in tomorrow].count("02:00") == 2
    assert tomorrow == expected_table(slots, "2025-10-26", AMSTERDAM)


async def test_plan_table_without_tomorrows_prices(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Before the day-ahead prices are out, tomorrow says so instead of a table."""
    await hass.config.async_set_time_zone("Europe/Amsterdam")
    freezer.move_to(datetime(2025, 6, 2, 9, 5, tzinfo=AMSTERDAM))
    slots = synthetic_slots(datetime(2025, 6, 2, 9, 0, tzinfo=AMSTERDAM), 60)
    hass.states.async_set("sensor.ems_plan", "self_use", {"slots": slots})
    text = Template(markdown("'slots'"), hass).async_render(parse_result=False)
    assert len(plan_table(text, "Today")) == 15
    assert (
        "No plan yet: the prices for this day are not out."
        in text.split("**Tomorrow**")[1]
    )


async def test_reason_and_costs_cards(
    hass: HomeAssistant, planned: dict[str, Any]
) -> None:
    """The reason card quotes the plan and the dry run; the costs card the plan's money."""
    reason = Template(markdown("Inverter:"), hass).async_render(parse_result=False)
    assert f"**Plan:** {planned['reason']}" in reason
    action = hass.states.get("sensor.ems_control_action")
    assert action is not None
    if action.state == "unknown":
        assert "**Inverter:** no decision yet" in reason
    else:
        assert action.attributes["reason"] in reason
        assert "dry run: Control is off" in reason

    costs = Template(markdown("cost_idle_battery"), hass).async_render(
        parse_result=False
    )
    saving = hass.states.get("sensor.ems_expected_saving")
    assert saving is not None
    assert f"| | {saving.attributes['unit_of_measurement']} |" in costs
    for label, key in (
        ("with the plan", "cost"),
        ("battery idle", "cost_idle_battery"),
        ("self use only", "cost_self_use"),
    ):
        assert f"| {label} | {planned[key]:.2f} |" in costs


async def test_cards_before_any_plan(hass: HomeAssistant) -> None:
    """Without EMS's entities the cards say that there is no plan yet."""
    reason = Template(markdown("Inverter:"), hass).async_render(parse_result=False)
    assert "**Plan:** none yet (waiting for prices)" in reason
    assert "**Inverter:** no decision yet" in reason
    costs = Template(markdown("cost_idle_battery"), hass).async_render(
        parse_result=False
    )
    assert costs.strip() == "No plan yet."


def test_apexcharts_variant_differs_only_in_the_plan(planned: dict[str, Any]) -> None:
    """The apexcharts dashboard is the core one with its plan section drawn as charts."""
    core = load_yaml_dict(CORE)["views"][0]
    apex = load_yaml_dict(APEX)["views"][0]
    assert apex["sections"][:-1] == core["sections"][:-1]
    charts = [card for card in cards(APEX) if card["type"] == "custom:apexcharts-card"]
    generated = {
        key
        for chart in charts
        for series in chart["series"]
        for key in re.findall(r"slot\.(\w+)", series["data_generator"])
    }
    assert generated == set(planned["slots"][0]) - {"mode"}
    assert all(
        series["entity"] == "sensor.ems_plan"
        for chart in charts
        for series in chart["series"]
    )
