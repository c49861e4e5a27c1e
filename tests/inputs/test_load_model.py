"""Slot load forecast from the measured history (core.inputs.load_model), real load."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from statistics import fmean

import numpy as np
import pytest

from custom_components.ems.core.inputs.load_model import (
    LoadModel,
    SlotHistory,
    day_ahead_error,
    forecast_slots,
    slot_keys,
)

from .shared_data import EMHASS_LOAD, PARIS, read_series

TARGET = datetime(2024, 11, 8, tzinfo=PARIS)  # a Friday
SLOT = timedelta(minutes=30)


def _history(days: int, end: datetime = TARGET) -> SlotHistory:
    """Return the recorder's view: half-hours from `days` before `end` (None: missing)."""
    rows = {moment.astimezone(UTC): kw for moment, kw in read_series(EMHASS_LOAD)}
    start = (end - timedelta(days=days)).astimezone(UTC)
    slots = round((end.astimezone(UTC) - start) / SLOT)
    return SlotHistory(
        start=start,
        minutes=30,
        values=tuple(rows.get(start + index * SLOT) for index in range(slots)),
    )


def _actual(day: datetime) -> list[float]:
    rows = dict(read_series(EMHASS_LOAD))
    values = [rows.get(day + index * SLOT) for index in range(48)]
    return [value for value in values if value is not None]


def test_too_little_history_is_flat() -> None:
    """Less than a day measured: the fallback throughout."""
    result = forecast_slots(_history(0), count=6, zone=PARIS, fallback_kw=0.7)
    assert result == (0.7,) * 6


def test_each_time_of_day_is_its_recency_weighted_mean() -> None:
    """Three days: a half-hour's forecast weighs each earlier day half per 3 days."""
    history = _history(3)
    model = LoadModel(
        half_life_days=3.0, day_type_weight=0.0, level_half_life_hours=0.0
    )
    result = forecast_slots(history, count=48, zone=PARIS, fallback_kw=0.0, model=model)
    for lead in (0, 17, 40):
        samples = [
            (days, history.values[len(history.values) - 48 * days + lead])
            for days in (1, 2, 3)
        ]
        weights = [0.5 ** ((48 * days - lead) / 48 / 3.0) for days, _ in samples]
        expected = sum(
            w * v for w, (_, v) in zip(weights, samples, strict=True) if v is not None
        ) / sum(w for w, (_, v) in zip(weights, samples, strict=True) if v is not None)
        assert result[lead] == pytest.approx(expected)


def test_working_days_and_weekends_differ() -> None:
    """With day type, a Saturday's forecast leans on earlier weekends, not on Fridays."""
    saturday = TARGET + timedelta(days=1)
    history = _history(21, saturday)
    plain = forecast_slots(
        history,
        count=48,
        zone=PARIS,
        fallback_kw=0.0,
        model=LoadModel(day_type_weight=0.0, level_half_life_hours=0.0),
    )
    typed = forecast_slots(
        history,
        count=48,
        zone=PARIS,
        fallback_kw=0.0,
        model=LoadModel(day_type_weight=0.5, level_half_life_hours=0.0),
    )
    rows = dict(read_series(EMHASS_LOAD))
    weekends = [
        [
            rows.get(saturday - timedelta(days=7 * week) + lead * SLOT)
            for lead in range(48)
        ]
        for week in (1, 2)
    ]
    mean_weekend = [
        fmean(value for value in day if value is not None)
        for day in zip(*weekends, strict=True)
        if any(value is not None for value in day)
    ]
    closer = sum(
        abs(t - w) < abs(p - w)
        for t, p, w in zip(typed, plain, mean_weekend, strict=False)
    )
    assert closer > 24


def test_default_beats_last_weeks_load() -> None:
    """Over a fortnight of next-day forecasts the default beats repeating last week.

    (Over the whole year it also beats the 7-day mean: bench/load_forecast.py.)
    """
    errors: dict[str, list[float]] = {"model": [], "naive": []}
    for day in range(14):
        midnight = TARGET - timedelta(days=day)
        history = _history(21, midnight)
        actual = [
            dict(read_series(EMHASS_LOAD)).get(midnight + index * SLOT)
            for index in range(48)
        ]
        forecast = forecast_slots(history, count=48, zone=PARIS, fallback_kw=0.0)
        week = history.values[-7 * 48 :]
        for lead, value in enumerate(actual):
            if value is None or week[lead] is None:
                continue
            errors["model"].append(abs(forecast[lead] - value))
            errors["naive"].append(abs(week[lead] - value))
    assert fmean(errors["model"]) < fmean(errors["naive"])


def test_recent_level_moves_the_next_hours_only() -> None:
    """A load far above the profile lately lifts the next slots, less and less."""
    history = _history(14)
    values = list(history.values)
    values[-2:] = [5.0, 5.0]
    raised = SlotHistory(start=history.start, minutes=30, values=tuple(values))
    model = LoadModel(level_half_life_hours=1.0)
    plain = forecast_slots(history, count=48, zone=PARIS, fallback_kw=0, model=model)
    lifted = forecast_slots(raised, count=48, zone=PARIS, fallback_kw=0, model=model)
    lift = np.array(lifted) - np.array(plain)
    assert lift[0] > 1.0
    assert lift[0] > lift[2] > lift[6] > 0.0
    assert abs(lift[24]) < 0.1  # half a day on, a time of day the spike never had


def test_slot_keys_follow_the_local_clock_over_dst() -> None:
    """2024-10-27 in Paris has 25 hours: 50 half-hours, two of them at 02:00."""
    first = datetime(2024, 10, 27, tzinfo=PARIS)
    keys, weekend = slot_keys(first, 50, 30, PARIS)
    expected = [
        (moment.hour * 60 + moment.minute) // 30
        for moment in (
            (first.astimezone(UTC) + index * SLOT).astimezone(PARIS)
            for index in range(50)
        )
    ]
    assert keys.tolist() == expected
    assert keys.tolist().count(4) == 2  # 02:00 twice
    assert weekend.all()  # a Sunday


def test_day_ahead_error_is_the_sensor_metric() -> None:
    """MAE and bias of the forecast made at midnight, over the day's measured slots."""
    history = _history(15, TARGET + timedelta(days=1))
    error = day_ahead_error(history, day=TARGET, zone=PARIS)
    assert error is not None
    cut = len(history.values) - 48
    before = SlotHistory(start=history.start, minutes=30, values=history.values[:cut])
    forecast = forecast_slots(before, count=48, zone=PARIS, fallback_kw=0.0)
    pairs = [
        (guess, actual)
        for guess, actual in zip(forecast, history.values[cut:], strict=True)
        if actual is not None
    ]
    assert error.slots == len(pairs)
    assert error.mae_kw == pytest.approx(fmean(abs(g - a) for g, a in pairs))
    assert error.bias_kw == pytest.approx(fmean(g - a for g, a in pairs))
    assert day_ahead_error(before, day=TARGET, zone=PARIS) is None
