"""The house's measured load and PV from the recorder, and the load forecast's accuracy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.const import UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from custom_components.ems.core.config import ForecastConfig, HouseEntities
from custom_components.ems.core.house import derive_load_kw
from custom_components.ems.core.inputs.load_model import SlotHistory, day_ahead_error
from custom_components.ems.core.inputs.series import floor_instant, hourly_on_slots
from custom_components.ems.core.situation import History

_HOUR = timedelta(hours=1)


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadAccuracy:
    """How far yesterday's load forecast, made at midnight, was from the measured load."""

    day: date
    mae_kw: float
    bias_kw: float  # mean of forecast - measured: positive when it expected too much
    history_hours: int


def hourly_means(
    rows: Mapping[str, Sequence[Mapping[str, Any]]], statistic_ids: Sequence[str]
) -> dict[datetime, float]:
    """Return the mean kW per hour start (UTC) of one statistic, or grid + PV - battery.

    An hour counts only when every statistic has a mean for it.
    """
    means = [
        {
            row["start"]: float(row["mean"])
            for row in rows.get(statistic_id, ())
            if row.get("mean") is not None
        }
        for statistic_id in statistic_ids
    ]
    hours = set(means[0]).intersection(*means[1:])
    return {
        dt_util.utc_from_timestamp(start): means[0][start]
        if len(means) == 1
        else derive_load_kw(*(one[start] for one in means))
        for start in hours
    }


class HouseHistory:
    """Hourly means of the load and PV from the recorder's statistics, read hourly."""

    def __init__(
        self, hass: HomeAssistant, house: HouseEntities, forecasts: ForecastConfig
    ) -> None:
        """Pick the statistics: the load sensor, else grid, PV and battery; and PV."""
        self.hass = hass
        self.load_ids: tuple[str, ...] = (
            (house.load_power,)
            if house.load_power
            else (house.grid_power, house.pv_power, house.battery_power)
        )
        self.pv_id = house.pv_power
        self.weeks = forecasts.load_history_weeks
        self.load: dict[datetime, float] = {}
        self.pv: dict[datetime, float] = {}
        self.accuracy: LoadAccuracy | None = None
        self._fetched_hour: datetime | None = None

    @property
    def zone(self) -> ZoneInfo:
        """Return the home's time zone."""
        return ZoneInfo(self.hass.config.time_zone)

    async def slots(
        self, *, until: datetime, minutes: int, load_now_kw: float | None
    ) -> History:
        """Return the measured load and PV per slot over the weeks before `until`.

        `until` is the current slot's start; the slots of the running hour have no
        statistics yet and are gaps. With no load history at all (a new install),
        the load measured now stands for the slot before `until`.
        """
        hour = floor_instant(until, _HOUR)
        if self._fetched_hour != hour:
            self._fetched_hour = hour
            await self._refresh(hour)
        begin = hour - timedelta(weeks=self.weeks)
        load = hourly_on_slots(self.load, begin, until, minutes)
        if load_now_kw is not None and load and all(kw is None for kw in load):
            load = (*load[:-1], load_now_kw)
        return History(
            start=begin,
            load_kw=load,
            pv_kw=hourly_on_slots(self.pv, begin, until, minutes),
        )

    async def _refresh(self, hour: datetime) -> None:
        """Read the last weeks of statistics from the recorder."""
        if "recorder" not in self.hass.config.components:
            return
        rows = await get_instance(self.hass).async_add_executor_job(
            statistics_during_period,
            self.hass,
            hour - timedelta(weeks=self.weeks),
            hour,
            {*self.load_ids, self.pv_id},
            "hour",
            {"power": UnitOfPower.KILO_WATT},
            {"mean"},
        )
        self.load = hourly_means(rows, self.load_ids)
        self.pv = hourly_means(rows, (self.pv_id,))
        self.accuracy = self._yesterday(hour)

    def _yesterday(self, now: datetime) -> LoadAccuracy | None:
        """Replay the forecast made at yesterday's midnight against what was measured."""
        today = now.astimezone(self.zone).date()
        day = datetime.combine(today - timedelta(days=1), time(), self.zone)
        begin = floor_instant(now - timedelta(weeks=self.weeks), _HOUR)
        history = SlotHistory(
            start=begin, minutes=60, values=hourly_on_slots(self.load, begin, now, 60)
        )
        error = day_ahead_error(history, day=day, zone=self.zone)
        if error is None:
            return None
        before = day.astimezone(UTC)
        return LoadAccuracy(
            day=day.date(),
            mae_kw=error.mae_kw,
            bias_kw=error.bias_kw,
            history_hours=sum(1 for moment in self.load if moment < before),
        )
