"""PV forecast calibration against what was measured (core.inputs.pv_model)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from custom_components.ems.core.inputs.pv_model import (
    SHRINK_KWH,
    calibrate,
    fade_in,
    recent_level,
)

from .shared_data import EMHASS_PV, EMHASS_PV_FORECAST, PARIS, window

SLOT = timedelta(minutes=30)


def _series(
    rows: list[tuple[datetime, float]], start: datetime, count: int
) -> np.ndarray:
    values = dict(rows)
    return np.array(
        [values.get(start + index * SLOT, np.nan) for index in range(count)]
    )


def test_a_forecast_that_misses_the_afternoon_is_scaled_there_only() -> None:
    """A west roof: the forecast gives half of the afternoon; mornings are right."""
    start = datetime(2024, 10, 21, tzinfo=PARIS)
    count = 7 * 48
    measured = _series(
        window(EMHASS_PV, start, start + count * SLOT), start.astimezone(UTC), count
    )
    hours = np.array(
        [(start + index * SLOT).astimezone(PARIS).hour for index in range(count)]
    )
    forecast = np.where(hours >= 13, measured / 2.0, measured)
    ratio = calibrate(
        start=start, minutes=30, forecast=forecast, measured=measured, zone=PARIS
    )
    assert ratio.shape == (48,)
    assert ratio[2 * 9 : 2 * 12] == pytest.approx(1.0)  # 09:00-12:00
    afternoon = ratio[2 * 13 : 2 * 16]
    assert np.all(afternoon > 1.6) and np.all(afternoon <= 2.0)  # shrunk towards 1
    assert ratio[0] == pytest.approx(1.0)  # night: nothing forecast, nothing known


def test_the_ratio_is_bounded_and_shrunk_where_little_pv_was_forecast() -> None:
    """A tiny forecast measured ten times over stays within the bounds."""
    start = datetime(2024, 10, 26, tzinfo=PARIS)
    logged = window(EMHASS_PV_FORECAST, start, start + 48 * SLOT)
    forecast = _series(logged, start.astimezone(UTC), 48)
    ratio = calibrate(
        start=start, minutes=30, forecast=forecast, measured=forecast * 10.0, zone=PARIS
    )
    assert ratio.max() <= 3.0
    small = np.nanargmax(np.where(forecast > 0.0, -forecast, -np.inf))
    slot_kwh = forecast[small] * 0.5
    assert ratio[small] == pytest.approx(
        min((10 * slot_kwh + SHRINK_KWH) / (slot_kwh + SHRINK_KWH), 3.0)
    )


def test_without_past_forecasts_nothing_changes() -> None:
    """No slot with both values: a ratio of one everywhere."""
    start = datetime(2024, 10, 26, tzinfo=PARIS)
    nothing = np.full(96, np.nan)
    ratio = calibrate(
        start=start, minutes=30, forecast=nothing, measured=np.ones(96), zone=PARIS
    )
    assert ratio.tolist() == [1.0] * 48


def test_the_last_hour_scales_the_next_hours_and_fades() -> None:
    """Half the forecast came in the last hour: the next hours start at half, then recover."""
    forecast = np.array([np.nan, 2.0, 2.0, 2.0])
    level = recent_level(forecast=forecast, measured=forecast / 2.0, minutes=30)
    assert level == pytest.approx(0.5)
    factor = fade_in(0.5, 24, 30, half_life_hours=4.0)
    assert factor[0] == pytest.approx(1.0 - 0.5 * 0.5 ** (0.25 / 4.0))
    assert factor[7] == pytest.approx(1.0 - 0.5 * 0.5 ** (3.75 / 4.0))
    assert np.all(np.diff(factor) > 0.0) and factor[-1] < 1.0


def test_no_level_from_a_dark_hour() -> None:
    """Too little PV forecast in the last hour (night, dusk): no level."""
    forecast = np.array([0.0, 0.05, 0.05])
    assert recent_level(forecast=forecast, measured=forecast * 3, minutes=30) is None
