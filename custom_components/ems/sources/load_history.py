"""The house's load history from the recorder, the load forecast and its accuracy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from statistics import fmean
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.components.recorder.history import get_significant_states
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.const import UnitOfPower
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from custom_components.ems.core.config import ForecastConfig, HouseEntities
from custom_components.ems.core.house import derive_load_kw
from custom_components.ems.core.inputs import (
    LoadForecast,
    LoadMethod,
    forecast_load,
    resample_power,
)
from custom_components.ems.core.inputs.series import floor_instant, parse_number
from custom_components.ems.core.review import forecast_error

_HOUR = timedelta(hours=1)


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadAccuracy:
    """How far yesterday's load forecast, made at midnight, was from the measured load."""

    day: date
    mae_kw: float
    bias_kw: float  # mean of forecast - measured: positive when it expected too much
    method: LoadMethod
    history_hours: int


def hourly_loads(
    rows: Mapping[str, Sequence[Mapping[str, Any]]], statistic_ids: Sequence[str]
) -> list[tuple[datetime, float]]:
    """Return (hour start UTC, mean kW) of the load, or of grid + PV - battery."""
    means = [
        {
            row["start"]: float(row["mean"])
            for row in rows.get(statistic_id, ())
            if row.get("mean") is not None
        }
        for statistic_id in statistic_ids
    ]
    hours = set(means[0]).intersection(*means[1:])
    loads = [
        (
            dt_util.utc_from_timestamp(start),
            means[0][start]
            if len(means) == 1
            else derive_load_kw(*(one[start] for one in means)),
        )
        for start in hours
    ]
    return sorted(loads)


def hourly_temperatures(
    states: Sequence[State], begin: datetime, end: datetime
) -> dict[datetime, float]:
    """Return the mean temperature attribute per hour [begin, end), hours in UTC."""
    samples = sorted(
        (state.last_updated, value)
        for state in states
        if (value := parse_number(state.attributes.get("temperature"))) is not None
    )
    result: dict[datetime, float] = {}
    index, in_force = 0, None
    hour = floor_instant(begin, _HOUR)
    while hour < end:
        within: list[float] = []
        while index < len(samples) and samples[index][0] < hour + _HOUR:
            moment, value = samples[index]
            if moment <= hour:
                in_force = value
            else:
                within.append(value)
            index += 1
        values = [in_force, *within] if in_force is not None else within
        if values:
            result[hour] = fmean(values)
        in_force = within[-1] if within else in_force
        hour += _HOUR
    return result


class LoadHistory:
    """Hourly load means from the recorder's statistics, refreshed every hour."""

    def __init__(
        self, hass: HomeAssistant, house: HouseEntities, forecasts: ForecastConfig
    ) -> None:
        """Pick the statistics: the load sensor, else grid, PV and battery."""
        self.hass = hass
        self.statistic_ids: tuple[str, ...] = (
            (house.load_power,)
            if house.load_power
            else (house.grid_power, house.pv_power, house.battery_power)
        )
        self.weeks = forecasts.load_history_weeks
        self.weather_entity = forecasts.weather_entity
        self.history: list[tuple[datetime, float]] = []
        self.temperatures: dict[datetime, float] = {}
        self.accuracy: LoadAccuracy | None = None
        self._fetched_hour: datetime | None = None

    @property
    def zone(self) -> ZoneInfo:
        """Return the home's time zone."""
        return ZoneInfo(self.hass.config.time_zone)

    async def forecast(
        self,
        *,
        start: datetime,
        hours: int,
        fallback_kw: float | None,
        forecast_temperatures: Mapping[datetime, float] | None,
        now: datetime,
    ) -> LoadForecast:
        """Forecast the load for `hours` hours from the hour holding `start`."""
        hour = floor_instant(now, _HOUR)
        if self._fetched_hour != hour:
            self._fetched_hour = hour
            await self._refresh(hour)
        if fallback_kw is None:
            fallback_kw = self.history[-1][1] if self.history else 0.0
        return forecast_load(
            history=self.history,
            start=start,
            hours=hours,
            time_zone=self.hass.config.time_zone,
            fallback_kw=fallback_kw,
            history_temperatures=self.temperatures or None,
            forecast_temperatures=forecast_temperatures,
        )

    async def _refresh(self, hour: datetime) -> None:
        """Read the last weeks of statistics (and temperatures) from the recorder."""
        if "recorder" not in self.hass.config.components:
            return
        begin = hour - timedelta(weeks=self.weeks)
        instance = get_instance(self.hass)
        rows = await instance.async_add_executor_job(
            statistics_during_period,
            self.hass,
            begin,
            hour,
            set(self.statistic_ids),
            "hour",
            {"power": UnitOfPower.KILO_WATT},
            {"mean"},
        )
        self.history = hourly_loads(rows, self.statistic_ids)
        if self.weather_entity is not None:
            states = await instance.async_add_executor_job(
                partial(
                    get_significant_states,
                    self.hass,
                    begin,
                    hour,
                    [self.weather_entity],
                    significant_changes_only=False,
                )
            )
            self.temperatures = hourly_temperatures(
                [
                    s
                    for s in states.get(self.weather_entity, ())
                    if isinstance(s, State)
                ],
                begin,
                hour,
            )
        self.accuracy = self._yesterday(hour)

    def _yesterday(self, now: datetime) -> LoadAccuracy | None:
        """Replay the forecast made at yesterday's midnight against what was measured."""
        today = now.astimezone(self.zone).date()
        begin = datetime.combine(today - timedelta(days=1), time(), self.zone)
        end = datetime.combine(today, time(), self.zone)
        begin, end = begin.astimezone(UTC), end.astimezone(UTC)
        before = [(moment, kw) for moment, kw in self.history if moment < begin]
        measured = [(m, kw) for m, kw in self.history if begin <= m < end]
        if not before or not measured:
            return None
        temperatures = self.temperatures or None
        forecast = forecast_load(
            history=before,
            start=begin,
            hours=(end - begin) // _HOUR,
            time_zone=self.hass.config.time_zone,
            fallback_kw=before[-1][1],
            history_temperatures=temperatures,
            forecast_temperatures=temperatures,
        )
        predicted = resample_power(forecast.series, [m for m, _ in measured], _HOUR)
        error = forecast_error(
            (guess, actual)
            for guess, (_, actual) in zip(predicted, measured, strict=True)
            if guess is not None
        )
        if error is None:
            return None
        return LoadAccuracy(
            day=today - timedelta(days=1),
            mae_kw=error.mae_kw,
            bias_kw=error.bias_kw,
            method=forecast.method,
            history_hours=forecast.history_hours,
        )
