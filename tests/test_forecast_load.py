"""The load forecast from the recorder's statistics, and yesterday's forecast error."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from statistics import fmean
from typing import Any, cast
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.core import Recorder
from homeassistant.components.recorder.models import (
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.ems.const import CONF_LOAD_POWER_ENTITY, CONF_SLOT_MINUTES
from custom_components.ems.core.inputs.load_model import (
    LoadModel,
    SlotHistory,
    forecast_slots,
)

from .conftest import BATTERY, GRID, LOAD, PRICE, PV, set_house
from .forecast_payloads import (
    HOUR,
    STOCKHOLM,
    hacs_nordpool,
    plan_rows,
    se3_quarter_hours,
    setup_ems,
)
from .inputs.shared_data import hourly_means

TODAY = date(2024, 11, 8)
MIDNIGHT = datetime.combine(TODAY, datetime.min.time(), STOCKHOLM)
ERROR_SENSOR = "sensor.ems_load_forecast_error"


def history(days: int) -> list[tuple[datetime, float]]:
    """Return the emhass household's hourly mean load (kW) for `days` x 24 h before now.

    Counted in hours, not local days: the recorder is asked for whole weeks of hours,
    and 28 days back crosses the end of summer time.
    """
    end = MIDNIGHT.astimezone(UTC)
    return hourly_means(end - timedelta(days=days), end)


def import_power(
    hass: HomeAssistant, entity_id: str, rows: list[tuple[datetime, float]]
) -> None:
    """Put hourly means (kW) into the recorder's statistics, in W as sensors report."""
    metadata: dict[str, Any] = {
        "has_sum": False,
        "mean_type": StatisticMeanType.ARITHMETIC,
        "name": None,
        "source": "recorder",
        "statistic_id": entity_id,
        "unit_of_measurement": "W",
    }
    # Home Assistant 2025.12 on names the unit's class; older releases refuse the key.
    if "unit_class" in StatisticMetaData.__annotations__:
        metadata["unit_class"] = "power"
    async_import_statistics(
        hass,
        cast("StatisticMetaData", metadata),
        [
            {"start": start, "mean": kw * 1000, "min": kw * 1000, "max": kw * 1000}
            for start, kw in rows
        ],
    )


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant itself (it needs the database first)."""


@pytest.fixture
async def stockholm(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Stockholm, 00:02 on 2024-11-08: today's SE3 prices, a 0.8 kW load."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to(MIDNIGHT + timedelta(minutes=2))
    set_house(hass, soc="50", battery_w="0", pv_w="0", grid_w="800")
    hass.states.async_set(LOAD, "800", {"unit_of_measurement": "W"})
    hass.states.async_set(PRICE, "556.68", hacs_nordpool(se3_quarter_hours(TODAY)))


def slot_history(known: list[tuple[datetime, float]], before: datetime) -> SlotHistory:
    """Return the hourly history of the 4 weeks (the default) before `before`."""
    begin = MIDNIGHT.astimezone(UTC) - timedelta(weeks=4)
    by_hour = dict(known)
    hours = round((before.astimezone(UTC) - begin) / HOUR)
    return SlotHistory(
        start=begin,
        minutes=60,
        values=tuple(by_hour.get(begin + index * HOUR) for index in range(hours)),
    )


def expected_load(known: list[tuple[datetime, float]]) -> list[float]:
    """Return the load the plan should use: the load model on the hourly history."""
    history = slot_history(known, MIDNIGHT)
    last = [kw for kw in history.values if kw is not None][-4:]
    forecast = forecast_slots(
        history,
        count=24,
        zone=ZoneInfo("Europe/Stockholm"),
        fallback_kw=fmean(last),
        model=LoadModel(),
    )
    return [float(kw) for kw in forecast]


def yesterday_errors(known: list[tuple[datetime, float]]) -> list[float]:
    """Forecast - measured per hour of yesterday, the forecast made at its midnight."""
    begin = MIDNIGHT - timedelta(days=1)
    history = slot_history(known, begin)
    measured = [kw for moment, kw in known if moment >= begin.astimezone(UTC)]
    forecast = forecast_slots(
        history,
        count=24,
        zone=ZoneInfo("Europe/Stockholm"),
        fallback_kw=[kw for kw in history.values if kw is not None][-1],
        model=LoadModel(),
    )
    return [guess - kw for guess, kw in zip(forecast, measured, strict=False)]


@pytest.mark.usefixtures("stockholm")
async def test_no_history_plans_with_the_measured_load(hass: HomeAssistant) -> None:
    """A new install: the measured load holds; the error sensor waits for history."""
    await setup_ems(hass, **{CONF_LOAD_POWER_ENTITY: LOAD, CONF_SLOT_MINUTES: 60})
    rows = plan_rows(hass)
    assert len(rows) == 24
    assert {row["load_kw"] for row in rows} == {0.8}
    state = hass.states.get(ERROR_SENSOR)
    assert state is not None
    assert state.state == "unavailable"


@pytest.mark.parametrize("days", [3, 28])
@pytest.mark.usefixtures("stockholm")
async def test_load_forecast_from_statistics(hass: HomeAssistant, days: int) -> None:
    """Hourly statistics in W become the hourly load profile; yesterday is scored."""
    known = history(days)
    assert len(known) >= days * 24 - 2
    import_power(hass, LOAD, known)
    await async_wait_recording_done(hass)
    await setup_ems(hass, **{CONF_LOAD_POWER_ENTITY: LOAD, CONF_SLOT_MINUTES: 60})

    planned = [row["load_kw"] for row in plan_rows(hass)]
    assert planned == pytest.approx(expected_load(known), abs=1e-3)
    # A profile, not a flat line: the evening peak stands out.
    assert max(planned) - min(planned) > 0.3

    errors = yesterday_errors(known)
    state = hass.states.get(ERROR_SENSOR)
    assert state is not None
    assert float(state.state) == pytest.approx(fmean(map(abs, errors)), abs=1e-3)
    assert state.attributes["unit_of_measurement"] == "kW"
    assert state.attributes["day"] == "2024-11-07"
    assert state.attributes["history_hours"] == len(known) - 24
    bias = hass.states.get("sensor.ems_load_forecast_bias")
    assert bias is not None
    assert float(bias.state) == pytest.approx(fmean(errors), abs=1e-3)
    assert bias.attributes["day"] == "2024-11-07"


@pytest.mark.usefixtures("stockholm")
async def test_derived_load_history(hass: HomeAssistant) -> None:
    """Without a load sensor the history is grid + PV - battery, hour by hour."""
    known = history(3)
    pv = [(moment, 0.5 if 8 <= moment.hour < 16 else 0.0) for moment, _ in known]
    battery = [(moment, 0.2) for moment, _ in known]
    grid = [
        (moment, kw - solar + 0.2)
        for (moment, kw), (_, solar) in zip(known, pv, strict=True)
    ]
    for entity_id, rows in ((GRID, grid), (PV, pv), (BATTERY, battery)):
        import_power(hass, entity_id, rows)
    await async_wait_recording_done(hass)
    await setup_ems(hass, **{CONF_SLOT_MINUTES: 60})
    planned = [row["load_kw"] for row in plan_rows(hass)]
    assert planned == pytest.approx(expected_load(known), abs=1e-3)
