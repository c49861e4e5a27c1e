"""Amber Electric, Octopus Energy, export sensors of another source, and why no plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, ServiceCall, SupportsResponse
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest

from custom_components.ems.const import (
    CONF_EXPORT_FACTOR,
    CONF_EXPORT_FEE,
    CONF_EXPORT_PRICE_ENTITY,
    CONF_HORIZON_HOURS,
    CONF_NORDPOOL_AREA,
    CONF_NORDPOOL_ENTRY,
    CONF_PRICE_ENTITY,
    CONF_PRICE_SOURCE,
    CONF_SLOT_MINUTES,
    DOMAIN,
)

from .conftest import PRICE, set_house
from .forecast_payloads import (
    QUARTER,
    STOCKHOLM,
    hacs_nordpool,
    plan_issues,
    plan_rows,
    se3_hours,
    se3_quarter_hours,
    setup_ems,
)
from .provider_payloads import (
    AMBER_GENERAL_FORECAST,
    AMBER_GENERAL_PRICE,
    AMBER_SITE,
    HALF_HOUR,
    LONDON,
    OCTOPUS_CURRENT_DAY,
    OCTOPUS_CURRENT_RATE,
    OCTOPUS_NEXT_DAY,
    SYDNEY,
    amber_current,
    amber_forecast,
    amber_interval,
    octopus_current_rate,
    octopus_event,
    octopus_rates,
)

EXPORT = "sensor.export_price"
# Export earns the price x 0.9 - 0.05 here, so an export price shows its source.
EXPORT_TERMS = {CONF_EXPORT_FACTOR: 0.9, CONF_EXPORT_FEE: 0.05}
SE3_DAY = date(2025, 10, 1)


async def start(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, zone: ZoneInfo, day: date
) -> datetime:
    """Put the house in `zone` at 00:02 on `day`; return the local midnight in UTC."""
    await hass.config.async_set_time_zone(str(zone))
    midnight = datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)
    freezer.move_to(midnight + timedelta(minutes=2))
    set_house(hass, soc="50", battery_w="0", pv_w="0", grid_w="800")
    return midnight


def no_plan_because(hass: HomeAssistant) -> tuple[str, ...]:
    """Return why there is no plan (the plan sensor is unavailable then)."""
    (entry,) = hass.config_entries.async_loaded_entries(DOMAIN)
    state = entry.runtime_data.coordinator.data
    assert state.plan is None
    return state.plan_issues


def amber_day(
    midnight: datetime, count: int, spikes: tuple[int, ...] = ()
) -> list[dict[str, Any]]:
    """Amber's half-hours from `midnight` (UTC), prices from SE3's quarter-hours."""
    prices = [value / 1000 for _, value in se3_quarter_hours()]
    return [
        amber_interval(
            midnight + index * HALF_HOUR,
            prices[index % 96],
            spike="spike" if index in spikes else "none",
        )
        for index in range(count)
    ]


def show_amber(
    hass: HomeAssistant,
    intervals: list[dict[str, Any]],
    current_id: str = AMBER_GENERAL_PRICE,
    forecast_id: str = AMBER_GENERAL_FORECAST,
    spike_now: str = "none",
) -> None:
    """Publish the current price and forecast sensors of Amber's general channel."""
    current = amber_current(intervals[0]) | {"spike_status": spike_now}
    hass.states.async_set(current_id, str(intervals[0]["per_kwh"]), current)
    hass.states.async_set(
        forecast_id, str(intervals[1]["per_kwh"]), amber_forecast(intervals[1:])
    )


