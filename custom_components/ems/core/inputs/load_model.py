"""Load forecast per slot from past actuals only: profile, day type and recent level.

The history is a regular series (one mean kW per slot, None where the recorder has a
hole) ending where the forecast starts. Each target slot gets the recency-weighted mean
of the same local time of day, blended with the same day type (working day or
weekend), plus the recent deviation from that profile, fading with the lead time.
The defaults were chosen on the FR household's year (docs/benchmarks.md, "Load
forecast"); `day_ahead_error` is the metric there and in `sensor.ems_load_forecast_error`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from itertools import pairwise
import math

import numpy as np
import numpy.typing as npt

type FloatArray = npt.NDArray[np.float64]

_DAY_MINUTES = 24 * 60
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Chosen on the FR household's year (bench/load_forecast.py): day-ahead MAE 0.436 kW
# against 0.465 for the mean of the last 7 days and 0.456 for the former profile
# (half-life 3 days, no day type, no level); next hour 0.37 against 0.465 and 0.456.
HALF_LIFE_DAYS = 1.5
DAY_TYPE_WEIGHT = 0.5
LEVEL_HALF_LIFE_HOURS = 2.0


@dataclass(frozen=True, kw_only=True, slots=True)
class SlotHistory:
    """Mean kW per slot from `start`, `minutes` apart; None where nothing was measured."""

    start: datetime
    minutes: int
    values: tuple[float | None, ...]

    @property
    def end(self) -> datetime:
        """Return the end of the last slot."""
        start = self.start.astimezone(UTC)
        return start + timedelta(minutes=self.minutes * len(self.values))


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadModel:
    """How the forecast weighs its history."""

    days: int = 28
    """Days of history used at most."""
    half_life_days: float = HALF_LIFE_DAYS
    """Age at which a day of history counts half."""
    day_type_weight: float = DAY_TYPE_WEIGHT
    """Largest share of the same day type's profile (working day or weekend)."""
    level_half_life_hours: float = LEVEL_HALF_LIFE_HOURS
    """Lead time at which the recent deviation from the profile counts half; 0: none."""
    level_hours: float = 1.0
    """Hours of recent history whose mean deviation is carried forward."""


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadError:
    """How far a forecast was from what was measured: MAE and bias (forecast - measured)."""

    mae_kw: float
    bias_kw: float
    slots: int


