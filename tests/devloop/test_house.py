"""The simulated house of config/ running in a real Home Assistant.

The house's packages (config/house/*.yaml) and template macros
(config/custom_templates/house.jinja) are loaded as scripts/develop loads them; time is
moved minute by minute with the freezer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers import template
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

CONFIG_DIR = Path(__file__).parents[2] / "config"
TIME_ZONE = ZoneInfo("Europe/Amsterdam")
CAPACITY_KWH = 10.0
EFFICIENCY = 0.95


@pytest.fixture
def expected_lingering_timers() -> bool:
    """Template sensors that use now() keep a per-minute timer until Home Assistant stops."""
    return True


def house_config() -> dict[str, Any]:
    """Merge the house's packages the way Home Assistant merges packages."""
    merged: dict[str, Any] = {}
    for package in sorted((CONFIG_DIR / "house").glob("*.yaml")):
        for domain, value in load_yaml_dict(package).items():
            if isinstance(value, list):
                merged.setdefault(domain, []).extend(value)
            else:
                merged.setdefault(domain, {}).update(value)
    return merged


async def start_house(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, local: datetime
) -> None:
    """Start Home Assistant with the house at the local time `local` (Europe/Amsterdam)."""
    hass.set_state(CoreState.not_running)
    await hass.config.async_set_time_zone("Europe/Amsterdam")
    freezer.move_to(local.replace(tzinfo=TIME_ZONE))
    hass.config.config_dir = str(CONFIG_DIR)
    await template.async_load_custom_templates(hass)
    config = house_config()
    for domain in ("input_number", "input_select", "template", "automation"):
        assert await async_setup_component(hass, domain, {domain: config[domain]})
    await hass.async_start()
    await settle(hass)


async def settle(hass: HomeAssistant) -> None:
    """Wait until the chain input -> battery -> grid sensor has run to its end."""
    before = None
    for _ in range(5):
        await hass.async_block_till_done()
        now = [(state.entity_id, state.state) for state in hass.states.async_all()]
        if now == before:
            return
        before = now
    pytest.fail("the house did not settle")


async def next_minute(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, minutes: int = 1
) -> None:
    """Let time pass to the next (or a later) minute: sensors refresh, the battery runs."""
    freezer.tick(timedelta(minutes=minutes))
    async_fire_time_changed(hass)
    await settle(hass)


async def set_value(hass: HomeAssistant, entity_id: str, value: float | str) -> None:
    """Set an input helper as a user or an EMS would."""
    if entity_id.startswith("input_select."):
        domain, service, data = "input_select", "select_option", {"option": value}
    else:
        domain, service, data = "input_number", "set_value", {"value": value}
    await hass.services.async_call(
        domain, service, {"entity_id": entity_id, **data}, blocking=True
    )
    await settle(hass)


def number(hass: HomeAssistant, entity_id: str) -> float:
    """Return a numeric state."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return float(state.state)


def power(hass: HomeAssistant) -> dict[str, float]:
    """Return the house's powers in W."""
    return {
        name: number(hass, f"sensor.house_{name}_power")
        for name in ("pv", "load", "battery", "grid")
    }


@pytest.mark.parametrize(
    ("entity_id", "device_class", "unit"),
    [
        ("sensor.house_battery_soc", "battery", "%"),
        ("sensor.house_battery_power", "power", "W"),
        ("sensor.house_pv_power", "power", "W"),
        ("sensor.house_load_power", "power", "W"),
        ("sensor.house_grid_power", "power", "W"),
        ("sensor.house_price", None, "EUR/kWh"),
    ],
)
async def test_sensors_offer_themselves_to_selectors(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity_id: str,
    device_class: str | None,
    unit: str,
) -> None:
    """Each house sensor has the class and unit the EMS config flow filters on."""
    await start_house(hass, freezer, datetime(2026, 6, 15, 12, 0))
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes.get("device_class") == device_class
    assert state.attributes["unit_of_measurement"] == unit
    assert state.attributes["state_class"] == "measurement"
    float(state.state)


