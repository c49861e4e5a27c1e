"""Read prices and forecasts from Home Assistant and align them onto the slot grid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.ems.const import DOMAIN
from custom_components.ems.core.config import EmsConfig, PlanningConfig
from custom_components.ems.core.house import HouseReadings
from custom_components.ems.core.inputs import (
    AlignedInputs,
    InputsError,
    IssueKind,
    align_inputs,
    slot_start,
)

from .forecasts import PvReader, WeatherReader
from .load_history import LoadAccuracy, LoadHistory
from .log import SourceLog
from .prices import PriceReader

ISSUE_PRICES_MISSING = "prices_missing"


@dataclass(frozen=True, kw_only=True, slots=True)
class GatheredInputs:
    """The aligned inputs (None if they could not be read) and what is wrong with them."""

    aligned: AlignedInputs | None
    issues: tuple[str, ...]


class InputsReader:
    """Everything the planner is fed, read from Home Assistant on each plan."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, config: EmsConfig
    ) -> None:
        """Set up the readers the configuration names."""
        self.hass = hass
        self.prices = PriceReader(hass, config.prices)
        forecasts_log = SourceLog()
        self.pv = PvReader(hass, config.forecasts, forecasts_log)
        self.weather = WeatherReader(hass, config.forecasts, forecasts_log)
        self.load = LoadHistory(hass, config.house, config.forecasts)
        self.issue_id = f"{ISSUE_PRICES_MISSING}_{entry.entry_id}"
        self._title = entry.title

    @property
    def load_accuracy(self) -> LoadAccuracy | None:
        """Return how wrong yesterday's load forecast was, when known."""
        return self.load.accuracy

    async def async_gather(
        self, config: PlanningConfig, readings: HouseReadings, now: datetime
    ) -> GatheredInputs:
        """Return the planner's inputs from the current slot on.

        Bad or missing input is reported in the result's issues; only an unexpected
        failure raises (the coordinator turns it into `UpdateFailed`).
        """
        try:
            return await self._gather(config, readings, now)
        except InputsError as err:
            return GatheredInputs(aligned=None, issues=(f"inputs: {err}",))

    async def _gather(
        self, config: PlanningConfig, readings: HouseReadings, now: datetime
    ) -> GatheredInputs:
        start = slot_start(now, config.slot_minutes)
        slot = timedelta(minutes=config.slot_minutes)
        horizon = timedelta(hours=config.horizon_hours)
        until = start + horizon
        prices = await self.prices.read(
            now=now, until=until, is_spot=config.prices_are_spot
        )
        temperatures, weather_note = await self.weather.read(now)
        pv, pv_note = await self.pv.read(
            measured_kw=readings.pv_kw or 0.0,
            start=start,
            slot=slot,
            until=until,
            now=now,
        )
        load = await self.load.forecast(
            start=start,
            hours=config.horizon_hours + 1,
            fallback_kw=readings.load_kw,
            forecast_temperatures=temperatures.by_hour if temperatures else None,
            now=now,
        )
        aligned = align_inputs(
            start=start,
            slot_minutes=config.slot_minutes,
            max_horizon=horizon,
            import_prices=prices.import_prices,
            export_prices=prices.export_prices,
            tariff=config.tariff,
            pv=pv,
            load=load.series,
        )
        self._update_repair(aligned)
        notes = (note for note in (pv_note, weather_note) if note)
        return GatheredInputs(
            aligned=aligned,
            issues=(
                *(issue.detail for issue in aligned.issues),
                *(self.prices.log.current() if aligned.issues else ()),
                *notes,
            ),
        )

    def _update_repair(self, aligned: AlignedInputs) -> None:
        """Raise a repair issue while today's prices are missing; clear it after."""
        if any(issue.kind is IssueKind.NO_PRICES for issue in aligned.issues):
            # Sources load in any order at startup; only a running house counts.
            if self.hass.state is CoreState.running:
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    self.issue_id,
                    is_fixable=False,
                    severity=ir.IssueSeverity.ERROR,
                    translation_key=ISSUE_PRICES_MISSING,
                    translation_placeholders={
                        "title": self._title,
                        "source": self._source_name(),
                    },
                )
        else:
            ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)

    def _source_name(self) -> str:
        source = self.prices.source.value
        return f"{source} ({self.prices.entity_id})"

    def async_clear(self) -> None:
        """Remove the entry's repair issue (the entry is unloading)."""
        ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
