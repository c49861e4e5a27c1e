"""The EMS coordinator: reads the house on the slot clock and when inputs change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from types import MappingProxyType

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers.event import (
    async_track_point_in_utc_time,
    async_track_state_change_event,
)
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .books.loads import LoadBooks
from .const import DOMAIN, LOGGER, REFRESH_INTERVAL
from .control_loop.settings import EmsSettings
from .core.config import EmsConfig
from .core.explanation import local_reasons
from .core.house import HouseReadings, Quantity
from .core.loads.config import LoadConfig
from .core.loads.planning import PlannedLoads, planned_loads
from .core.planning import build_situation, storm_reasons
from .core.situation import Command, Situation, plan_situation, running_command
from .planner import Plan, Problem, ProblemError
from .sources.demand import DemandReader
from .sources.house import HouseReader
from .sources.loads import loads_now
from .sources.reader import InputsReader

# Changes smaller than these do not refresh the coordinator before the next slot tick.
_DEADBAND: Mapping[Quantity, float] = MappingProxyType(
    {
        Quantity.SOC: 0.5,
        Quantity.BATTERY_POWER: 0.05,
        Quantity.PV_POWER: 0.05,
        Quantity.LOAD_POWER: 0.05,
        Quantity.GRID_POWER: 0.05,
        Quantity.PRICE: 0.0,
    }
)


@dataclass(frozen=True, kw_only=True, slots=True)
class EmsState:
    """One refresh: the house as validated, and the plan in force."""

    house: HouseReadings
    problems: Mapping[Quantity, str] = field(default_factory=dict)
    plan: Plan | None = None
    # The problem the plan solved, for explanations.
    problem: Problem | None = None
    # What was known when planning (the command line plans the same from it).
    situation: Situation | None = None
    # Why the plan is missing or was cut short (missing prices, short forecasts).
    plan_issues: tuple[str, ...] = ()
    # Sources that fail, by source ("prices", "pv_forecast").
    source_problems: Mapping[str, str] = field(default_factory=dict)
    # Amber Electric's spike flag now (`none`, `potential`, `spike`); None for others.
    price_spike: str | None = None
    # The controllable loads planned (their windows) and why the others are not.
    loads: PlannedLoads = field(default_factory=PlannedLoads)
    updated_at: datetime

    @property
    def input_problems(self) -> dict[str, str]:
        """Return every input EMS cannot use as asked, the planner's fallback included."""
        problems = {str(quantity): text for quantity, text in self.problems.items()}
        problems |= self.source_problems
        if self.plan is not None and self.plan.status == "fallback":
            problems["planner"] = self.plan.reason
        return problems


def next_slot_tick(now: datetime) -> datetime:
    """Return the next boundary of the 5-minute slot clock after `now`."""
    step = int(REFRESH_INTERVAL.total_seconds())
    seconds = int(now.timestamp()) // step * step + step
    return dt_util.utc_from_timestamp(seconds)