async def test_amber_current_price_and_forecast(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Amber's current interval starts the plan; its forecast (from 00:30) follows.

    The two sensors are found through the entity registry, whatever their names; the
    spike flag shows on the import price sensor and a forecast spike in the issues.
    """
    midnight = await start(hass, freezer, SYDNEY, date(2025, 1, 15))
    registry = er.async_get(hass)
    current_id = registry.async_get_or_create(
        "sensor",
        "amberelectric",
        f"{AMBER_SITE}-current-general",
        suggested_object_id="amber_now",
    ).entity_id
    forecast_id = registry.async_get_or_create(
        "sensor",
        "amberelectric",
        f"{AMBER_SITE}-forecasts-general",
        suggested_object_id="amber_ahead",
    ).entity_id
    intervals = amber_day(midnight, 48, spikes=(37,))
    show_amber(hass, intervals, current_id, forecast_id, spike_now="potential")
    await setup_ems(hass, **{CONF_PRICE_ENTITY: current_id, CONF_SLOT_MINUTES: 30})

    rows = plan_rows(hass)
    assert len(rows) == 48
    for row, interval in zip(rows, intervals, strict=True):
        assert (
            datetime.fromisoformat(row["start"])
            == datetime.fromisoformat(interval["end_time"]) - HALF_HOUR
        )
        assert row["import_price"] == interval["per_kwh"]
    price = hass.states.get("sensor.ems_import_price")
    assert price is not None
    assert float(price.state) == intervals[0]["per_kwh"]
    assert price.attributes["price_spike"] == "potential"
    assert (
        "Amber Electric forecasts a price spike from 2025-01-15 18:30"
        in plan_issues(hass)
    )
    inputs = hass.states.get("sensor.ems_inputs")
    assert inputs is not None
    assert inputs.state == "ok"


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2024, 4, 7), 25), (date(2024, 10, 6), 23)]
)
async def test_amber_on_sydney_dst_days(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, day: date, hours: int
) -> None:
    """Sydney's DST days: 50 or 46 half-hours, the plan ends at the local midnight."""
    midnight = await start(hass, freezer, SYDNEY, day)
    show_amber(hass, amber_day(midnight, hours * 2))
    await setup_ems(
        hass, **{CONF_PRICE_ENTITY: AMBER_GENERAL_PRICE, CONF_SLOT_MINUTES: 30}
    )
    rows = plan_rows(hass)
    assert len(rows) == hours * 2
    next_midnight = datetime.combine(
        day + timedelta(days=1), datetime.min.time(), SYDNEY
    )
    assert datetime.fromisoformat(rows[-1]["end"]) == next_midnight


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2024, 3, 31), 23), (date(2024, 10, 27), 25)]
)
async def test_octopus_rates_on_london_dst_days(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, day: date, hours: int
) -> None:
    """Octopus Agile: the current rate sensor leads to today's and tomorrow's events."""
    midnight = await start(hass, freezer, LONDON, day)
    # SE3's hourly prices of the same DST day (23 or 25 hours), two half-hours each.
    prices = [value / 1000 for _, value in se3_hours(day)]
    today = octopus_rates(
        [
            (midnight + index * HALF_HOUR, prices[index // 2])
            for index in range(hours * 2)
        ]
    )
    end = midnight + hours * 2 * HALF_HOUR
    tomorrow = octopus_rates([(end + index * HALF_HOUR, 0.25) for index in range(48)])
    hass.states.async_set(
        OCTOPUS_CURRENT_RATE,
        str(today[0]["value_inc_vat"]),
        octopus_current_rate(today[0]),
    )
    hass.states.async_set(
        OCTOPUS_CURRENT_DAY,
        midnight.isoformat(),
        octopus_event(today, "octopus_energy_electricity_current_day_rates"),
    )
    hass.states.async_set(
        OCTOPUS_NEXT_DAY,
        midnight.isoformat(),
        octopus_event(tomorrow, "octopus_energy_electricity_next_day_rates"),
    )
    await setup_ems(
        hass,
        **{
            CONF_PRICE_ENTITY: OCTOPUS_CURRENT_RATE,
            CONF_SLOT_MINUTES: 30,
            CONF_HORIZON_HOURS: 72,
        },
    )
    rows = plan_rows(hass)
    assert len(rows) == hours * 2 + 48
    assert [row["import_price"] for row in rows] == pytest.approx(
        [rate["value_inc_vat"] for rate in (*today, *tomorrow)], abs=1e-4
    )
    assert datetime.fromisoformat(rows[hours * 2]["start"]) == end


def nordpool_core_service(hass: HomeAssistant, calls: list[dict[str, Any]]) -> None:
    """Register core Nord Pool's action: areas in capitals, per MWh, ISO strings."""

    async def get_prices_for_date(call: ServiceCall) -> dict[str, Any]:
        calls.append(dict(call.data))
        assert call.data["areas"] == ["SE3"]
        if date.fromisoformat(call.data["date"]) != SE3_DAY:
            return {}
        return {
            "SE3": [
                {
                    "start": start.astimezone(STOCKHOLM).isoformat(),
                    "end": (start + QUARTER).astimezone(STOCKHOLM).isoformat(),
                    "price": value,
                }
                for start, value in se3_quarter_hours()
            ]
        }

    hass.services.async_register(
        "nordpool",
        "get_prices_for_date",
        get_prices_for_date,
        supports_response=SupportsResponse.ONLY,
    )


def tibber_service(hass: HomeAssistant) -> None:
    """Register Tibber's action: totals per kWh per hour, one home."""

    async def get_prices(call: ServiceCall) -> dict[str, Any]:
        begin = datetime.fromisoformat(call.data["start"])
        return {
            "prices": {
                "Hemma": [
                    {
                        "start_time": (begin + hour * timedelta(hours=1)).isoformat(),
                        "price": 1.5,
                        "level": "NORMAL",
                    }
                    for hour in range(24)
                ]
            }
        }

    hass.services.async_register(
        "tibber", "get_prices", get_prices, supports_response=SupportsResponse.ONLY
    )


def entsoe_export() -> dict[str, Any]:
    """Return an ENTSO-e sensor's attributes: SE3's hours of 2024-10-01 moved, €/kWh."""
    midnight = datetime.combine(SE3_DAY, datetime.min.time(), STOCKHOLM)
    return {
        "prices_today": [
            {
                "time": (midnight + hour * timedelta(hours=1)).isoformat(),
                "price": value / 1000,
            }
            for hour, (_, value) in enumerate(se3_hours(date(2024, 10, 1)))
        ],
        "prices_tomorrow": [],
        "unit_of_measurement": "€/kWh",
    }


@pytest.mark.parametrize("source", ["tibber", "nordpool_core", "nordpool_hacs"])
async def test_an_export_sensor_is_read_with_its_own_adapter(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, source: str
) -> None:
    """An export sensor of another source than the import is read as itself.

    Tibber or core Nord Pool import with a HACS Nord Pool export sensor, and HACS
    Nord Pool import with an ENTSO-e export sensor.
    """
    await start(hass, freezer, STOCKHOLM, SE3_DAY)
    calls: list[dict[str, Any]] = []
    quarters = se3_quarter_hours()
    options: dict[str, Any] = {CONF_EXPORT_PRICE_ENTITY: EXPORT, **EXPORT_TERMS}
    if source == "tibber":
        tibber_service(hass)
        options[CONF_PRICE_SOURCE] = "tibber"
    elif source == "nordpool_core":
        nordpool_core_service(hass, calls)
        # Typed in lower case: asked and read as SE3.
        options |= {
            CONF_PRICE_SOURCE: "nordpool_core",
            CONF_NORDPOOL_ENTRY: "nordpool_entry_id",
            CONF_NORDPOOL_AREA: "se3",
        }
    else:
        hass.states.async_set(PRICE, "556.68", hacs_nordpool(quarters))
    if source == "nordpool_hacs":
        hass.states.async_set(EXPORT, "0.05", entsoe_export())
        expected = [value / 1000 for _, value in se3_hours(date(2024, 10, 1))]
        exports = [expected[index // 4] for index in range(96)]
    else:
        hass.states.async_set(
            EXPORT,
            "100",
            hacs_nordpool(
                [(start, 100.0 + i) for i, (start, _) in enumerate(quarters)]
            ),
        )
        exports = [(100.0 + index) / 1000 for index in range(96)]
    await setup_ems(hass, **options)

    rows = plan_rows(hass)
    assert len(rows) == 96
    assert [row["export_price"] for row in rows] == pytest.approx(
        [price * 0.9 - 0.05 for price in exports], abs=1e-4
    )
    if source == "nordpool_core":
        assert rows[0]["import_price"] == pytest.approx(quarters[0][1] / 1000, abs=1e-4)
        assert {call["date"] for call in calls} == {"2025-10-01", "2025-10-02"}


async def test_no_plan_names_the_source_and_what_is_wrong(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Amber's forecast sensor alone starts at the next half-hour: every notice says so.

    The actions' errors, the plan's issues, `sensor.ems_inputs` and the repair issue.
    """
    midnight = await start(hass, freezer, SYDNEY, date(2025, 1, 15))
    intervals = amber_day(midnight, 48)
    hass.states.async_set(
        AMBER_GENERAL_FORECAST,
        str(intervals[1]["per_kwh"]),
        amber_forecast(intervals[1:]),
    )
    entry = await setup_ems(
        hass, **{CONF_PRICE_ENTITY: AMBER_GENERAL_FORECAST, CONF_SLOT_MINUTES: 30}
    )
    reason = (
        f"import and export prices from {AMBER_GENERAL_FORECAST} (Amber Electric): "
        "no Amber current price sensor found for this channel"
    )
    assert plan_rows(hass) == []
    assert no_plan_because(hass) == (f"no price for the current slot: {reason}",)
    for action in ("replan", "explain"):
        with pytest.raises(HomeAssistantError) as raised:
            await hass.services.async_call(
                DOMAIN, action, {}, blocking=True, return_response=True
            )
        assert raised.value.translation_key == "no_plan"
        assert raised.value.translation_placeholders == {
            "issues": f"no price for the current slot: {reason}"
        }
    inputs = hass.states.get("sensor.ems_inputs")
    assert inputs is not None
    assert inputs.state == "degraded"
    assert inputs.attributes["problems"]["prices"] == f"no price for now: {reason}"
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"prices_missing_{entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders == {"title": "EMS", "source": reason}

    # The current sensor appears: a plan from now, and every notice goes.
    show_amber(hass, intervals)
    await hass.services.async_call(
        DOMAIN, "replan", {}, blocking=True, return_response=True
    )
    assert len(plan_rows(hass)) == 48
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, f"prices_missing_{entry.entry_id}")
        is None
    )


async def test_prices_that_start_later_are_named_with_their_start(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A list that begins after now: the error says when its first price starts."""
    midnight = await start(hass, freezer, STOCKHOLM, SE3_DAY)
    later = [
        (start, value)
        for start, value in se3_quarter_hours()
        if start >= midnight + timedelta(hours=1)
    ]
    hass.states.async_set(PRICE, "556.68", hacs_nordpool(later))
    await setup_ems(hass)
    reason = (
        f"import and export prices from {PRICE} (Nord Pool, HACS): "
        "its first price starts at 2025-10-01 01:00, after 2025-10-01 00:00"
    )
    assert no_plan_because(hass) == (f"no price for the current slot: {reason}",)
