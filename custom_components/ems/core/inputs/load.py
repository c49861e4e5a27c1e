"""Load forecast from hourly mean kW history, and how wrong a forecast was."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from statistics import fmean
from zoneinfo import ZoneInfo

from .align import resample_power
from .series import PowerPoint, PowerSeries, floor_instant

_HOUR = timedelta(hours=1)
PROFILE_MIN_HOURS = 24
"""Less history than a day: plan with a flat load."""
SAME_WEEKDAY_FULL_WEIGHT_WEEKS = 4
"""Weeks of one weekday's history at which that weekday gets its full weight."""
RECENCY_HALF_LIFE_DAYS = 3.0
"""Age at which history counts half: habits and seasons drift (chosen on the emhass
household, 105 days: next-day MAE 0.415 kW against 0.456 kW without decay)."""
SAME_WEEKDAY_MAX_WEIGHT = 0.25
"""Largest share of the same-weekday profile in the blend."""
REGRESSION_MIN_HOURS = 7 * 24
"""Hours of history with a temperature needed before temperature counts."""
REGRESSION_MIN_SPREAD = 3.0
"""Degrees of spread in the history's temperatures needed to fit a slope."""


class LoadMethod(StrEnum):
    """How a load forecast was made."""

    FLAT = "flat"
    ALL_DAYS = "all_days"
    BLENDED = "blended"


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadForecast:
    """Hourly load forecast and how it was made."""

    series: PowerSeries
    method: LoadMethod
    history_hours: int
    kw_per_degree: float | None


def forecast_load(
    *,
    history: Sequence[tuple[datetime, float]],
    start: datetime,
    hours: int,
    time_zone: str,
    fallback_kw: float,
    history_temperatures: Mapping[datetime, float] | None = None,
    forecast_temperatures: Mapping[datetime, float] | None = None,
) -> LoadForecast:
    """Forecast hourly mean load (kW) for `hours` hours from the hour holding `start`.

    `history` is the recorder's hourly means (hour start, kW). With less than a day of
    it the forecast is `fallback_kw` (the current load, or a default) throughout.
    Otherwise each local hour of day gets its mean over all days, blended (up to a
    quarter, after four weeks) with the mean of the same weekday and hour; means weigh
    a day of history half as much every `RECENCY_HALF_LIFE_DAYS`. With a
    week of temperatures (keyed by hour start, like `forecast_temperatures`) the
    profile's errors are regressed on temperature and the forecast corrected by it.
    """
    zone = ZoneInfo(time_zone)
    first = floor_instant(start, _HOUR)
    forecast_hours = [first + index * _HOUR for index in range(hours)]
    clean = [(moment.astimezone(UTC), kw) for moment, kw in history if kw >= 0]
    if len(clean) < PROFILE_MIN_HOURS:
        values = [max(fallback_kw, 0.0)] * hours
        return LoadForecast(
            series=_hourly_series(forecast_hours, values, first),
            method=LoadMethod.FLAT,
            history_hours=len(clean),
            kw_per_degree=None,
        )
    profile = _Profile(clean, zone)
    method = LoadMethod.BLENDED if profile.has_weekdays else LoadMethod.ALL_DAYS
    values = [profile.expected(moment) for moment in forecast_hours]
    slope = None
    if history_temperatures and forecast_temperatures:
        fit = _temperature_fit(clean, profile, history_temperatures)
        if fit is not None:
            intercept, slope = fit
            for index, moment in enumerate(forecast_hours):
                if (temperature := forecast_temperatures.get(moment)) is not None:
                    values[index] += intercept + slope * temperature
    return LoadForecast(
        series=_hourly_series(forecast_hours, [max(v, 0.0) for v in values], first),
        method=method,
        history_hours=len(clean),
        kw_per_degree=slope,
    )


class _Profile:
    """Mean load per local hour of day, and per weekday and hour of day."""

    def __init__(
        self, history: Sequence[tuple[datetime, float]], zone: ZoneInfo
    ) -> None:
        self._zone = zone
        latest = max(moment for moment, _ in history)
        by_hour: defaultdict[int, list[tuple[float, float]]] = defaultdict(list)
        by_weekday_hour: defaultdict[tuple[int, int], list[tuple[float, float]]] = (
            defaultdict(list)
        )
        for moment, kw in history:
            local = moment.astimezone(zone)
            age_days = (latest - moment) / timedelta(days=1)
            sample = (kw, 0.5 ** (age_days / RECENCY_HALF_LIFE_DAYS))
            by_hour[local.hour].append(sample)
            by_weekday_hour[local.weekday(), local.hour].append(sample)
        self._overall = fmean(kw for _, kw in history)
        self._by_hour = {
            hour: _weighted_mean(samples) for hour, samples in by_hour.items()
        }
        self._by_weekday_hour = {
            key: (_weighted_mean(samples), len(samples))
            for key, samples in by_weekday_hour.items()
        }
        self.has_weekdays = any(
            count >= 2 for _, count in self._by_weekday_hour.values()
        )

    def expected(self, moment: datetime) -> float:
        local = moment.astimezone(self._zone)
        all_days = self._by_hour.get(local.hour, self._overall)
        same_day, count = self._by_weekday_hour.get(
            (local.weekday(), local.hour), (0.0, 0)
        )
        if count < 2:
            return all_days
        weight = (
            SAME_WEEKDAY_MAX_WEIGHT
            * min(count, SAME_WEEKDAY_FULL_WEIGHT_WEEKS)
            / SAME_WEEKDAY_FULL_WEIGHT_WEEKS
        )
        return (1 - weight) * all_days + weight * same_day


def _weighted_mean(samples: Sequence[tuple[float, float]]) -> float:
    return fmean([kw for kw, _ in samples], [weight for _, weight in samples])


def _temperature_fit(
    history: Sequence[tuple[datetime, float]],
    profile: _Profile,
    temperatures: Mapping[datetime, float],
) -> tuple[float, float] | None:
    """Least squares of the profile's error on temperature: (intercept, kW per degree)."""
    utc_temperatures = {moment.astimezone(UTC): t for moment, t in temperatures.items()}
    pairs = [
        (utc_temperatures[moment], kw - profile.expected(moment))
        for moment, kw in history
        if moment in utc_temperatures
    ]
    if len(pairs) < REGRESSION_MIN_HOURS:
        return None
    xs = [t for t, _ in pairs]
    if max(xs) - min(xs) < REGRESSION_MIN_SPREAD:
        return None
    mean_x = fmean(xs)
    mean_y = fmean(error for _, error in pairs)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in pairs) / spread
    return mean_y - slope * mean_x, slope


def _hourly_series(
    moments: Sequence[datetime], values: Sequence[float], first: datetime
) -> PowerSeries:
    points = tuple(
        PowerPoint(start=moment, end=moment + _HOUR, kw=kw)
        for moment, kw in zip(moments, values, strict=True)
    )
    return PowerSeries(
        points=points, span_start=first, span_end=first + len(points) * _HOUR
    )


def mean_absolute_error(
    forecast: PowerSeries,
    measured: Sequence[tuple[datetime, float]],
    period: timedelta = _HOUR,
) -> float | None:
    """Mean |forecast - measured| in kW over the measured periods the forecast covers.

    `measured` holds (period start, mean kW), e.g. yesterday's hourly means. None when
    no measured period falls inside the forecast.
    """
    starts = [moment for moment, _ in measured]
    predicted = resample_power(forecast, starts, period)
    errors = [
        abs(guess - actual)
        for guess, (_, actual) in zip(predicted, measured, strict=True)
        if guess is not None
    ]
    return fmean(errors) if errors else None
