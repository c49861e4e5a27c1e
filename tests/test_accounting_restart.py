"""Savings accounting across restarts, a broken store and billing cycles."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from custom_components.ems.books.keeper import storage_key

from .accounting_house import (
    PARIS,
    STEP,
    attributes,
    expected_books,
    household,
    play,
    show,
    value,
)
from .test_accounting_day import (
    DAY,
    PERIOD_TOTALS,
    check_period,
    ems_entry,
    start_house,
)


def stored_until(hass_storage: dict[str, Any], entry_id: str) -> datetime:
    """Return the instant the saved books are accounted until."""
    data = hass_storage[storage_key(entry_id)]["data"]
    return datetime.fromisoformat(data["accounted_until"])


async def test_restart_neither_loses_nor_double_counts(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    """Unload saves the books; set up again, they go on from where they stopped."""
    entry = ems_entry()
    await start_house(hass, freezer, entry)
    steps = household(DAY, DAY + timedelta(hours=12))
    before, after = steps[1:72], steps[73:]  # 00:05-05:55, then 06:05 on
    await play(hass, freezer, before)

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert stored_until(hass_storage, entry.entry_id) == before[-1].at

    # Ten minutes later the house has changed; Home Assistant starts again.
    freezer.move_to(after[0].at)
    show(hass, after[0])
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    # The outage is shorter than the 15 minutes a reading holds: 05:55's is booked.
    lived = [steps[0], *before, *after]
    at_restart = expected_books(lived[:73], after[0].at, [DAY])[0]
    check_period(hass, "day", at_restart)

    await play(hass, freezer, after[1:])
    books = expected_books(lived, lived[-1].at, [DAY])[0]
    check_period(hass, "day", books)
    assert value(hass, "import_kwh_day") == pytest.approx(books.import_kwh, abs=2e-4)
    assert attributes(hass, "net_cost_day")["gap_hours"] == 0.0


async def test_setting_up_again_at_once_counts_nothing_twice(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    """A reload at the same instant shows exactly the totals from before."""
    entry = ems_entry()
    await start_house(hass, freezer, entry)
    steps = household(DAY, DAY + timedelta(hours=3))
    await play(hass, freezer, steps[1:])
    shown = {key: value(hass, f"{key}_month") for key in PERIOD_TOTALS}

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    for key, before in shown.items():
        assert value(hass, f"{key}_month") == before
    check_period(hass, "month", expected_books(steps, steps[-1].at, [DAY])[0])


async def test_a_long_outage_is_a_gap(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    """Down for more than 15 minutes: nothing is invented, the hours count as a gap."""
    entry = ems_entry()
    await start_house(hass, freezer, entry)
    steps = household(DAY, DAY + timedelta(hours=9))
    before, after = steps[1:72], steps[84:]  # down from 05:55 to 07:00
    await play(hass, freezer, before)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()

    freezer.move_to(after[0].at)
    show(hass, after[0])
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await play(hass, freezer, after[1:])

    lived = [steps[0], *before, *after]
    check_period(hass, "day", expected_books(lived, lived[-1].at, [DAY])[0])
    net = attributes(hass, "net_cost_day")
    assert net["gap_hours"] == pytest.approx(65 / 60, abs=1e-3)
    assert net["covered_hours"] == pytest.approx(
        9 - STEP / timedelta(hours=1) - 65 / 60, abs=1e-3
    )


async def test_a_broken_store_starts_afresh_with_one_warning(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Books that cannot be read are replaced by new ones; the user is told once."""
    entry = ems_entry()
    hass_storage[storage_key(entry.entry_id)] = {
        "version": 1,
        "minor_version": 1,
        "key": storage_key(entry.entry_id),
        "data": {"version": 1, "accounted_until": "yesterday-ish"},
    }
    await start_house(hass, freezer, entry)
    steps = household(DAY, DAY + timedelta(hours=2))
    await play(hass, freezer, steps[1:])

    warnings = [
        record
        for record in caplog.records
        if "starts its accounting afresh" in record.getMessage()
    ]
    assert len(warnings) == 1
    assert warnings[0].levelname == "WARNING"
    check_period(hass, "day", expected_books(steps, steps[-1].at, [DAY])[0])


async def test_billing_cycle_starts_on_the_configured_day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """With billing day 15, the cycle closes at midnight into the 15th; the month runs on."""
    entry = ems_entry(billing_start_day=15)
    await hass.config.async_set_time_zone("Europe/Paris")
    evening = datetime(2024, 11, 14, 22, tzinfo=PARIS)
    cycle_start = datetime(2024, 11, 15, tzinfo=PARIS)
    steps = household(evening, cycle_start + timedelta(hours=2))
    freezer.move_to(steps[0].at)
    show(hass, steps[0])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await play(hass, freezer, steps[1:])

    old_cycle, new_cycle = expected_books(steps, steps[-1].at, [evening, cycle_start])
    check_period(hass, "billing", new_cycle)
    billing = attributes(hass, "net_cost_billing")
    assert billing["period_start"] == "2024-11-15T00:00:00+01:00"
    assert billing["period_end"] == "2024-12-15T00:00:00+01:00"
    assert billing["previous_period_start"] == "2024-10-15T00:00:00+02:00"
    assert billing["previous_value"] == pytest.approx(old_cycle.net_cost, abs=2e-4)
    check_period(hass, "month", expected_books(steps, steps[-1].at, [evening])[0])
    assert attributes(hass, "net_cost_month")["previous_value"] is None


@pytest.mark.parametrize("day", [0, 29, "fifteenth"])
async def test_an_impossible_billing_day_means_the_first(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, day: object
) -> None:
    """A billing day no month always has is not used: cycles follow the month."""
    await start_house(hass, freezer, ems_entry(billing_start_day=day))
    billing = attributes(hass, "net_cost_billing")
    assert billing["period_start"] == "2024-11-01T00:00:00+01:00"