class EmsCoordinator(DataUpdateCoordinator[EmsState]):
    """Reads the house on the slot clock and on changes, and plans in the executor.

    Bad input (a sensor that is unavailable, prices missing) is reported in the state;
    only an unexpected failure is an `UpdateFailed`, logged once by Home Assistant.
    """

    config_entry: ConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        *,
        config: EmsConfig,
        settings: EmsSettings,
        mode_caps: bool,
        loads: tuple[LoadConfig, ...] = (),
    ) -> None:
        """Set up the coordinator for one battery system and its controllable loads.

        `mode_caps`: control carries out self use's charge and discharge caps (the
        inverter link sets current limits), so plans may use them.
        """
        super().__init__(hass, LOGGER, config_entry=entry, name=DOMAIN)
        self.config = config
        self.mode_caps = mode_caps
        self.settings = settings
        self.loads = loads
        self.load_books = LoadBooks()
        self.house = HouseReader(hass, config)
        self.planning = config.planning
        self.inputs = InputsReader(hass, entry, config)
        self.prices = self.inputs.prices
        entry.async_on_unload(self.inputs.async_clear)
        self._planner_fallback: str | None = None
        self._replan_due = True
        self._unsub_clock: CALLBACK_TYPE | None = None
        # The mode the plan in force gives the current slot, and since when.
        self._running: Command | None = None
        self._planned_loads = PlannedLoads()
        # The demand charge's peaks this month (None: no demand charge configured).
        self.demand = (
            DemandReader(hass, entry.entry_id, config.demand)
            if config.demand is not None
            else None
        )

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Follow the slot clock and the source entities; return the stopper."""
        unsub_states = async_track_state_change_event(
            self.hass,
            [*self.house.sources.values(), *self.inputs.warnings.entity_ids],
            self._on_source_change,
        )
        self._schedule_tick()

        @callback
        def stop() -> None:
            unsub_states()
            if self._unsub_clock is not None:
                self._unsub_clock()
                self._unsub_clock = None

        return stop

    @callback
    def _schedule_tick(self) -> None:
        self._unsub_clock = async_track_point_in_utc_time(
            self.hass, self._on_tick, next_slot_tick(dt_util.utcnow())
        )

    async def _on_tick(self, _now: datetime) -> None:
        self._schedule_tick()
        self._replan_due = True
        await self.async_refresh()

    async def async_replan(self) -> EmsState:
        """Plan again now and return the new state."""
        self._replan_due = True
        await self.async_refresh()
        return self.data

    @callback
    def _on_source_change(self, event: Event[EventStateChangedData]) -> None:
        if self._prices_changed(event):
            self._replan_due = True
            self.config_entry.async_create_task(self.hass, self.async_request_refresh())
        elif self.data is None or self._matters(self.house.read()):
            self.config_entry.async_create_task(self.hass, self.async_request_refresh())

    def _prices_changed(self, event: Event[EventStateChangedData]) -> bool:
        """Return True when the price entity published new prices (say, tomorrow's).

        A weather warning that changes calls for a new plan as well.
        """
        if event.data["entity_id"] in self.inputs.warnings.entity_ids:
            return True
        if event.data["entity_id"] != self.prices.entity_id:
            return False
        old, new = event.data["old_state"], event.data["new_state"]
        return (old is None) != (new is None) or (
            old is not None and new is not None and old.attributes != new.attributes
        )

    def _matters(self, fresh: tuple[HouseReadings, dict[Quantity, str]]) -> bool:
        readings, problems = fresh
        if problems.keys() != self.data.problems.keys():
            return True
        for quantity, deadband in _DEADBAND.items():
            old, new = self.data.house.value(quantity), readings.value(quantity)
            if (old is None) != (new is None):
                return True
            if old is not None and new is not None and abs(new - old) > deadband:
                return True
        return False

    async def _async_setup(self) -> None:
        """Take back what the inputs remembered before a restart (the first refresh)."""
        await self.inputs.async_load()

    async def async_shutdown(self) -> None:
        """Stop refreshing and save what the inputs remember (the entry unloads)."""
        await super().async_shutdown()
        await self.inputs.async_save()

    async def _async_update_data(self) -> EmsState:
        try:
            return await self._async_read_and_plan()
        except Exception as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": f"{type(err).__name__}: {err}"},
            ) from err

    async def _async_read_and_plan(self) -> EmsState:
        readings, problems = self.house.read()
        self.house.log_transitions(problems)
        if self._replan_due or self.data is None:
            self._replan_due = False
            new_plan, problem, situation, issues = await self._async_plan(readings)
            loads = self._planned_loads
        else:
            new_plan, problem = self.data.plan, self.data.problem
            situation, issues = self.data.situation, self.data.plan_issues
            loads = self.data.loads
        return EmsState(
            house=readings,
            problems=problems,
            plan=new_plan,
            problem=problem,
            situation=situation,
            plan_issues=issues,
            source_problems=dict(self.inputs.problems),
            price_spike=spike.now if (spike := self.prices.spike) else None,
            loads=loads,
            updated_at=dt_util.utcnow(),
        )

    async def _async_plan(
        self, readings: HouseReadings
    ) -> tuple[Plan | None, Problem | None, Situation | None, tuple[str, ...]]:
        """Plan from what is known now (a Situation); the planner runs in the executor."""
        if readings.soc_percent is None:
            return None, None, None, ("no valid battery state of charge",)
        now = dt_util.utcnow()
        gathered = await self.inputs.async_gather(self.planning, readings, now)
        aligned, issues, storm = gathered.aligned, gathered.issues, gathered.storm
        # The control loop keeps a warning's reserve while the warning is in force.
        self.settings.storm = storm if storm is not None and storm.active(now) else None
        if (
            aligned is None
            or not aligned.starts
            or gathered.history is None
            or gathered.pv_forecast is None
        ):
            return None, None, None, issues
        settings = self.settings
        zone = dt_util.get_default_time_zone()
        self._planned_loads = planned_loads(
            loads_now(
                self.hass,
                self.loads,
                settings=settings,
                books=self.load_books,
                now=now,
                zone=zone,
            ),
            now=now,
            horizon_end=aligned.horizon_end,
            slot=timedelta(minutes=aligned.slot_minutes),
            zone=zone,
        )
        demand = await self.demand.async_tariff(now) if self.demand else None
        try:
            situation = build_situation(
                self.config,
                now=now,
                soc_percent=readings.soc_percent,
                min_soc_percent=settings.min_soc_percent,
                reserve_soc_percent=settings.reserve_soc_percent,
                aligned=aligned,
                pv_forecast=gathered.pv_forecast,
                history=gathered.history,
                temperatures=gathered.temperatures,
                time_zone=self.hass.config.time_zone,
                storm=storm,
                previous=self._running,
                mode_caps=self.mode_caps,
                loads=self._planned_loads.loads,
                strategy=settings.strategy,
                demand_charge=demand,
            )
            problem, planned = await self.hass.async_add_executor_job(
                partial(plan_situation, situation, method=self.planning.method)
            )
        except ProblemError as err:
            LOGGER.warning("EMS cannot plan: %s", err)
            return None, None, None, (*issues, str(err))
        self._running = running_command(self._running, planned, now)
        issues = (*issues, *planned.load_issues)
        # The planner names times in the problem's zone (UTC); people read local time.
        result = local_reasons(planned, zone)
        if storm is not None:
            result = storm_reasons(result, storm, zone)
        LOGGER.debug(
            "Planned %d slots with %s (%s) in %.3f s",
            len(result.slots),
            result.method,
            result.status,
            result.solve_seconds,
        )
        self._log_fallback(result)
        return result, problem, situation, issues

    def _log_fallback(self, result: Plan) -> None:
        """Warn once when the planner falls back from the method asked for, once when back."""
        fallback = result.reason if result.status == "fallback" else None
        if fallback is not None and self._planner_fallback is None:
            LOGGER.warning(
                "EMS planned with %s instead of %s: %s",
                result.method,
                self.planning.method,
                fallback,
            )
        elif fallback is None and self._planner_fallback is not None:
            LOGGER.info("EMS plans with %s again", result.method)
        self._planner_fallback = fallback
