"""PV and weather forecasts through the options onto the plan's slots, and their age."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, ServiceCall, SupportsResponse
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    mock_platform,
)

from custom_components.ems.const import (
    CONF_FORECAST_SOLAR_ENTRIES,
    CONF_FORECAST_SOLAR_ENTRY,
    CONF_PV_SOURCE,
    CONF_SLOT_MINUTES,
    CONF_SOLCAST_ENTITIES,
    CONF_SOLCAST_ESTIMATE,
    CONF_WEATHER_ENTITY,
)

from .conftest import POWER_ATTRIBUTES, PRICE, PV, set_house
from .forecast_payloads import (
    HOUR,
    STOCKHOLM,
    hacs_nordpool,
    plan_issues,
    plan_rows,
    se3_quarter_hours,
    setup_ems,
    solcast_day,
)

DAY = date(2025, 10, 1)
TOMORROW = date(2025, 10, 2)
MIDNIGHT = datetime.combine(DAY, datetime.min.time(), STOCKHOLM)
SOLCAST_TODAY = "sensor.solcast_pv_forecast_forecast_today"
SOLCAST_TOMORROW = "sensor.solcast_pv_forecast_forecast_tomorrow"
WEATHER = "weather.home"


@pytest.fixture
async def stockholm(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Stockholm, 00:02 on 2025-10-01, with SE3 prices for today and tomorrow."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to(MIDNIGHT + timedelta(minutes=2))
    set_house(hass, soc="50", battery_w="0", pv_w="3400", grid_w="-2000")
    hass.states.async_set(
        PRICE,
        "556.68",
        hacs_nordpool(se3_quarter_hours(), se3_quarter_hours(TOMORROW)),
    )


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, **delta: int
) -> None:
    """Move time on and let the slot clock plan again."""
    freezer.tick(timedelta(**delta))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("stockholm")
async def test_solcast_cautious_estimate_over_two_days(hass: HomeAssistant) -> None:
    """Half-hourly Solcast kW hold over quarter-hours; the day's energy is kept."""
    today, tomorrow = solcast_day(DAY), solcast_day(TOMORROW, scale=0.5)
    hass.states.async_set(SOLCAST_TODAY, "20.1", today)
    hass.states.async_set(SOLCAST_TOMORROW, "10.0", tomorrow)
    await setup_ems(
        hass,
        **{
            CONF_PV_SOURCE: "solcast",
            CONF_SOLCAST_ENTITIES: [SOLCAST_TODAY, SOLCAST_TOMORROW],
            CONF_SOLCAST_ESTIMATE: "pv_estimate10",
        },
    )
    rows = plan_rows(hass)
    assert len(rows) == 192
    half_hours = [*today["detailedForecast"], *tomorrow["detailedForecast"]]
    for index, row in enumerate(rows):
        assert row["pv_kw"] == pytest.approx(
            half_hours[index // 2]["pv_estimate10"], abs=1e-3
        )
    planned_kwh = sum(row["pv_kw"] * 0.25 for row in rows[:96])
    forecast_kwh = sum(entry["pv_estimate10"] * 0.5 for entry in half_hours[:48])
    assert planned_kwh == pytest.approx(forecast_kwh, abs=0.01)
    assert forecast_kwh > 5
    assert plan_issues(hass) == []


@pytest.mark.usefixtures("stockholm")
async def test_solcast_going_stale_is_flagged(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Solcast not updated for more than twice its 3-hour period: the plan says so."""
    hass.states.async_set(SOLCAST_TODAY, "20.1", solcast_day(DAY))
    hass.states.async_set(SOLCAST_TOMORROW, "10.0", solcast_day(TOMORROW))
    await setup_ems(
        hass,
        **{
            CONF_PV_SOURCE: "solcast",
            CONF_SOLCAST_ENTITIES: [SOLCAST_TODAY, SOLCAST_TOMORROW],
        },
    )
    await tick(hass, freezer, hours=5)
    assert plan_issues(hass) == []
    await tick(hass, freezer, hours=2)
    assert plan_issues(hass) == [
        "Solcast PV forecast is stale: updated 7.0 h ago (expected every 3 h)"
    ]
    # A new forecast arrives: the flag goes at the next plan.
    hass.states.async_set(SOLCAST_TODAY, "19.0", solcast_day(DAY, scale=0.9))
    await tick(hass, freezer, minutes=5)
    assert plan_issues(hass) == []


def forecast_solar_response(days: list[dict[str, Any]]) -> dict[str, Any]:
    """Return what Forecast.Solar's energy platform answers: Wh keyed by hour END.

    Built from the Solcast-shaped days (kW per half-hour); the day's first key, at
    sunrise, carries 0 as the library's does.
    """
    wh_hours: dict[str, float] = {}
    for day in days:
        halves = day["detailedForecast"]
        sunrise_seen = False
        for first, second in zip(halves[::2], halves[1::2], strict=True):
            wh = (first["pv_estimate"] + second["pv_estimate"]) / 2 * 1000
            if wh <= 0:
                continue
            start: datetime = first["period_start"]
            if not sunrise_seen:
                wh_hours[start.isoformat()] = 0
                sunrise_seen = True
            wh_hours[(start + HOUR).isoformat()] = round(wh)
    return {"wh_hours": wh_hours}


@pytest.mark.usefixtures("stockholm")
async def test_forecast_solar_through_its_energy_platform(hass: HomeAssistant) -> None:
    """Forecast.Solar's Wh per hour (keys at the hour's end) become hourly kW."""
    days = [solcast_day(DAY), solcast_day(TOMORROW, scale=0.8)]
    response = forecast_solar_response(days)
    entry = MockConfigEntry(domain="forecast_solar", title="Roof")
    entry.add_to_hass(hass)

    async def async_get_solar_forecast(
        hass: HomeAssistant, config_entry_id: str
    ) -> dict[str, Any] | None:
        return response if config_entry_id == entry.entry_id else None

    # The integration's energy platform, as Home Assistant's loader hands it out.
    mock_platform(
        hass,
        "forecast_solar.energy",
        SimpleNamespace(async_get_solar_forecast=async_get_solar_forecast),
    )
    await setup_ems(
        hass,
        **{
            CONF_PV_SOURCE: "forecast_solar",
            CONF_FORECAST_SOLAR_ENTRY: entry.entry_id,
            CONF_SLOT_MINUTES: 60,
        },
    )
    rows = plan_rows(hass)
    assert len(rows) == 48
    for row in rows:
        end = (datetime.fromisoformat(row["start"]) + HOUR).astimezone(STOCKHOLM)
        assert row["pv_kw"] == pytest.approx(
            response["wh_hours"].get(end.isoformat(), 0) / 1000, abs=1e-3
        )
    total_kwh = sum(row["pv_kw"] for row in rows)
    assert total_kwh == pytest.approx(sum(response["wh_hours"].values()) / 1000)
    assert plan_issues(hass) == []


def roofs(
    hass: HomeAssistant, responses: dict[str, dict[str, Any]]
) -> list[MockConfigEntry]:
    """Add a Forecast.Solar entry per roof, answered by its energy platform."""
    entries = [
        MockConfigEntry(domain="forecast_solar", title=title) for title in responses
    ]
    by_id = {
        entry.entry_id: response
        for entry, response in zip(entries, responses.values(), strict=True)
    }
    for entry in entries:
        entry.add_to_hass(hass)

    async def async_get_solar_forecast(
        hass: HomeAssistant, config_entry_id: str
    ) -> dict[str, Any] | None:
        return by_id.get(config_entry_id)

    mock_platform(
        hass,
        "forecast_solar.energy",
        SimpleNamespace(async_get_solar_forecast=async_get_solar_forecast),
    )
    return entries


@pytest.mark.usefixtures("stockholm")
async def test_two_forecast_solar_roofs_are_summed(hass: HomeAssistant) -> None:
    """East and west roofs, one Forecast.Solar entry each: the plan expects both."""
    east = forecast_solar_response([solcast_day(DAY), solcast_day(TOMORROW)])
    west = forecast_solar_response(
        [solcast_day(DAY, scale=0.6), solcast_day(TOMORROW, scale=0.6)]
    )
    entries = roofs(hass, {"East": east, "West": west})
    await setup_ems(
        hass,
        **{
            CONF_PV_SOURCE: "forecast_solar",
            CONF_FORECAST_SOLAR_ENTRIES: [entry.entry_id for entry in entries],
            CONF_SLOT_MINUTES: 60,
        },
    )
    rows = plan_rows(hass)
    assert len(rows) == 48
    for row in rows:
        end = (datetime.fromisoformat(row["start"]) + HOUR).astimezone(STOCKHOLM)
        wh = east["wh_hours"].get(end.isoformat(), 0) + west["wh_hours"].get(
            end.isoformat(), 0
        )
        assert row["pv_kw"] == pytest.approx(wh / 1000, abs=2e-3)
    total = sum(east["wh_hours"].values()) + sum(west["wh_hours"].values())
    assert sum(row["pv_kw"] for row in rows) == pytest.approx(total / 1000, abs=0.01)
    assert plan_issues(hass) == []


@pytest.mark.usefixtures("stockholm")
async def test_solcast_and_forecast_solar_are_summed(hass: HomeAssistant) -> None:
    """Solcast for one array, Forecast.Solar for another; a roof that fails is named."""
    hass.states.async_set(SOLCAST_TODAY, "20.1", solcast_day(DAY))
    hass.states.async_set(SOLCAST_TOMORROW, "10.0", solcast_day(TOMORROW))
    garage = forecast_solar_response(
        [solcast_day(DAY, scale=0.3), solcast_day(TOMORROW, scale=0.3)]
    )
    entries = roofs(hass, {"Garage": garage})
    await setup_ems(
        hass,
        **{
            CONF_PV_SOURCE: "solcast_and_forecast_solar",
            CONF_SOLCAST_ENTITIES: [SOLCAST_TODAY, SOLCAST_TOMORROW],
            CONF_FORECAST_SOLAR_ENTRIES: [entries[0].entry_id, "gone_entry_id"],
            CONF_SLOT_MINUTES: 60,
        },
    )
    rows = plan_rows(hass)
    assert len(rows) == 48
    halves = [
        *solcast_day(DAY)["detailedForecast"],
        *solcast_day(TOMORROW)["detailedForecast"],
    ]
    for index, row in enumerate(rows):
        solcast_kw = (
            halves[2 * index]["pv_estimate"] + halves[2 * index + 1]["pv_estimate"]
        ) / 2
        end = (datetime.fromisoformat(row["start"]) + HOUR).astimezone(STOCKHOLM)
        garage_kw = garage["wh_hours"].get(end.isoformat(), 0) / 1000
        assert row["pv_kw"] == pytest.approx(solcast_kw + garage_kw, abs=2e-3)
    inputs = hass.states.get("sensor.ems_inputs")
    assert inputs is not None
    assert inputs.attributes["problems"]["pv_forecast"] == (
        "Forecast.Solar gone_entry_id: entry gone_entry_id is not loaded"
    )


@pytest.mark.usefixtures("stockholm")
async def test_without_pv_forecast_the_measured_pv_holds_one_slot(
    hass: HomeAssistant,
) -> None:
    """No PV forecast: the measured 3.4 kW for the current slot, nothing after."""
    await setup_ems(hass)
    rows = plan_rows(hass)
    assert rows[0]["pv_kw"] == 3.4
    assert {row["pv_kw"] for row in rows[1:]} == {0.0}


@pytest.mark.usefixtures("stockholm")
async def test_weather_is_asked_every_30_minutes_and_flagged_when_stale(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """`weather.get_forecasts` is cached for 30 minutes; an hour without it is stale."""
    # Night: no PV production that would be planned without a PV forecast.
    hass.states.async_set(PV, "0", POWER_ATTRIBUTES)
    calls: list[dict[str, Any]] = []
    failing = False

    async def get_forecasts(call: ServiceCall) -> dict[str, Any]:
        calls.append(dict(call.data))
        if failing:
            raise HomeAssistantError("weather service down")
        return {
            WEATHER: {
                "forecast": [
                    {
                        "datetime": (MIDNIGHT + hour * HOUR).isoformat(),
                        "temperature": 8.0 - hour / 4,
                        "condition": "cloudy",
                    }
                    for hour in range(48)
                ]
            }
        }

    hass.services.async_register(
        "weather",
        "get_forecasts",
        get_forecasts,
        supports_response=SupportsResponse.ONLY,
    )
    await setup_ems(hass, **{CONF_WEATHER_ENTITY: WEATHER})
    assert calls == [{"type": "hourly", "entity_id": WEATHER}]
    for _ in range(5):
        await tick(hass, freezer, minutes=5)
    assert len(calls) == 1
    await tick(hass, freezer, minutes=5)
    assert len(calls) == 2
    failing = True
    await tick(hass, freezer, minutes=30)
    await tick(hass, freezer, minutes=30)
    assert len(calls) == 4
    assert plan_issues(hass) == []
    await tick(hass, freezer, minutes=5)
    assert plan_issues(hass) == [
        "Weather forecast is stale: updated 1.1 h ago (expected every 0.5 h)"
    ]


@pytest.mark.usefixtures("stockholm")
async def test_producing_without_a_pv_forecast_is_reported(hass: HomeAssistant) -> None:
    """PV produces while no forecast is set up: the inputs sensor and the plan say so."""
    await setup_ems(hass)
    inputs = hass.states.get("sensor.ems_inputs")
    assert inputs is not None
    assert inputs.state == "degraded"
    assert "no PV forecast is set up" in inputs.attributes["problems"]["pv_forecast"]
    assert any("no PV forecast is set up" in issue for issue in plan_issues(hass))