def _offset_seconds(
    first: datetime, count: int, minutes: int, zone: tzinfo
) -> FloatArray:
    """UTC offset in seconds of each of `count` slots from `first` (DST-aware).

    The zone is asked once a day; a day whose offset changes is asked hour by hour.
    """
    utc_first = first.astimezone(UTC)

    def offset(hour: int) -> float:
        moment = (utc_first + timedelta(hours=hour)).astimezone(zone)
        return (moment.utcoffset() or timedelta()).total_seconds()

    hours = math.ceil(count * minutes / 60) + 1
    days = list(range(0, hours + 24, 24))
    daily = [offset(hour) for hour in days]
    hourly = np.repeat(daily[:-1], 24)[:hours]
    for day, (begin, end) in enumerate(pairwise(daily)):
        if begin != end:
            for hour in range(24 * day, min(24 * day + 24, hours)):
                hourly[hour] = offset(hour)
    result: FloatArray = hourly[(np.arange(count) * minutes) // 60]
    return result


def local_minutes(
    first: datetime, count: int, minutes: int, zone: tzinfo
) -> npt.NDArray[np.int64]:
    """Local wall-clock minutes since 1970-01-01 of `count` slots from `first`."""
    seconds = (first.astimezone(UTC) - _EPOCH).total_seconds()
    local = seconds + 60.0 * minutes * np.arange(count)
    local += _offset_seconds(first, count, minutes, zone)
    result: npt.NDArray[np.int64] = (local // 60).astype(np.int64)
    return result


def slot_keys(
    first: datetime, count: int, minutes: int, zone: tzinfo
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Local slot of day and weekend flag of `count` slots from `first`."""
    local = local_minutes(first, count, minutes, zone)
    slot_of_day = (local % _DAY_MINUTES) // minutes
    weekday = ((local // _DAY_MINUTES) + 3) % 7  # 1970-01-01 was a Thursday
    return slot_of_day, weekday >= 5


def forecast_slots(
    history: SlotHistory,
    *,
    count: int,
    zone: tzinfo,
    fallback_kw: float,
    model: LoadModel | None = None,
) -> tuple[float, ...]:
    """Forecast mean kW for `count` slots from the end of `history` (its step)."""
    model = model or LoadModel()
    minutes = history.minutes
    per_day = _DAY_MINUTES // minutes
    keep = min(len(history.values), model.days * per_day)
    values = np.array(
        [math.nan if v is None else v for v in history.values[-keep:]], dtype=float
    )
    first = history.end - timedelta(minutes=minutes * keep)
    known = ~np.isnan(values) & (np.nan_to_num(values, nan=-1.0) >= 0.0)
    if known.sum() < per_day:
        return (max(fallback_kw, 0.0),) * count
    past_keys, past_weekend = slot_keys(first, keep, minutes, zone)
    keys, weekend = slot_keys(history.end, count, minutes, zone)
    age_days = (keep - np.arange(keep)) / per_day
    weights = np.where(known, 0.5 ** (age_days / model.half_life_days), 0.0)
    kw = np.where(known, values, 0.0)
    total = np.bincount(past_keys, weights, per_day)
    sums = np.bincount(past_keys, weights * kw, per_day)
    overall = float(kw[known].mean())
    profile = np.where(total > 0.0, sums / np.maximum(total, 1e-12), overall)
    typed = past_keys + per_day * past_weekend
    type_total = np.bincount(typed, weights, 2 * per_day)
    type_sums = np.bincount(typed, weights * kw, 2 * per_day)
    type_profile = np.where(
        type_total > 0.0,
        type_sums / np.maximum(type_total, 1e-12),
        profile[np.arange(2 * per_day) % per_day],
    )
    target_typed = keys + per_day * weekend
    share = model.day_type_weight * np.minimum(
        type_total[target_typed] / np.maximum(total[keys], 1e-12) * 2.0, 1.0
    )
    mean = (1.0 - share) * profile[keys] + share * type_profile[target_typed]
    if model.level_half_life_hours > 0.0:
        recent = slice(keep - max(1, round(model.level_hours * 60 / minutes)), keep)
        past_share = model.day_type_weight * np.minimum(
            type_total[typed[recent]]
            / np.maximum(total[past_keys[recent]], 1e-12)
            * 2.0,
            1.0,
        )
        expected = (1.0 - past_share) * profile[past_keys[recent]] + (
            past_share * type_profile[typed[recent]]
        )
        residual = (values[recent] - expected)[known[recent]]
        if residual.size:
            lead_hours = (np.arange(count) + 0.5) * minutes / 60.0
            fade = 0.5 ** (lead_hours / model.level_half_life_hours)
            mean = mean + float(residual.mean()) * fade
    return tuple(np.maximum(mean, 0.0).tolist())


def day_ahead_error(
    history: SlotHistory, *, day: datetime, zone: tzinfo, model: LoadModel | None = None
) -> LoadError | None:
    """Return the error of the forecast made at `day` (a local midnight) for that day.

    Forecast from the history before `day`, compared with the measured slots of the
    day (those the history holds); None when the day has no measured slot.
    """
    minutes = history.minutes
    slot = timedelta(minutes=minutes)
    elapsed = day.astimezone(UTC) - history.start.astimezone(UTC)
    before = max(0, min(round(elapsed / slot), len(history.values)))
    next_day = datetime.combine(
        day.date() + timedelta(days=1), datetime.min.time(), zone
    )
    count = round((next_day.astimezone(UTC) - day.astimezone(UTC)) / slot)
    measured = history.values[before : before + count]
    known = [value for value in history.values[:before] if value is not None]
    forecast = forecast_slots(
        SlotHistory(
            start=history.start, minutes=minutes, values=history.values[:before]
        ),
        count=count,
        zone=zone,
        fallback_kw=known[-1] if known else 0.0,
        model=model,
    )
    errors = [
        guess - actual
        for guess, actual in zip(forecast, measured, strict=False)
        if actual is not None
    ]
    if not errors:
        return None
    return LoadError(
        mae_kw=sum(abs(error) for error in errors) / len(errors),
        bias_kw=sum(errors) / len(errors),
        slots=len(errors),
    )
