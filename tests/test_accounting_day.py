"""Savings accounting in Home Assistant: a real household day booked through the coordinator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ems.const import CONF_INVERTER_TYPE, DOMAIN, InverterType

from .accounting_house import (
    CAPACITY,
    PARIS,
    STEP,
    TARIFF_OPTIONS,
    Expected,
    attributes,
    entity_id,
    expected_books,
    household,
    move_to,
    play,
    show,
    value,
)
from .conftest import BATTERY_OPTIONS, SENSOR_OPTIONS, SOC
from .forecast_payloads import plan_rows
from .inputs.shared_data import SE3_15MIN, read_series

DAY = datetime(2024, 11, 5, tzinfo=PARIS)  # a Tuesday
NEXT_DAY = DAY + timedelta(days=1)

PERIOD_TOTALS = (
    "net_cost",
    "savings_vs_no_battery",
    "savings_vs_self_use",
    "arbitrage_profit",
)
DAY_ENERGY = ("import_kwh", "export_kwh", "charged_kwh", "discharged_kwh")
# Every accounting sensor and whether it is enabled by default: 18 of 24.
ACCOUNTING_KEYS = {
    **{
        f"{key}_{period}": period != "week"
        for key in PERIOD_TOTALS
        for period in ("day", "week", "month", "billing")
    },
    **{f"{key}_day": True for key in DAY_ENERGY},
    "import_cost_day": False,
    "export_revenue_day": False,
    "equivalent_full_cycles_day": True,
    "wacb": True,
}


def nordpool_today() -> dict[str, Any]:
    """Return the HACS Nord Pool sensor's attributes for SE3 on 2025-10-01 (SEK/MWh)."""
    rows = [
        {"start": start, "end": start + timedelta(minutes=15), "value": price}
        for start, price in read_series(SE3_15MIN)
    ]
    return {
        "unit": "MWh",
        "currency": "SEK",
        "price_in_cents": False,
        "raw_today": rows,
        "raw_tomorrow": [],
        "tomorrow_valid": False,
        "unit_of_measurement": "SEK/MWh",
    }


def ems_entry(**options: object) -> MockConfigEntry:
    """Return a plan-only EMS entry on the conftest house with the test tariff."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="EMS",
        unique_id=SOC,
        data={CONF_INVERTER_TYPE: InverterType.NONE.value},
        options={**SENSOR_OPTIONS, **BATTERY_OPTIONS, **TARIFF_OPTIONS, **options},
    )


async def start_house(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry
) -> None:
    """Set up EMS in Paris at the first step of the household day."""
    await hass.config.async_set_time_zone("Europe/Paris")
    first = household(DAY, DAY + STEP)[0]
    freezer.move_to(first.at)
    show(hass, first)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def check_period(hass: HomeAssistant, period: str, books: Expected) -> None:
    """Check the period's money sensors against the worked-out totals."""
    for key in PERIOD_TOTALS:
        assert value(hass, f"{key}_{period}") == pytest.approx(
            getattr(books, key), abs=2e-4
        ), key


