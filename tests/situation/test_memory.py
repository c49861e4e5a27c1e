"""The PV forecast past slots had, remembered for calibration, and temperatures on slots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.ems.core.situation import ForecastMemory, slot_temperatures

START = datetime(2026, 6, 1, 10, tzinfo=UTC)
QUARTER = timedelta(minutes=15)


def test_past_slots_keep_the_forecast_they_had_last() -> None:
    """Each replan overwrites the coming slots; past slots keep their last forecast."""
    memory = ForecastMemory()
    memory.forecast(
        history_start=START, first=START, minutes=15, coming=(1.0, 1.5, 2.0)
    )
    later = memory.forecast(
        history_start=START, first=START + QUARTER, minutes=15, coming=(1.2, 1.8)
    )
    assert later.start == START
    assert later.p50 == (1.0, 1.2, 1.8)
    # Two slots on: the slot at 10:15 keeps 1.2, the last forecast it had.
    again = memory.forecast(
        history_start=START, first=START + 2 * QUARTER, minutes=15, coming=(1.7,)
    )
    assert again.p50 == (1.0, 1.2, 1.7)


def test_slots_before_the_history_are_forgotten_and_gaps_stay_gaps() -> None:
    """A restart leaves gaps (None); slots older than the history are dropped."""
    memory = ForecastMemory()
    memory.forecast(history_start=START, first=START, minutes=15, coming=(1.0,))
    result = memory.forecast(
        history_start=START + QUARTER,
        first=START + 3 * QUARTER,
        minutes=15,
        coming=(0.5,),
    )
    assert result.start == START + QUARTER
    assert result.p50 == (None, None, 0.5)


def test_hourly_temperatures_are_held_over_their_quarter_hours() -> None:
    """An hourly forecast covers its four quarter hours; an hour it lacks is None."""
    by_hour = {START: 18.0, START + timedelta(hours=1): 19.0}
    temperatures = slot_temperatures(
        by_hour, first=START + 2 * QUARTER, minutes=15, count=8
    )
    assert temperatures is not None
    assert temperatures.values == (18.0, 18.0, 19.0, 19.0, 19.0, 19.0, None, None)
    assert slot_temperatures({}, first=START, minutes=15, count=4) is None
