"""Savings accounting from the user's own energy meters, in real Home Assistant.

The meters count the true house: the import and export the household steps hold for
five minutes each. The grid power sensor is a clamp that reads 20 % high, so books
that followed it instead of the meters would not match the worked-out totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.ems.books.keeper import storage_key
from custom_components.ems.const import (
    CONF_EXPORT_METER_ENTITY,
    CONF_IMPORT_METER_ENTITY,
    CONF_PV_METER_ENTITY,
    DOMAIN,
)

from .accounting_house import (
    STEP,
    Step,
    attributes,
    expected_books,
    household,
    move_to,
    show,
    value,
)
from .conftest import BATTERY_OPTIONS, SENSOR_OPTIONS
from .test_accounting_day import DAY, DAY_ENERGY, NEXT_DAY, check_period, ems_entry
from .test_forecast_options import FORECASTS, PRICES

IMPORT_METER = "sensor.grid_import_energy"
EXPORT_METER = "sensor.grid_export_energy"
METERS: dict[str, Any] = {
    CONF_IMPORT_METER_ENTITY: IMPORT_METER,
    CONF_EXPORT_METER_ENTITY: EXPORT_METER,
}
KWH_PER_UNIT = {"Wh": 0.001, "kWh": 1.0, "MWh": 1000.0}
CLAMP_ERROR = 1.2


def clamp(step: Step) -> Step:
    """Return the step as the miscalibrated grid power clamp reports it."""
    return replace(step, grid_w=round(step.grid_w * CLAMP_ERROR, 1))


def counted(
    steps: Sequence[Step], start: tuple[float, float] = (4321.0, 876.0)
) -> list[tuple[float, float]]:
    """Return the meters (import, export kWh) at each step: each step held until the next."""
    imported, exported = start
    readings = [(imported, exported)]
    for step, following in zip(steps, steps[1:], strict=False):
        hours = (following.at - step.at).total_seconds() / 3600.0
        imported += max(step.grid_w, 0.0) / 1000.0 * hours
        exported += max(-step.grid_w, 0.0) / 1000.0 * hours
        readings.append((imported, exported))
    return readings


def show_meters(
    hass: HomeAssistant,
    reading: tuple[float | str, float | str],
    unit: str = "kWh",
) -> None:
    """Set the meters (kWh, or a state such as `unavailable`) in `unit`."""
    for entity_id, kwh in zip((IMPORT_METER, EXPORT_METER), reading, strict=True):
        state = kwh if isinstance(kwh, str) else repr(kwh / KWH_PER_UNIT[unit])
        hass.states.async_set(
            entity_id,
            state,
            {
                "unit_of_measurement": unit,
                "device_class": "energy",
                "state_class": "total_increasing",
            },
        )


async def start_metered(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entry: MockConfigEntry,
    step: Step,
    reading: tuple[float, float],
    unit: str = "kWh",
) -> None:
    """Set up EMS in Paris with the house and meters at `step`."""
    await hass.config.async_set_time_zone("Europe/Paris")
    freezer.move_to(step.at)
    show_meters(hass, reading, unit)
    show(hass, clamp(step))
    if hass.config_entries.async_get_entry(entry.entry_id) is None:
        entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def play_metered(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    steps: Sequence[Step],
    readings: Sequence[tuple[float | str, float | str]],
    unit: str = "kWh",
) -> None:
    """Live through the steps: the meters count, the house changes, the clocks run."""
    for step, reading in zip(steps, readings, strict=True):
        freezer.move_to(step.at)
        show_meters(hass, reading, unit)
        show(hass, clamp(step))
        await hass.async_block_till_done()
        async_fire_time_changed(hass, step.at)
        await hass.async_block_till_done()


def logged(caplog: pytest.LogCaptureFixture, text: str) -> int:
    """Return how many EMS log records contain `text`."""
    return sum(
        text in record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.ems")
    )


async def test_a_day_from_meters_is_booked_as_worked_out(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A day booked from kWh meters matches the hand calculation, not the clamp."""
    steps = household(DAY, NEXT_DAY + timedelta(hours=1))
    readings = counted(steps)
    await start_metered(hass, freezer, ems_entry(**METERS), steps[0], readings[0])
    await play_metered(hass, freezer, steps[1:], readings[1:])

    day, next_day = expected_books(steps, steps[-1].at, [DAY, NEXT_DAY])
    # Books integrating the clamp would be off by far more than the tolerance.
    clamped = expected_books([clamp(s) for s in steps], steps[-1].at, [DAY])[0]
    assert abs(clamped.import_kwh - day.import_kwh) > 1.0
    assert abs(clamped.net_cost - day.net_cost) > 0.1

    check_period(hass, "day", next_day)
    for key in ("net_cost", "savings_vs_no_battery", "savings_vs_self_use"):
        assert attributes(hass, f"{key}_day")["previous_value"] == pytest.approx(
            getattr(day, key), abs=2e-4
        ), key
    for key in DAY_ENERGY:
        assert attributes(hass, f"{key}_day")["previous_value"] == pytest.approx(
            getattr(day, key), abs=2e-4
        ), key
    # The day's grid energy is exactly what the meters moved by.
    midnight = next(i for i, s in enumerate(steps) if s.at == NEXT_DAY)
    assert day.import_kwh == pytest.approx(readings[midnight][0] - readings[0][0])
    assert attributes(hass, "net_cost_day")["gap_hours"] == 0.0


