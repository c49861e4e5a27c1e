"""Weather forecast adapter and the staleness rule for every forecast source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from .series import floor_instant, parse_instant, parse_number

WEATHER_CACHE = timedelta(minutes=30)
"""How long a `weather.get_forecasts` answer is reused."""


class ForecastSource(StrEnum):
    """Forecasts whose age the plan's status watches."""

    SOLCAST = "solcast"
    FORECAST_SOLAR = "forecast_solar"
    WEATHER = "weather"


UPDATE_PERIOD: dict[ForecastSource, timedelta] = {
    # Solcast's hobbyist API allows ~10 calls a day, spread over daylight.
    ForecastSource.SOLCAST: timedelta(hours=3),
    # Core Forecast.Solar polls hourly (30 minutes with an API key).
    ForecastSource.FORECAST_SOLAR: timedelta(hours=1),
    ForecastSource.WEATHER: WEATHER_CACHE,
}


def is_stale(
    updated_at: datetime | None, *, now: datetime, update_period: timedelta
) -> bool:
    """Return whether a forecast is older than twice its source's update period."""
    return updated_at is None or now - updated_at > 2 * update_period


@dataclass(frozen=True, kw_only=True, slots=True)
class TemperatureForecast:
    """Hourly temperatures keyed by hour start (UTC), and what could not be read."""

    by_hour: Mapping[datetime, float]
    warnings: tuple[str, ...] = ()


def weather_temperatures(
    response: Mapping[str, object], *, entity_id: str
) -> TemperatureForecast:
    """Read `weather.get_forecasts` (hourly): {entity_id: {"forecast": [{datetime, temperature}]}}."""
    warnings: list[str] = []
    by_hour: dict[datetime, float] = {}
    body = response.get(entity_id)
    entries = body.get("forecast") if isinstance(body, Mapping) else None
    if not isinstance(entries, list | tuple):
        return TemperatureForecast(
            by_hour={}, warnings=(f"{entity_id}: no forecast list",)
        )
    for index, entry in enumerate(entries):
        moment = (
            parse_instant(entry.get("datetime")) if isinstance(entry, Mapping) else None
        )
        value = (
            parse_number(entry.get("temperature"))
            if isinstance(entry, Mapping)
            else None
        )
        if moment is None or value is None:
            warnings.append(f"forecast[{index}]: unreadable datetime or temperature")
            continue
        by_hour.setdefault(
            floor_instant(moment.astimezone(UTC), timedelta(hours=1)), value
        )
    return TemperatureForecast(by_hour=by_hour, warnings=tuple(warnings))
