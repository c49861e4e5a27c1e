"""PV and weather forecasts from Home Assistant, and how old they are."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.loader import IntegrationNotFound, async_get_integration

from custom_components.ems.const import PvSource
from custom_components.ems.core.config import ForecastConfig
from custom_components.ems.core.inputs import (
    UPDATE_PERIOD,
    WEATHER_CACHE,
    ForecastSource,
    PowerSeries,
    TemperatureForecast,
    forecast_solar,
    held_measured_pv,
    is_stale,
    solcast,
    sum_power,
    weather_temperatures,
)

from .log import SourceLog


def stale_note(
    name: str, source: ForecastSource, updated_at: datetime | None, now: datetime
) -> str | None:
    """Return the plan's note for a forecast older than twice its update period."""
    period = UPDATE_PERIOD[source]
    if not is_stale(updated_at, now=now, update_period=period):
        return None
    if updated_at is None:
        return f"{name} forecast unavailable"
    hours = (now - updated_at) / timedelta(hours=1)
    return f"{name} forecast is stale: updated {hours:.1f} h ago (expected every {period / timedelta(hours=1):g} h)"


class PvReader:
    """Reads the PV forecast the options name: Solcast, Forecast.Solar entries, both, none.

    Several sources (a Forecast.Solar entry per roof, or Solcast next to
    Forecast.Solar) are summed.
    """

    def __init__(
        self, hass: HomeAssistant, config: ForecastConfig, log: SourceLog
    ) -> None:
        """Remember the PV forecast source."""
        self.hass = hass
        self.source = config.pv_source
        self.solcast_entities = list(config.solcast_entities)
        self.estimate = config.solcast_estimate
        self.forecast_solar_entries = config.forecast_solar_entries
        self.log = log
        self._forecast_solar_at: dict[str, datetime] = {}

    async def read(
        self,
        *,
        measured_kw: float,
        start: datetime,
        slot: timedelta,
        until: datetime,
        now: datetime,
    ) -> tuple[PowerSeries, str | None]:
        """Return the PV forecast and, when a part of it is stale, a note for the plan."""
        parts: list[tuple[PowerSeries, str | None]] = []
        if self.source in (PvSource.SOLCAST, PvSource.SOLCAST_AND_FORECAST_SOLAR):
            parts.append(self._solcast(now))
        if self.source in (
            PvSource.FORECAST_SOLAR,
            PvSource.SOLCAST_AND_FORECAST_SOLAR,
        ):
            parts += [
                await self._forecast_solar(entry_id, now)
                for entry_id in self.forecast_solar_entries
            ]
        if not parts:
            held = held_measured_pv(measured_kw, start=start, slot=slot, until=until)
            return held, None
        notes = [note for _, note in parts if note]
        return sum_power([series for series, _ in parts]), "; ".join(notes) or None

    def _solcast(self, now: datetime) -> tuple[PowerSeries, str | None]:
        days: list[Mapping[str, Any]] = []
        updated_at: datetime | None = None
        for entity_id in self.solcast_entities:
            state = self.hass.states.get(entity_id)
            if state is None:
                self.log.report(entity_id, ["entity not found"])
                continue
            self.log.report(entity_id, [])
            days.append(state.attributes)
            if updated_at is None:
                # Today's sensor changes whenever Solcast was polled.
                updated_at = state.last_updated
        series = solcast(days, estimate=self.estimate)
        self.log.report("Solcast " + ", ".join(self.solcast_entities), series.warnings)
        return series, stale_note("Solcast PV", ForecastSource.SOLCAST, updated_at, now)

    async def _forecast_solar(
        self, entry_id: str, now: datetime
    ) -> tuple[PowerSeries, str | None]:
        """Ask Forecast.Solar's energy platform for one entry, as the Energy dashboard does."""
        warnings: list[str] = []
        response: Mapping[str, Any] | None = None
        entry = self.hass.config_entries.async_get_entry(entry_id)
        name = "Forecast.Solar"
        if len(self.forecast_solar_entries) > 1:
            name += f" {entry.title if entry else entry_id}"
        try:
            integration = await async_get_integration(self.hass, "forecast_solar")
            platform = await integration.async_get_platform("energy")
            response = await platform.async_get_solar_forecast(self.hass, entry_id)
        except (IntegrationNotFound, ImportError, HomeAssistantError) as err:
            warnings.append(f"energy platform: {err}")
        except Exception as err:  # noqa: BLE001 - Forecast.Solar's own code may raise anything
            warnings.append(f"energy platform: {type(err).__name__}: {err}")
        if response is None:
            warnings = warnings or [f"entry {entry_id} is not loaded"]
            series = PowerSeries(points=(), span_start=None, span_end=None)
        else:
            series = forecast_solar(response)
            warnings += series.warnings
            coordinator = getattr(entry, "runtime_data", None)
            if getattr(coordinator, "last_update_success", True):
                self._forecast_solar_at[entry_id] = now
        self.log.report(name, warnings)
        note = stale_note(
            f"{name} PV",
            ForecastSource.FORECAST_SOLAR,
            self._forecast_solar_at.get(entry_id),
            now,
        )
        return series, note


class WeatherReader:
    """Hourly temperatures from `weather.get_forecasts`, reused for 30 minutes."""

    def __init__(
        self, hass: HomeAssistant, config: ForecastConfig, log: SourceLog
    ) -> None:
        """Remember the weather entity (None: no weather)."""
        self.hass = hass
        self.entity_id = config.weather_entity
        self.log = log
        self._cached: TemperatureForecast | None = None
        self._fetched_at: datetime | None = None
        self._asked_at: datetime | None = None

    async def read(
        self, now: datetime
    ) -> tuple[TemperatureForecast | None, str | None]:
        """Return the temperature forecast (None without one) and a stale note."""
        if self.entity_id is None:
            return None, None
        if self._asked_at is None or now - self._asked_at >= WEATHER_CACHE:
            self._asked_at = now
            await self._fetch(self.entity_id, now)
        note = stale_note("Weather", ForecastSource.WEATHER, self._fetched_at, now)
        return self._cached, note

    async def _fetch(self, entity_id: str, now: datetime) -> None:
        try:
            response = await self.hass.services.async_call(
                "weather",
                "get_forecasts",
                {"type": "hourly"},
                target={"entity_id": entity_id},
                blocking=True,
                return_response=True,
            )
        except HomeAssistantError as err:
            self.log.report(entity_id, [f"weather.get_forecasts: {err}"])
            return
        except Exception as err:  # noqa: BLE001 - a weather integration may raise anything
            self.log.report(
                entity_id, [f"weather.get_forecasts: {type(err).__name__}: {err}"]
            )
            return
        forecast = weather_temperatures(response or {}, entity_id=entity_id)
        self.log.report(entity_id, forecast.warnings)
        if forecast.by_hour:
            self._cached = forecast
            self._fetched_at = now
