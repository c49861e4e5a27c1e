"""Load forecast from recorder-like hourly means: 0, 3 and 28 days of history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import math
from statistics import fmean

import pytest

from custom_components.ems.core.inputs import (
    LoadForecast,
    LoadMethod,
    forecast_load,
    mean_absolute_error,
)

from .shared_data import PARIS, hourly_means

TARGET = datetime(2024, 11, 8, tzinfo=PARIS)  # a Friday; the day to forecast


def _history(days: int) -> list[tuple[datetime, float]]:
    return hourly_means(TARGET - timedelta(days=days), TARGET)


ACTUAL = hourly_means(TARGET, TARGET + timedelta(days=1))


def test_no_history_plans_with_the_current_load() -> None:
    """A new install: the fallback (current load) holds flat over the horizon."""
    result = forecast_load(
        history=[],
        start=TARGET + timedelta(minutes=20),
        hours=36,
        time_zone="Europe/Paris",
        fallback_kw=0.7,
    )
    assert result.method is LoadMethod.FLAT
    assert result.history_hours == 0
    assert [point.kw for point in result.series.points] == [0.7] * 36
    assert result.series.span_start == TARGET.astimezone(UTC)
    assert result.series.span_end == TARGET.astimezone(UTC) + timedelta(hours=36)


def _recency_mean(samples: list[tuple[datetime, float]], latest: datetime) -> float:
    """Return the mean weighting each sample by 2^(-age / 3 days)."""
    weights = [
        math.pow(0.5, (latest - moment) / timedelta(days=3)) for moment, _ in samples
    ]
    return sum(w * kw for w, (_, kw) in zip(weights, samples, strict=True)) / sum(
        weights
    )


def test_three_days_use_the_all_days_profile() -> None:
    """3 days: each local hour is the (recency-weighted) mean of that hour's three days."""
    history = _history(3)
    assert len(history) == 72
    result = forecast_load(
        history=history,
        start=TARGET,
        hours=24,
        time_zone="Europe/Paris",
        fallback_kw=0.7,
    )
    assert result.method is LoadMethod.ALL_DAYS
    for index, point in enumerate(result.series.points):
        same_hour = [
            (m, kw)
            for m, kw in history
            if (m - point.start) % timedelta(days=1) == timedelta()
        ]
        assert len(same_hour) == 3, index
        assert point.kw == pytest.approx(_recency_mean(same_hour, history[-1][0]))


def test_four_weeks_blend_same_weekday_and_beat_a_flat_guess() -> None:
    """28 days: 3/4 all-days, 1/4 same weekday; closer to the real Friday than the mean."""
    history = _history(28)
    assert len(history) >= 28 * 24 - 24
    latest = history[-1][0]
    result = forecast_load(
        history=history,
        start=TARGET,
        hours=24,
        time_zone="Europe/Paris",
        fallback_kw=0.7,
    )
    assert result.method is LoadMethod.BLENDED
    for point in result.series.points:
        local_hour = point.start.astimezone(PARIS).hour
        same_hour = [
            (m, kw) for m, kw in history if m.astimezone(PARIS).hour == local_hour
        ]
        fridays = [(m, kw) for m, kw in same_hour if m.astimezone(PARIS).weekday() == 4]
        assert len(fridays) == 4
        expected = 0.75 * _recency_mean(same_hour, latest) + 0.25 * _recency_mean(
            fridays, latest
        )
        assert point.kw == pytest.approx(expected)
    flat = forecast_load(
        history=[],
        start=TARGET,
        hours=24,
        time_zone="Europe/Paris",
        fallback_kw=fmean(kw for _, kw in history),
    )
    profile_error = mean_absolute_error(result.series, ACTUAL)
    flat_error = mean_absolute_error(flat.series, ACTUAL)
    assert profile_error is not None and flat_error is not None
    assert profile_error < flat_error


def test_temperature_regression_learns_heating() -> None:
    """Load that rises 0.12 kW per degree colder: the slope is found and used."""
    history = _history(28)
    temperatures = {
        moment: 8 + 6 * math.sin(moment.timestamp() / 86400 / 3)
        for moment, _ in history
    }
    heated = [
        (moment, kw + 0.12 * (15 - temperatures[moment])) for moment, kw in history
    ]
    cold = {point: -5.0 for point, _ in ACTUAL}
    mild = {point: 12.0 for point, _ in ACTUAL}

    def heated_forecast(
        forecast_temperatures: dict[datetime, float] | None,
    ) -> LoadForecast:
        return forecast_load(
            history=heated,
            start=TARGET,
            hours=24,
            time_zone="Europe/Paris",
            fallback_kw=0.7,
            history_temperatures=temperatures,
            forecast_temperatures=forecast_temperatures,
        )

    cold_forecast = heated_forecast(cold)
    mild_forecast = heated_forecast(mild)
    assert cold_forecast.kw_per_degree == pytest.approx(-0.12, abs=0.03)
    difference = [
        c.kw - m.kw
        for c, m in zip(
            cold_forecast.series.points, mild_forecast.series.points, strict=True
        )
    ]
    assert fmean(difference) == pytest.approx(0.12 * 17, rel=0.25)
    without = heated_forecast(None)
    assert without.kw_per_degree is None


def test_temperature_needs_a_week_of_history() -> None:
    """Three days with temperatures: too little to fit a slope, the profile alone."""
    history = _history(3)
    temperatures = {
        moment: float(index % 20) for index, (moment, _) in enumerate(history)
    }
    result = forecast_load(
        history=history,
        start=TARGET,
        hours=24,
        time_zone="Europe/Paris",
        fallback_kw=0.7,
        history_temperatures=temperatures,
        forecast_temperatures={moment: 0.0 for moment, _ in ACTUAL},
    )
    assert result.kw_per_degree is None
    assert result.method is LoadMethod.ALL_DAYS


def test_mean_absolute_error_of_yesterdays_forecast() -> None:
    """The accuracy sensor: mean |forecast - measured| over the hours both know."""
    forecast = forecast_load(
        history=_history(28),
        start=TARGET,
        hours=24,
        time_zone="Europe/Paris",
        fallback_kw=0.7,
    ).series
    by_start = {point.start: point.kw for point in forecast.points}
    expected = fmean(abs(by_start[moment] - kw) for moment, kw in ACTUAL)
    assert mean_absolute_error(forecast, ACTUAL) == pytest.approx(expected)
    later = [(moment + timedelta(days=2), kw) for moment, kw in ACTUAL]
    assert mean_absolute_error(forecast, later) is None