async def test_first_start_half_full(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A fresh house starts with the battery at 50 %, not at the helper's minimum."""
    await start_house(hass, freezer, datetime(2026, 6, 15, 3, 0))
    assert number(hass, "sensor.house_battery_soc") == 50.0


async def test_pv_and_load_follow_the_day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """No PV at night, a bell over the day; the load peaks in the evening."""
    await start_house(hass, freezer, datetime(2026, 6, 15, 0, 0))
    pv_by_hour: list[float] = []
    load_by_hour: list[float] = []
    for _ in range(24):
        pv_by_hour.append(number(hass, "sensor.house_pv_power"))
        load_by_hour.append(number(hass, "sensor.house_load_power"))
        await next_minute(hass, freezer, minutes=60)
    assert pv_by_hour[:6] == [0.0] * 6
    assert pv_by_hour[20:] == [0.0] * 4
    assert max(pv_by_hour) == max(pv_by_hour[11:16]) > 1500
    assert all(load > 0 for load in load_by_hour)
    assert max(load_by_hour) == max(load_by_hour[17:21])
    assert load_by_hour[7] > 2 * load_by_hour[3]


async def test_self_use_balances_the_grid_and_fills_the_battery(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """PV surplus goes into the battery (95 % efficient) until it is full, then out."""
    await start_house(hass, freezer, datetime(2026, 6, 15, 12, 0))
    await set_value(hass, "input_number.house_sim_soc", 98.0)
    watts = power(hass)
    assert watts["battery"] == min(watts["pv"] - watts["load"], 5000) > 0
    assert watts["grid"] == watts["load"] - watts["pv"] + watts["battery"]

    await next_minute(hass, freezer)
    stored_kwh = watts["battery"] / 1000 / 60 * EFFICIENCY
    expected_soc = 98.0 + stored_kwh / CAPACITY_KWH * 100
    assert number(hass, "input_number.house_sim_soc") == pytest.approx(
        expected_soc, abs=0.01
    )

    for _ in range(10):
        await next_minute(hass, freezer)
    watts = power(hass)
    assert number(hass, "sensor.house_battery_soc") == 100.0
    assert watts["battery"] == 0
    assert watts["grid"] == watts["load"] - watts["pv"] < 0


async def test_self_use_covers_the_evening_load_down_to_10_percent(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """At night the battery covers the load until 10 %, then the grid does."""
    await start_house(hass, freezer, datetime(2026, 6, 15, 22, 0))
    await set_value(hass, "input_number.house_sim_soc", 10.5)
    watts = power(hass)
    assert watts["pv"] == 0
    assert watts["battery"] == -watts["load"]
    assert watts["grid"] == 0
    for _ in range(10):
        await next_minute(hass, freezer)
    watts = power(hass)
    assert number(hass, "sensor.house_battery_soc") == 10.0
    assert watts["battery"] == 0
    assert watts["grid"] == watts["load"]


@pytest.mark.parametrize(
    ("mode", "battery_w"), [("force_charge", 2000), ("force_discharge", -2000)]
)
async def test_forced_modes_move_the_grid(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mode: str, battery_w: float
) -> None:
    """Forcing the battery adds its power to the grid's, whatever PV and load do."""
    await start_house(hass, freezer, datetime(2026, 6, 15, 3, 0))
    await set_value(hass, "input_number.house_battery_force_power", abs(battery_w))
    await set_value(hass, "input_select.house_battery_mode", mode)
    watts = power(hass)
    assert watts["battery"] == battery_w
    assert watts["grid"] == watts["load"] + battery_w
    await next_minute(hass, freezer)
    soc_change = number(hass, "sensor.house_battery_soc") - 50.0
    assert soc_change == pytest.approx(0.3 if battery_w > 0 else -0.4, abs=0.05)


def price_slots(hass: HomeAssistant, attribute: str) -> list[dict[str, Any]]:
    """Return a raw price attribute of the price sensor."""
    state = hass.states.get("sensor.house_price")
    assert state is not None
    slots: list[dict[str, Any]] = state.attributes[attribute]
    return slots


def assert_quarter_hours_of(slots: list[dict[str, Any]], day: datetime) -> None:
    """Assert that the slots tile the local day `day` in consecutive quarter-hours."""
    starts = [datetime.fromisoformat(slot["start"]) for slot in slots]
    ends = [datetime.fromisoformat(slot["end"]) for slot in slots]
    midnight = day.replace(hour=0, minute=0, tzinfo=TIME_ZONE)
    assert starts[0] == midnight
    assert ends[-1] == (midnight + timedelta(days=1)).replace(tzinfo=TIME_ZONE)
    assert all(
        end - start == timedelta(minutes=15)
        for start, end in zip(starts, ends, strict=True)
    )
    assert starts[1:] == ends[:-1]


async def test_price_reads_like_nord_pool(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Quarter-hour prices for today; tomorrow's arrive at 13:00; the state is now's."""
    await start_house(hass, freezer, datetime(2026, 6, 15, 12, 58))
    state = hass.states.get("sensor.house_price")
    assert state is not None
    assert state.attributes["currency"] == "EUR"
    assert state.attributes["unit"] == "kWh"
    assert state.attributes["price_in_cents"] is False
    assert state.attributes["tomorrow_valid"] is False
    assert state.attributes["raw_tomorrow"] == []
    today = price_slots(hass, "raw_today")
    assert len(today) == 96
    assert_quarter_hours_of(today, datetime(2026, 6, 15))
    assert float(state.state) == today[12 * 4 + 3]["value"]

    await next_minute(hass, freezer)
    await next_minute(hass, freezer)
    state = hass.states.get("sensor.house_price")
    assert state is not None
    assert state.attributes["tomorrow_valid"] is True
    assert_quarter_hours_of(price_slots(hass, "raw_tomorrow"), datetime(2026, 6, 16))
    assert float(state.state) == today[13 * 4]["value"]


def mean_price(slots: list[dict[str, Any]], hours: range) -> float:
    """Average price of the slots starting in the given local hours."""
    values: list[float] = [
        slot["value"]
        for slot in slots
        if datetime.fromisoformat(slot["start"]).hour in hours
    ]
    return sum(values) / len(values)


@pytest.mark.parametrize("day", [datetime(2026, 1, 10), datetime(2026, 7, 1)])
async def test_price_is_dear_at_the_peaks(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, day: datetime
) -> None:
    """Cheap at night and midday, dear 07-09 and 17-21."""
    await start_house(hass, freezer, day.replace(hour=6))
    today = price_slots(hass, "raw_today")
    cheapest_peak = min(
        mean_price(today, range(7, 9)), mean_price(today, range(17, 21))
    )
    dearest_valley = max(mean_price(today, range(5)), mean_price(today, range(11, 15)))
    assert cheapest_peak > dearest_valley + 0.05
    assert all(0 < slot["value"] < 1 for slot in today)


@pytest.mark.parametrize(
    ("day", "slots"), [(datetime(2026, 3, 29), 92), (datetime(2026, 10, 25), 100)]
)
async def test_price_days_with_a_clock_change(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, day: datetime, slots: int
) -> None:
    """Days with a daylight-saving change have 92 or 100 quarter-hours."""
    await start_house(hass, freezer, day.replace(hour=5))
    today = price_slots(hass, "raw_today")
    assert len(today) == slots
    assert_quarter_hours_of(today, day)
