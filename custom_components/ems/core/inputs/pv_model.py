"""PV forecast corrected by how it fared: per time of day, and over the last hour.

A forecast service knows the sky, not the roof: panels facing west, shade in the
morning or a wrong peak power make it wrong the same way day after day. Where the
Situation carries the forecast for past slots (as it was then) next to what was
measured, each local time of day gets the ratio of the two sums over the recent days,
shrunk towards 1 where little PV was forecast, and the coming slots are scaled by it.
The last hour's ratio then scales the next hours, fading back to the forecast.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

import numpy as np

from .load_model import FloatArray, slot_keys

CALIBRATION_DAYS = 28
SHRINK_KWH = 0.5
"""Forecast energy (kWh per time of day) at which the ratio counts half."""
RATIO_BOUNDS = (0.5, 3.0)
LEVEL_MIN_KWH = 0.1
"""Forecast energy in the last hour below which the recent level is not trusted."""
LEVEL_BOUNDS = (0.2, 3.0)
LEVEL_HALF_LIFE_HOURS = 4.0
"""Chosen on the FR household's year: PV error over the next 6 h (daytime) 0.471 kW
against 0.545 kW for the calibrated forecast alone (1 to 8 h: 0.494 to 0.474)."""


def calibrate(
    *,
    start: datetime,
    minutes: int,
    forecast: FloatArray,
    measured: FloatArray,
    zone: tzinfo,
) -> FloatArray:
    """Ratio measured / forecast per local slot of day (1 where nothing is known).

    `forecast` and `measured` are the same past slots from `start` (NaN where
    unknown); the last `CALIBRATION_DAYS` days count.
    """
    per_day = 24 * 60 // minutes
    keep = min(forecast.size, measured.size, CALIBRATION_DAYS * per_day)
    guess, seen = forecast[forecast.size - keep :], measured[measured.size - keep :]
    both = ~np.isnan(guess) & ~np.isnan(seen)
    if not both.any():
        return np.ones(per_day)
    first = start.astimezone(UTC) + timedelta(minutes=minutes * (forecast.size - keep))
    keys, _ = slot_keys(first, keep, minutes, zone)
    hours = minutes / 60.0
    forecast_kwh = np.bincount(keys[both], guess[both] * hours, per_day)
    measured_kwh = np.bincount(keys[both], seen[both] * hours, per_day)
    ratio: FloatArray = np.clip(
        (measured_kwh + SHRINK_KWH) / (forecast_kwh + SHRINK_KWH), *RATIO_BOUNDS
    )
    return ratio


def recent_level(
    *, forecast: FloatArray, measured: FloatArray, minutes: int
) -> float | None:
    """Return measured / forecast PV over the last hour, when an hour of sun was forecast.

    Clouds that came (or went) unforecast usually stay a while: the coming hours are
    scaled by this, fading back to the forecast (`LEVEL_HALF_LIFE_HOURS`).
    """
    slots = max(1, 60 // minutes)
    guess, seen = forecast[-slots:], measured[-slots:]
    both = ~np.isnan(guess) & ~np.isnan(seen)
    expected = float(guess[both].sum()) * minutes / 60.0
    if not both.any() or expected < LEVEL_MIN_KWH:
        return None
    return float(np.clip(seen[both].sum() / guess[both].sum(), *LEVEL_BOUNDS))


def fade_in(
    level: float, count: int, minutes: int, half_life_hours: float
) -> FloatArray:
    """Return the factor per coming slot: `level` now, back to 1 with the half-life."""
    lead_hours = (np.arange(count) + 0.5) * minutes / 60.0
    result: FloatArray = 1.0 + (level - 1.0) * 0.5 ** (lead_hours / half_life_hours)
    return result
