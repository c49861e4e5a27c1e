"""A house planned from a real day's prices moved to today, by an entry without an inverter."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ems.const import CONF_INVERTER_TYPE, DOMAIN

from .conftest import BATTERY_OPTIONS, PRICE, SENSOR_OPTIONS, set_house
from .test_plan import DAY_START, nordpool_attributes


def prices_from_today(hass: HomeAssistant) -> dict[str, Any]:
    """Return the SE3 day's Nord Pool attributes moved to today and tomorrow.

    The simulated inverter needs the real clock (no frozen time), so the real prices
    are moved to the days around now.
    """
    attributes = nordpool_attributes(with_tomorrow=True)
    shift = dt_util.start_of_local_day() - DAY_START
    for key in ("raw_today", "raw_tomorrow"):
        attributes[key] = [
            {**row, "start": row["start"] + shift, "end": row["end"] + shift}
            for row in attributes[key]
        ]
    return attributes


def set_planned_house(hass: HomeAssistant) -> None:
    """Set the house at 50 %, 0.8 kW import, no PV, and today's and tomorrow's prices."""
    set_house(hass, soc="50", battery_w="0", pv_w="0", grid_w="800")
    hass.states.async_set(PRICE, "556.68", prices_from_today(hass))


def dry_run_entry(**extra: Any) -> MockConfigEntry:
    """Return an entry that plans the house and controls no inverter."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="EMS",
        unique_id="sensor.house_battery_soc",
        data={CONF_INVERTER_TYPE: "none"},
        options={**SENSOR_OPTIONS, **BATTERY_OPTIONS},
        **extra,
    )


async def async_plan_house(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the planned house up and let `entry` make its first plan."""
    set_planned_house(hass)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
