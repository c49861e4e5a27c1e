"""Switching the controllable loads through Home Assistant, each only with its Control on.

Every minute and on every reading the rules (`core.loads.decide_loads`) decide from the
plan's power for each load in the slot now, the user's mode for it, the house and what
each switch, current number and sensor shows. A load whose Control is off is a dry run:
its status says what EMS would switch. Switching a load by hand is respected for its
hold time; the logbook says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from homeassistant.const import (
    ATTR_ENTITY_ID,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from custom_components.ems.const import LOGGER
from custom_components.ems.coordinator import EmsCoordinator, EmsState
from custom_components.ems.core.house import Quantity, ReadingError, convert
from custom_components.ems.core.loads import (
    HouseNow,
    LoadCommand,
    LoadKind,
    LoadMemory,
    LoadReading,
    LoadStatus,
    SgReady,
    decide_loads,
)
from custom_components.ems.core.loads.config import LoadConfig
from custom_components.ems.planner import Plan

from .events import EventLog
from .settings import EmsSettings

RUN_EVERY = timedelta(minutes=1)
# Below this SoC every load stops (the emergency brake).
EMERGENCY_SOC_PERCENT = 12.0


@dataclass(kw_only=True)
class LoadsState:
    """The last decision for every load, for the entities."""

    status: dict[str, LoadStatus] = field(default_factory=dict)
    would_switch: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


class LoadController:
    """Decides and switches the entry's loads."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        loads: tuple[LoadConfig, ...],
        coordinator: EmsCoordinator,
        settings: EmsSettings,
        events: EventLog,
    ) -> None:
        """Switch `loads`; the settings hold each load's Control and mode."""
        self.hass = hass
        self.loads = loads
        self.coordinator = coordinator
        self.settings = settings
        self.events = events
        self.state = LoadsState()
        self._memory: dict[str, LoadMemory] = {}
        self._listeners: list[Callable[[], None]] = []

    def add_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call `listener` after every decision; return the remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Decide every minute and on every coordinator update; return the stopper."""
        if not self.loads:
            return lambda: None
        unsubs = [
            async_track_time_interval(
                self.hass, self._on_timer, RUN_EVERY, cancel_on_shutdown=True
            ),
            self.coordinator.async_add_listener(self._on_update),
        ]

        @callback
        def stop() -> None:
            for unsub in unsubs:
                unsub()

        return stop

    @callback
    def _on_timer(self, _now: datetime) -> None:
        self._on_update()

    @callback
    def _on_update(self) -> None:
        self.hass.async_create_task(self.async_run(dt_util.utcnow()), eager_start=False)

    async def async_run(self, now: datetime) -> None:
        """Decide once and switch what changed (loads with Control on only)."""
        data = self.coordinator.data
        house = data.house
        readings = {load.spec.load_id: self._read(load) for load in self.loads}
        decision = decide_loads(
            [load.spec for load in self.loads],
            readings=readings,
            planned_kw=planned_load_kw(data.plan, now),
            modes={
                load.spec.load_id: self.settings.load(load.spec.load_id).mode
                for load in self.loads
            },
            house=HouseNow(
                soc_percent=house.soc_percent,
                grid_kw=house.grid_kw,
                load_kw=house.load_kw,
            ),
            memory=self._memory,
            now=now,
            emergency_soc_percent=EMERGENCY_SOC_PERCENT,
        )
        self._memory = {
            # A dry run commands nothing: nothing to hold against the switch.
            key: memory
            if self.settings.load(key).control_enabled
            else replace(memory, commanded_on=None, changed_at=None)
            for key, memory in decision.memory.items()
        }
        self.state.status = {s.load_id: s for s in decision.status}
        self.state.would_switch = {}
        self._book(data, readings, now)
        for status in decision.status:
            for event in status.events:
                self.events.record(
                    "load", "load_event", load=status.load_id, event=event
                )
        for command in decision.commands:
            load = next(x for x in self.loads if x.spec.load_id == command.load_id)
            if self.settings.load(command.load_id).control_enabled:
                await self._async_send(load, command)
            else:
                self.state.would_switch[command.load_id] = describe(command)
        for listener in list(self._listeners):
            listener()

    def _book(
        self, data: EmsState, readings: dict[str, LoadReading], now: datetime
    ) -> None:
        """Sample what each load draws now into the books, at the import price now."""
        slot = data.plan.slot_at(now) if data.plan is not None else None
        price = slot.import_price if slot else data.house.price_per_kwh or 0.0
        for load in self.loads:
            reading = readings[load.spec.load_id]
            kw = reading.power_kw
            if kw is None:
                kw = drawn_kw(load, reading)
            self.coordinator.load_books.sample(
                load.spec.load_id, now, kw=max(kw, 0.0), price=price
            )

    def _read(self, load: LoadConfig) -> LoadReading:
        """Return the load's switch, power, current and plug as Home Assistant shows them."""
        switch = self.hass.states.get(load.entities.switch)
        on = (
            None
            if switch is None or switch.state in (STATE_UNAVAILABLE, STATE_UNKNOWN)
            else switch.state == STATE_ON
        )
        plugged = self.hass.states.get(load.entities.plugged_in or "")
        return LoadReading(
            switched_on=on,
            power_kw=self._power_kw(load.entities.power),
            current_a=self._number(load.entities.current),
            plugged_in=None
            if plugged is None or plugged.state in (STATE_UNAVAILABLE, STATE_UNKNOWN)
            else plugged.state == STATE_ON,
        )

    def _power_kw(self, entity_id: str | None) -> float | None:
        state = self.hass.states.get(entity_id) if entity_id else None
        if state is None:
            return None
        try:
            return convert(
                Quantity.LOAD_POWER,
                state.state,
                state.attributes.get("unit_of_measurement"),
            )
        except ReadingError:
            return None

    def _number(self, entity_id: str | None) -> float | None:
        state = self.hass.states.get(entity_id) if entity_id else None
        try:
            return float(state.state) if state is not None else None
        except ValueError:
            return None

    async def _async_send(self, load: LoadConfig, command: LoadCommand) -> None:
        """Switch the load (and set its current); an error is shown, never raised."""
        entities = load.entities
        try:
            if command.current_a is not None and entities.current:
                domain = entities.current.partition(".")[0]
                await self.hass.services.async_call(
                    domain,
                    "set_value",
                    {ATTR_ENTITY_ID: entities.current, "value": command.current_a},
                    blocking=True,
                )
            if command.sg_ready is SgReady.BLOCK and entities.block:
                await self._async_switch(entities.block, on=True)
            elif entities.block:
                await self._async_switch(entities.block, on=False)
            await self._async_switch(entities.switch, on=command.on)
        except (HomeAssistantError, ValueError) as err:
            self.state.errors[load.spec.load_id] = str(err)
            LOGGER.warning("EMS could not switch %s: %s", load.spec.name, err)
            return
        self.state.errors.pop(load.spec.load_id, None)
        LOGGER.info("EMS switched %s: %s", load.spec.name, describe(command))

    async def _async_switch(self, entity_id: str, *, on: bool) -> None:
        domain = entity_id.partition(".")[0]
        await self.hass.services.async_call(
            domain,
            "turn_on" if on else "turn_off",
            {ATTR_ENTITY_ID: entity_id},
            blocking=True,
        )


def describe(command: LoadCommand) -> str:
    """Return a command as a user reads it."""
    text = "on" if command.on else "off"
    if command.current_a is not None:
        text += f" at {command.current_a:g} A"
    if command.sg_ready is not None:
        text += f" (SG-Ready {command.sg_ready.value})"
    return text


def drawn_kw(load: LoadConfig, reading: LoadReading) -> float:
    """Return the power a load without a power sensor draws: its own while switched on."""
    if not reading.switched_on:
        return 0.0
    spec = load.spec
    if spec.kind is LoadKind.MODULATING:
        amps = (
            reading.current_a if reading.current_a is not None else spec.min_current_a
        )
        return amps * spec.volts * spec.phases / 1000.0
    return spec.power_kw


def planned_load_kw(plan: Plan | None, now: datetime) -> dict[str, float]:
    """Return each load's planned power in the slot holding `now` (none without a plan)."""
    slot = plan.slot_at(now) if plan is not None else None
    return dict(slot.loads_kw) if slot is not None else {}
