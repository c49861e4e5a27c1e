"""Read prices and forecasts from Home Assistant and align them onto the slot grid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from custom_components.ems.const import DOMAIN, PvSource
from custom_components.ems.core.config import EmsConfig, PlanningConfig
from custom_components.ems.core.house import HouseReadings
from custom_components.ems.core.inputs import (
    AlignedInputs,
    InputIssue,
    InputsError,
    IssueKind,
    StormReserve,
    align_inputs,
    describe_coverage,
    grid_fee_series,
    slot_start,
)
from custom_components.ems.core.situation import (
    ForecastMemory,
    History,
    PvForecast,
    Temperatures,
    slot_temperatures,
)

from .alerts import WarningReader
from .forecasts import PvReader, WeatherReader
from .load_history import HouseHistory, LoadAccuracy
from .log import SourceLog
from .prices import PriceReader, Prices
from .pv_memory import PvMemoryStore

ISSUE_PRICES_MISSING = "prices_missing"
# PV above this with no forecast set up is worth saying.
PV_PRODUCING_KW = 0.1


@dataclass(frozen=True, kw_only=True, slots=True)
class GatheredInputs:
    """What is known for planning (None if it could not be read) and what is wrong.

    `pv_forecast` holds the forecast past slots had next to the coming one;
    `history` the measured load and PV; `temperatures` the forecast, if any.
    """

    aligned: AlignedInputs | None
    issues: tuple[str, ...]
    pv_forecast: PvForecast | None = None
    history: History | None = None
    temperatures: Temperatures | None = None
    # The reserve a weather warning calls for (None: no warning in force or announced).
    storm: StormReserve | None = None


class InputsReader:
    """Everything the planner is fed, read from Home Assistant on each plan."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, config: EmsConfig
    ) -> None:
        """Set up the readers the configuration names."""
        self.hass = hass

        def starting() -> bool:
            return hass.state is not CoreState.running

        self.prices = PriceReader(hass, config.prices, SourceLog(starting))
        self.pv = PvReader(hass, config.forecasts, SourceLog(starting))
        self.weather = WeatherReader(hass, config.forecasts, SourceLog(starting))
        self.warnings = WarningReader(hass, config.warnings, SourceLog(starting))
        self.history = HouseHistory(hass, config.house, config.forecasts)
        self.pv_memory = ForecastMemory()
        self._pv_store = PvMemoryStore(hass, entry.entry_id)
        self._pv_loaded = False
        self.issue_id = f"{ISSUE_PRICES_MISSING}_{entry.entry_id}"
        self._title = entry.title
        self._pv_source = config.forecasts.pv_source
        # What is wrong with a source now, by source ("prices", "pv_forecast", "warnings").
        self.problems: dict[str, str] = {}
        # Why there is no price now, naming the source (None while there is one).
        self._no_price: str | None = None

    async def async_load(self) -> None:
        """Take back the PV forecast past slots had, as saved before a restart."""
        self.pv_memory = await self._pv_store.async_load()
        self._pv_loaded = True

    async def async_save(self) -> None:
        """Save the PV forecast past slots had (the entry unloads), once it was loaded."""
        if self._pv_loaded:
            await self._pv_store.async_save_now(self.pv_memory)

    @property
    def load_accuracy(self) -> LoadAccuracy | None:
        """Return how wrong yesterday's load forecast was, when known."""
        return self.history.accuracy

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
        storm = self.warnings.read(now)
        history = await self.history.slots(
            until=start, minutes=config.slot_minutes, load_now_kw=readings.load_kw
        )
        aligned = align_inputs(
            start=start,
            slot_minutes=config.slot_minutes,
            max_horizon=horizon,
            import_prices=prices.import_prices,
            export_prices=prices.export_prices,
            tariff=config.tariff,
            pv=pv,
            grid_fees=grid_fee_series(
                config.grid_fees, self.hass.config.time_zone, start, until
            )
            if config.grid_fees is not None
            else None,
        )
        self._no_price = next(
            (
                self._why_no_price(issue, prices)
                for issue in aligned.issues
                if issue.kind is IssueKind.NO_PRICES
            ),
            None,
        )
        self._update_repair()
        self.problems = self._source_problems(readings)
        notes = [note for note in (pv_note, weather_note) if note]
        if (missing := self.problems.get("pv_forecast")) and missing not in notes:
            notes.append(missing)
        notes += self._spike_notes(until)
        if storm is not None:
            notes.append(storm_note(storm))
        details = [
            f"{issue.detail}: {self._no_price}"
            if issue.kind is IssueKind.NO_PRICES
            else issue.detail
            for issue in aligned.issues
        ]
        price_gap = any(issue.kind is IssueKind.PRICE_GAP for issue in aligned.issues)
        pv_forecast = self.pv_memory.forecast(
            history_start=history.start,
            first=start,
            minutes=config.slot_minutes,
            coming=aligned.pv_kw,
        )
        self._pv_store.save(self.pv_memory)
        return GatheredInputs(
            aligned=aligned,
            issues=(
                *details,
                *(self.prices.log.current() if price_gap else ()),
                *notes,
            ),
            storm=storm,
            pv_forecast=pv_forecast,
            history=history,
            temperatures=slot_temperatures(
                temperatures.by_hour if temperatures else {},
                first=start,
                minutes=config.slot_minutes,
                count=len(aligned.starts),
            ),
        )

    def _why_no_price(self, issue: InputIssue, prices: Prices) -> str:
        """Name the source without a price now and what is wrong with it."""
        zone = dt_util.get_default_time_zone()
        reasons: dict[str, list[str]] = {}
        for role in issue.missing:
            series = prices.import_prices if role == "import" else prices.export_prices
            label = self.prices.labels.get(role, role)
            why = describe_coverage(series, issue.at, zone)
            reasons.setdefault(f"{label}: {why}", []).append(role)
        return "; ".join(
            f"{' and '.join(roles)} prices from {reason}"
            for reason, roles in reasons.items()
        )

    def _spike_notes(self, until: datetime) -> list[str]:
        """Say when Amber Electric forecasts a price spike within the horizon."""
        spike = self.prices.spike
        ahead = [start for start in spike.ahead if start < until] if spike else []
        if not ahead:
            return []
        first = dt_util.as_local(ahead[0])
        return [f"Amber Electric forecasts a price spike from {first:%Y-%m-%d %H:%M}"]

    def _source_problems(self, readings: HouseReadings) -> dict[str, str]:
        """Return the sources that fail now, and a PV forecast missing while PV runs."""
        problems: dict[str, str] = {}
        if self._no_price is not None:
            problems["prices"] = f"no price for now: {self._no_price}"
        elif prices := self.prices.log.current():
            problems["prices"] = "; ".join(prices)
        if pv := self.pv.log.current():
            problems["pv_forecast"] = "; ".join(pv)
        if warnings := self.warnings.log.current():
            problems["warnings"] = "; ".join(warnings)
        producing = readings.pv_kw or 0.0
        if self._pv_source is PvSource.NONE and producing >= PV_PRODUCING_KW:
            problems["pv_forecast"] = (
                f"no PV forecast is set up while the PV sensor shows {producing:g} kW: "
                "the plan counts no PV (choose one in the options)"
            )
        return problems

    def _update_repair(self) -> None:
        """Raise a repair issue while today's prices are missing; clear it after."""
        if self._no_price is not None:
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
                        "source": self._no_price,
                    },
                )
        else:
            ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)

    def async_clear(self) -> None:
        """Remove the entry's repair issue (the entry is unloading)."""
        ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)


def storm_note(storm: StormReserve) -> str:
    """Return the plan's note for a storm reserve, in local time."""
    start = dt_util.as_local(storm.start)
    end = (
        f"{dt_util.as_local(storm.end):%Y-%m-%d %H:%M}"
        if storm.end is not None
        else "its end"
    )
    return (
        f"storm reserve {storm.soc_percent:g} % for {storm.name} "
        f"from {start:%Y-%m-%d %H:%M} to {end}"
    )
