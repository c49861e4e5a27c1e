"""Weather temperatures for the load forecast, and when a forecast is stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.ems.core.inputs import (
    UPDATE_PERIOD,
    ForecastSource,
    is_stale,
    weather_temperatures,
)

NOW = datetime(2025, 1, 15, 10, 0, tzinfo=UTC)


def test_hourly_forecast_response_keyed_by_utc_hour() -> None:
    """`weather.get_forecasts` hourly: ISO datetimes with offset, one value per hour."""
    response = {
        "weather.home": {
            "forecast": [
                {
                    "datetime": "2025-01-15T11:00:00+01:00",
                    "temperature": -3.5,
                    "condition": "snowy",
                },
                {"datetime": "2025-01-15T12:00:00+01:00", "temperature": "-2.0"},
                {"datetime": "2025-01-15T13:00:00+01:00", "temperature": None},
                {"datetime": "soon", "temperature": 1.0},
            ]
        }
    }
    forecast = weather_temperatures(response, entity_id="weather.home")
    assert forecast.by_hour == {
        datetime(2025, 1, 15, 10, tzinfo=UTC): -3.5,
        datetime(2025, 1, 15, 11, tzinfo=UTC): -2.0,
    }
    assert forecast.warnings == (
        "forecast[2]: unreadable datetime or temperature",
        "forecast[3]: unreadable datetime or temperature",
    )
    assert weather_temperatures(response, entity_id="weather.other").warnings == (
        "weather.other: no forecast list",
    )


def test_stale_after_twice_the_update_period() -> None:
    """Forecast.Solar updates hourly: 1 h 59 min old is fine, 2 h 1 min is stale."""
    period = UPDATE_PERIOD[ForecastSource.FORECAST_SOLAR]
    assert not is_stale(NOW - timedelta(minutes=119), now=NOW, update_period=period)
    assert is_stale(NOW - timedelta(minutes=121), now=NOW, update_period=period)
    assert is_stale(None, now=NOW, update_period=period)
