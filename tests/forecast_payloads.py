"""Payloads of the real shapes for the forecast glue tests, built from tests/data slices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ems.const import CONF_INVERTER_TYPE, DOMAIN, InverterType
from custom_components.ems.core import explanation

from .conftest import BATTERY_OPTIONS, SENSOR_OPTIONS, SOC
from .inputs.shared_data import (
    EMHASS_PV_FORECAST,
    SE3_15MIN,
    SE3_HOURLY,
    local_day,
    read_series,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
QUARTER = timedelta(minutes=15)
HOUR = timedelta(hours=1)


def se3_quarter_hours(day: date | None = None) -> list[tuple[datetime, float]]:
    """Return the SE3 15-minute day (SEK/MWh), moved to `day` if given."""
    rows = [(start, value) for start, value in read_series(SE3_15MIN) if value]
    if day is None:
        return rows
    shift = datetime.combine(day, datetime.min.time(), STOCKHOLM) - rows[0][0]
    return [(start + shift, value) for start, value in rows]


def se3_hours(day: date) -> list[tuple[datetime, float]]:
    """Return SE3's hourly prices (EUR/MWh) of one Stockholm day (2023 or 2024)."""
    return local_day(SE3_HOURLY, day, STOCKHOLM)


def hacs_nordpool(
    today: Sequence[tuple[datetime, float]],
    tomorrow: Sequence[tuple[datetime, float]] = (),
    *,
    step: timedelta = QUARTER,
    unit: str = "MWh",
    currency: str = "SEK",
    in_cents: bool = False,
) -> dict[str, Any]:
    """Return the HACS Nord Pool sensor's attributes for the given prices."""

    def raw(rows: Sequence[tuple[datetime, float]]) -> list[dict[str, Any]]:
        return [
            {"start": start.astimezone(STOCKHOLM), "end": start + step, "value": value}
            for start, value in rows
        ]

    return {
        "unit": unit,
        "currency": currency,
        "price_in_cents": in_cents,
        "raw_today": raw(today),
        "raw_tomorrow": raw(tomorrow),
        "tomorrow_valid": bool(tomorrow),
        "unit_of_measurement": f"{'öre' if in_cents else currency}/{unit}",
    }


def solcast_day(day: date, *, scale: float = 1.0) -> dict[str, Any]:
    """Return a Solcast day sensor's attributes from the emhass PV forecast (30 min, kW).

    The emhass household's 2024-07-26 forecast (a complete day) is moved to `day` in Stockholm;
    pv_estimate10 / 90 are 0.7 / 1.2 times the median, as Solcast's spread roughly is.
    """
    source = local_day(EMHASS_PV_FORECAST, date(2024, 7, 26), ZoneInfo("Europe/Paris"))
    assert len(source) == 48
    begin = datetime.combine(day, datetime.min.time(), STOCKHOLM)
    detailed = [
        {
            "period_start": begin + index * timedelta(minutes=30),
            "pv_estimate": round(kw * scale, 4),
            "pv_estimate10": round(kw * scale * 0.7, 4),
            "pv_estimate90": round(kw * scale * 1.2, 4),
        }
        for index, (_, kw) in enumerate(source)
    ]
    return {
        "detailedForecast": detailed,
        "dayname": begin.strftime("%A"),
        "unit_of_measurement": "kWh",
    }


async def setup_ems(hass: HomeAssistant, **options: Any) -> MockConfigEntry:
    """Set up an EMS entry with the house's sensors and extra options."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="EMS",
        unique_id=SOC,
        data={CONF_INVERTER_TYPE: InverterType.NONE.value},
        options={**SENSOR_OPTIONS, **BATTERY_OPTIONS, **options},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def plan_rows(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Return the plan in force slot by slot, starts in UTC (empty without a plan)."""
    (entry,) = hass.config_entries.async_loaded_entries(DOMAIN)
    plan = entry.runtime_data.coordinator.data.plan
    return [] if plan is None else explanation.plan_rows(plan, UTC)


def plan_issues(hass: HomeAssistant) -> list[str]:
    """Return the plan sensor's issues."""
    state = hass.states.get("sensor.ems_plan")
    assert state is not None
    return list(state.attributes["issues"])