async def test_a_day_is_booked_as_worked_out(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A day of real PV, load and spot prices: every total matches the hand calculation."""
    entry = ems_entry()
    await start_house(hass, freezer, entry)
    steps = household(DAY, NEXT_DAY + timedelta(hours=1))
    await play(hass, freezer, steps[1:])

    # No price list: there is no plan, so prices come from the reading and the tariff.
    assert plan_rows(hass) == []

    day, next_day = expected_books(steps, steps[-1].at, [DAY, NEXT_DAY])
    # The scenario exercises every path: grid and PV charging, exported discharge.
    assert day.import_kwh > 5 and day.export_kwh > 0.5
    assert day.charged_kwh > 5 and day.discharged_kwh > 5

    check_period(hass, "day", next_day)
    for key in PERIOD_TOTALS:
        assert attributes(hass, f"{key}_day")["previous_value"] == pytest.approx(
            getattr(day, key), abs=2e-4
        ), key
    for key in DAY_ENERGY:
        assert value(hass, f"{key}_day") == pytest.approx(
            getattr(next_day, key), abs=2e-4
        )
        assert attributes(hass, f"{key}_day")["previous_value"] == pytest.approx(
            getattr(day, key), abs=2e-4
        )
    net = attributes(hass, "net_cost_day")
    assert net["import_cost"] == pytest.approx(next_day.import_cost, abs=2e-4)
    assert net["export_revenue"] == pytest.approx(next_day.export_revenue, abs=2e-4)

    # Month and billing cycle run on across midnight.
    both = expected_books(steps, steps[-1].at, [DAY])[0]
    check_period(hass, "month", both)
    check_period(hass, "billing", both)

    cycles = attributes(hass, "equivalent_full_cycles_day")
    throughput = day.charged_kwh + day.discharged_kwh
    assert cycles["previous_value"] == pytest.approx(
        throughput / (2 * CAPACITY), abs=2e-4
    )
    assert cycles["equivalent_full_cycles_month"] == pytest.approx(
        (both.charged_kwh + both.discharged_kwh) / (2 * CAPACITY), abs=2e-4
    )
    wacb = attributes(hass, "wacb")
    assert value(hass, "wacb") > 0
    assert wacb["stored_kwh"] == pytest.approx(steps[-1].soc / 100 * CAPACITY, abs=1e-3)


async def test_week_sensors_once_enabled(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """The week's totals (disabled by default) show the books once a user enables them."""
    entry = ems_entry()
    await start_house(hass, freezer, entry)
    steps = household(DAY, DAY + timedelta(hours=6))
    await play(hass, freezer, steps[1:4])
    registry = er.async_get(hass)
    for key in (*(f"{key}_week" for key in PERIOD_TOTALS), "import_cost_day"):
        registry.async_update_entity(entity_id(hass, key), disabled_by=None)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await play(hass, freezer, steps[4:])

    books = expected_books(steps, steps[-1].at, [DAY])[0]
    check_period(hass, "week", books)
    assert value(hass, "import_cost_day") == pytest.approx(books.import_cost, abs=2e-4)


async def test_sensors_suit_statistics_and_the_energy_dashboard(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Money is monetary/total, energy is energy/total, both reset at the period start."""
    await start_house(hass, freezer, ems_entry())
    steps = household(DAY, DAY + timedelta(hours=1))
    await play(hass, freezer, steps[1:])

    money = hass.states.get(entity_id(hass, "net_cost_day"))
    assert money is not None
    assert money.attributes["device_class"] == "monetary"
    assert money.attributes["state_class"] == "total"
    assert money.attributes["unit_of_measurement"] == hass.config.currency
    assert money.attributes["last_reset"] == DAY.astimezone(UTC).isoformat()
    energy = hass.states.get(entity_id(hass, "import_kwh_day"))
    assert energy is not None
    assert energy.attributes["device_class"] == "energy"
    assert energy.attributes["state_class"] == "total"
    assert energy.attributes["unit_of_measurement"] == "kWh"
    month = attributes(hass, "net_cost_month")
    assert month["period_start"] == "2024-11-01T00:00:00+01:00"
    assert month["period_end"] == "2024-12-01T00:00:00+01:00"

    registry = er.async_get(hass)
    entry_id = next(iter(hass.config_entries.async_entries(DOMAIN))).entry_id
    accounting = {
        entry.unique_id.removeprefix(f"{SOC}_"): entry.disabled_by is None
        for entry in er.async_entries_for_config_entry(registry, entry_id)
        if entry.unique_id.removeprefix(f"{SOC}_") in ACCOUNTING_KEYS
    }
    assert accounting == ACCOUNTING_KEYS


async def test_midnight_starts_a_new_day_without_a_change(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """With the house steady, midnight still closes the day and resets the day sensors."""
    await start_house(hass, freezer, ems_entry())
    evening = NEXT_DAY - timedelta(minutes=10)
    steps = household(DAY, evening + STEP)
    await play(hass, freezer, steps[1:])
    # The house stays as it was at 23:55 past midnight.
    await move_to(hass, freezer, NEXT_DAY)

    day = expected_books(steps, NEXT_DAY, [DAY])[0]
    state = hass.states.get(entity_id(hass, "net_cost_day"))
    assert state is not None
    assert float(state.state) == pytest.approx(0.0, abs=1e-9)
    assert state.attributes["last_reset"] == NEXT_DAY.astimezone(UTC).isoformat()
    assert state.attributes["previous_value"] == pytest.approx(day.net_cost, abs=2e-4)
    assert value(hass, "net_cost_month") == pytest.approx(day.net_cost, abs=2e-4)


async def test_prices_come_from_the_plan(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """With a plan, import and export are priced at the plan's current slot."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    start = datetime.fromisoformat("2025-10-01T00:02:00+02:00")
    freezer.move_to(start)
    # The house imports 800 W at first, then exports 1 kW.
    entry = ems_entry(prices_are_spot=False)
    hass.states.async_set("sensor.house_price", "556.68", nordpool_today())
    # The house imports 800 W until 00:20, then exports 1 kW of PV.
    _set_house(hass, grid_w="800", pv_w="0")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    rows = {row["start"]: row for row in plan_rows(hass)}

    midnight = datetime.fromisoformat("2025-10-01T00:00:00+02:00")
    for minutes in range(5, 40, 5):
        at = midnight + timedelta(minutes=minutes)
        freezer.move_to(at)
        if minutes == 20:
            _set_house(hass, grid_w="-1000", pv_w="1500")
            await hass.async_block_till_done()
        await move_to(hass, freezer, at)

    expected_import = sum(
        0.8 * minutes / 60 * rows[slot]["import_price"]
        for slot, minutes in (
            ("2025-09-30T22:00:00+00:00", 13),
            ("2025-09-30T22:15:00+00:00", 5),
        )
    )
    expected_export = sum(
        1.0 * minutes / 60 * rows[slot]["export_price"]
        for slot, minutes in (
            ("2025-09-30T22:15:00+00:00", 10),
            ("2025-09-30T22:30:00+00:00", 5),
        )
    )
    net = attributes(hass, "net_cost_day")
    assert net["import_kwh"] == pytest.approx(0.8 * 18 / 60, abs=1e-4)
    assert net["import_cost"] == pytest.approx(expected_import, abs=2e-4)
    assert net["export_revenue"] == pytest.approx(expected_export, abs=2e-4)


def _set_house(hass: HomeAssistant, *, grid_w: str, pv_w: str) -> None:
    """Set a house with an idle battery at 50 %."""
    for entity_id_, state in (
        ("sensor.house_battery_power", "0"),
        ("sensor.house_pv_power", pv_w),
        ("sensor.house_grid_power", grid_w),
    ):
        hass.states.async_set(
            entity_id_, state, {"unit_of_measurement": "W", "device_class": "power"}
        )
    hass.states.async_set(
        "sensor.house_battery_soc",
        "50",
        {"unit_of_measurement": "%", "device_class": "battery"},
    )