@pytest.mark.parametrize("unit", ["Wh", "kWh", "MWh"])
async def test_meters_in_any_energy_unit(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, unit: str
) -> None:
    """Wh, kWh and MWh meters give the same books."""
    steps = household(DAY + timedelta(hours=18), DAY + timedelta(hours=20))
    readings = counted(steps)
    await start_metered(hass, freezer, ems_entry(**METERS), steps[0], readings[0], unit)
    await play_metered(hass, freezer, steps[1:], readings[1:], unit)

    books = expected_books(steps, steps[-1].at, [DAY])[0]
    assert books.import_kwh > 0.1 and books.export_kwh > 0.1
    check_period(hass, "day", books)
    assert value(hass, "import_kwh_day") == pytest.approx(books.import_kwh, abs=2e-4)
    assert value(hass, "export_kwh_day") == pytest.approx(books.export_kwh, abs=2e-4)


async def test_utility_meters_reset_at_midnight(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Wh meters that restart from zero at midnight: the new day counts from the reset.

    The meters report late: at 00:00 they still show 23:59:30's count, at 00:05 what
    they counted since midnight. Only what they counted after the last sample before
    the reset (23:59:30) is lost; each reset is logged once.
    """
    caplog.set_level(logging.INFO, logger="custom_components.ems")
    # An empty battery: the house imports its load around midnight.
    start = NEXT_DAY - timedelta(hours=2)
    steps = household(start, NEXT_DAY + timedelta(hours=1), soc=10.5)
    true = counted(steps, start=(9.5, 3.25))
    midnight = next(i for i, s in enumerate(steps) if s.at == NEXT_DAY)
    last = steps[midnight - 1]
    grid_kw, hours = last.grid_w / 1000.0, 4.5 / 60.0
    before_reset = (
        true[midnight - 1][0] + max(grid_kw, 0.0) * hours,
        true[midnight - 1][1] + max(-grid_kw, 0.0) * hours,
    )
    at_midnight = true[midnight]
    readings = [
        *true[:midnight],
        before_reset,
        *((i - at_midnight[0], e - at_midnight[1]) for i, e in true[midnight + 1 :]),
    ]
    assert readings[midnight + 1][0] > 0.005
    entry = ems_entry(**METERS)
    await start_metered(hass, freezer, entry, steps[0], readings[0], "Wh")
    await play_metered(hass, freezer, steps[1:midnight], readings[1:midnight], "Wh")
    show_meters(hass, before_reset, "Wh")
    await move_to(hass, freezer, last.at + timedelta(minutes=4, seconds=30))
    await play_metered(hass, freezer, steps[midnight:], readings[midnight:], "Wh")

    day, next_day = expected_books(steps, steps[-1].at, [DAY, NEXT_DAY])
    lost_hours = 0.5 / 60.0
    assert grid_kw * lost_hours > 1e-3
    previous = attributes(hass, "net_cost_day")
    assert previous["previous_value"] is not None
    for key, lost in (
        ("import_kwh", max(grid_kw, 0.0) * lost_hours),
        ("export_kwh", max(-grid_kw, 0.0) * lost_hours),
    ):
        assert attributes(hass, f"{key}_day")["previous_value"] == pytest.approx(
            getattr(day, key) - lost, abs=2e-4
        ), key
        assert value(hass, f"{key}_day") == pytest.approx(
            getattr(next_day, key), abs=2e-4
        ), key
    assert value(hass, "net_cost_day") == pytest.approx(next_day.net_cost, abs=2e-4)
    assert previous["gap_hours"] == 0.0
    assert logged(caplog, "was reset") == 2


async def test_an_unavailable_meter_is_a_gap(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An hour without the export meter books nothing for it; logged once each way."""
    caplog.set_level(logging.INFO, logger="custom_components.ems")
    steps = household(DAY + timedelta(hours=17), DAY + timedelta(hours=21))
    readings: list[tuple[float | str, float | str]] = list(counted(steps))
    outage = [
        n
        for n, step in enumerate(steps)
        if DAY + timedelta(hours=18) <= step.at < DAY + timedelta(hours=19)
    ]
    for n in outage:
        readings[n] = (readings[n][0], "unavailable")
    await start_metered(hass, freezer, ems_entry(**METERS), steps[0], counted(steps)[0])
    await play_metered(hass, freezer, steps[1:], readings[1:])

    # Booked: everything but 17:55-19:00, when the last good reading was too old.
    seen = [step for n, step in enumerate(steps) if n not in outage]
    books = expected_books(seen, steps[-1].at, [DAY])[0]
    check_period(hass, "day", books)
    assert value(hass, "export_kwh_day") == pytest.approx(books.export_kwh, abs=2e-4)
    assert attributes(hass, "net_cost_day")["gap_hours"] == pytest.approx(
        65 / 60, abs=1e-3
    )
    assert logged(caplog, f"cannot read the energy meter {EXPORT_METER}") == 1
    assert logged(caplog, f"reads the energy meter {EXPORT_METER} again") == 1


async def test_a_spike_is_not_booked(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A meter that jumps far beyond the grid's limit for a moment books a gap, once."""
    steps = household(DAY + timedelta(hours=18), DAY + timedelta(hours=20))
    readings: list[tuple[float | str, float | str]] = list(counted(steps))
    glitch = 9  # 18:45: the import meter reads 99999 kWh, at 18:50 it is right again
    readings[glitch] = (99999.0, readings[glitch][1])
    await start_metered(hass, freezer, ems_entry(**METERS), steps[0], counted(steps)[0])
    await play_metered(hass, freezer, steps[1:], readings[1:])

    # 18:40-18:50 is not booked: the jump up and the drop back are both rejected.
    skipped = {steps[glitch - 1].at, steps[glitch].at}
    imported = sum(
        max(s.grid_w, 0.0) / 1000.0 * STEP.total_seconds() / 3600.0
        for s in steps[:-1]
        if s.at not in skipped
    )
    assert value(hass, "import_kwh_day") == pytest.approx(imported, abs=2e-4)
    assert attributes(hass, "net_cost_day")["gap_hours"] == pytest.approx(
        10 / 60, abs=1e-3
    )
    assert logged(caplog, "ignores a jump of the energy meter") == 1


async def test_restart_with_meters_neither_loses_nor_double_counts(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    """Saved meter readings: after 10 minutes down, the first difference covers it."""
    steps = household(DAY, DAY + timedelta(hours=9))
    before, after = steps[1:72], steps[73:]  # 00:05-05:55, then 06:05 on
    lived = [steps[0], *before, *after]
    readings = counted(lived)
    entry = ems_entry(**METERS)
    await start_metered(hass, freezer, entry, lived[0], readings[0])
    await play_metered(hass, freezer, before, readings[1:72])

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    saved = hass_storage[storage_key(entry.entry_id)]["data"]["meters"]
    assert datetime.fromisoformat(saved["at"]) == before[-1].at
    assert saved["kwh"] == {"import": readings[71][0], "export": readings[71][1]}

    await start_metered(hass, freezer, entry, after[0], readings[72])
    await play_metered(hass, freezer, after[1:], readings[73:])
    books = expected_books(lived, lived[-1].at, [DAY])[0]
    check_period(hass, "day", books)
    assert value(hass, "import_kwh_day") == pytest.approx(
        readings[-1][0] - readings[0][0], abs=2e-4
    )
    assert attributes(hass, "net_cost_day")["gap_hours"] == 0.0

    # Set up again at the same instant: nothing is counted twice.
    shown = value(hass, "net_cost_day")
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert value(hass, "net_cost_day") == pytest.approx(shown, abs=1e-9)


async def test_books_kept_before_meters_go_on_with_meters(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    """Books saved by an entry without meters load; once meters are chosen they go on."""
    steps = household(DAY, DAY + timedelta(hours=6))
    before, after = steps[1:36], steps[37:]  # 00:05-02:55, then 03:05 on
    lived = [steps[0], *before, *after]
    readings = counted(lived)
    entry = ems_entry()
    # Power only, with a true clamp: the books kept before meters existed.
    await hass.config.async_set_time_zone("Europe/Paris")
    freezer.move_to(steps[0].at)
    show(hass, steps[0])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    for step in before:
        freezer.move_to(step.at)
        show(hass, step)
        await hass.async_block_till_done()
        async_fire_time_changed(hass, step.at)
        await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    stored = hass_storage[storage_key(entry.entry_id)]["data"]
    assert "meters" not in stored

    # The user picks the meters; the clamp is off from now on, the meters are right.
    hass.config_entries.async_update_entry(entry, options={**entry.options, **METERS})
    await start_metered(hass, freezer, entry, after[0], readings[36])
    await play_metered(hass, freezer, after[1:], readings[37:])

    books = expected_books(lived, lived[-1].at, [DAY])[0]
    check_period(hass, "day", books)
    assert value(hass, "import_kwh_day") == pytest.approx(books.import_kwh, abs=2e-4)
    assert attributes(hass, "net_cost_day")["gap_hours"] == 0.0


async def test_meter_fields_are_optional_and_stored(hass: HomeAssistant) -> None:
    """The house step takes no meters, both grid meters, and refuses half or wrong ones."""
    show_meters(hass, (10.0, 2.0))
    hass.states.async_set(
        "sensor.pv_energy_rate",
        "3",
        {"unit_of_measurement": "kWh", "device_class": "energy"},
    )
    flow = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    house = {CONF_NAME: "EMS", **SENSOR_OPTIONS}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {**house, CONF_IMPORT_METER_ENTITY: IMPORT_METER}
    )
    assert result["errors"] == {CONF_EXPORT_METER_ENTITY: "grid_meters_required"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"],
        {**house, **METERS, CONF_PV_METER_ENTITY: "sensor.pv_energy_rate"},
    )
    assert result["errors"] == {CONF_PV_METER_ENTITY: "not_an_energy_meter"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {**house, **METERS}
    )
    assert result["step_id"] == "battery"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], BATTERY_OPTIONS
    )
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"inverter_type": "none"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"] == {**SENSOR_OPTIONS, **METERS, **BATTERY_OPTIONS}
    entry = result["result"]
    await hass.async_block_till_done()

    # Options: leaving the meters empty removes them; choosing them again stores them.
    for chosen, expected in (({}, {}), (METERS, METERS)):
        result = await hass.config_entries.options.async_init(entry.entry_id)
        assert result["step_id"] == "init"
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {**SENSOR_OPTIONS, **chosen}
        )
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], BATTERY_OPTIONS
        )
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], PRICES
        )
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], FORECASTS
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        meters = {key: entry.options[key] for key in METERS if key in entry.options}
        assert meters == expected
