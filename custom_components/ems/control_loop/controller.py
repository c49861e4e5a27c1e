"""The control loop: decide every control period, write the inverter only with Control on."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from custom_components.ems.const import (
    CONF_GROWATT_DEVICE,
    CONF_INVERTER_TYPE,
    CONF_MAX_CHARGE_KW,
    CONF_MAX_DISCHARGE_KW,
    CONF_MAX_SOC,
    CONF_MIN_SOC,
    DOMAIN,
    LOGGER,
    InverterType,
    OperatingMode,
)
from custom_components.ems.coordinator import EmsConfigEntry, EmsSettings
from custom_components.ems.core.control import (
    Command,
    ControllerMemory,
    ControlSettings,
    ControlState,
    Decision,
    HardwareLimits,
    SetMinSoc,
    decide,
    next_run_at,
)
from custom_components.ems.core.control.link import (
    ControlRun,
    FoxEssLink,
    InverterLink,
    LinkError,
)
from custom_components.ems.core.inverters.foxess import FoxEssClient
from custom_components.ems.planner import InverterMode

from .growatt import GrowattLink
from .overrides import async_set_override

# After a failed run, try again after these waits; the last one repeats.
RETRY_DELAYS = (timedelta(seconds=10), timedelta(seconds=30), timedelta(seconds=60))
# Consecutive failed runs before a repair issue is raised.
FAILURES_FOR_REPAIR = 3


@dataclass(frozen=True, kw_only=True, slots=True)
class ControlReport:
    """The last control run, as the control sensor shows it."""

    at: datetime
    action: str
    layer: str
    reason: str
    dry_run: bool
    writes: tuple[str, ...] = ()
    error: str | None = None


def describe_command(command: Command) -> str:
    """Return an inverter-neutral command as a user reads it (no inverter to write to)."""
    if isinstance(command, SetMinSoc):
        return f"min SoC {command.percent} %"
    power = f" {command.power_kw:g} kW" if command.power_kw is not None else ""
    return f"{command.mode.value.replace('_', ' ')}{power}"


def inverter_link(
    hass: HomeAssistant, entry: EmsConfigEntry, client: FoxEssClient | None
) -> InverterLink | None:
    """Return the link to the entry's inverter: Fox ESS (`client`), Growatt, or None."""
    if client is not None:
        return FoxEssLink(client)
    data = entry.data
    if data.get(CONF_INVERTER_TYPE) == InverterType.GROWATT and data.get(
        CONF_GROWATT_DEVICE
    ):
        return GrowattLink(hass, str(data[CONF_GROWATT_DEVICE]))
    return None


def hardware_limits(entry: EmsConfigEntry) -> HardwareLimits:
    """Return what the entry's battery allows: SoC bounds and power limits."""
    options = entry.options
    return HardwareLimits(
        min_soc_percent=float(options[CONF_MIN_SOC]),
        max_soc_percent=float(options[CONF_MAX_SOC]),
        max_charge_kw=float(options[CONF_MAX_CHARGE_KW]),
        max_discharge_kw=float(options[CONF_MAX_DISCHARGE_KW]),
    )


def control_settings(entry: EmsConfigEntry, settings: EmsSettings) -> ControlSettings:
    """Return the control policy's settings from the entry's options and the entities."""
    limits = hardware_limits(entry)
    manual = (
        None
        if settings.mode is OperatingMode.AUTO
        else InverterMode(settings.mode.value)
    )
    reserve = settings.reserve_soc_percent
    return ControlSettings(
        limits=limits,
        manual_mode=manual,
        reserve_soc_percent=reserve if reserve > settings.min_soc_percent else None,
        min_soc_percent=settings.min_soc_percent,
    )


@dataclass(kw_only=True)
class _Schedule:
    unsub: CALLBACK_TYPE | None = None
    failures: int = 0
    stopped: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class EmsController:
    """Runs the control policy; with Control off it only reports what it would write."""

    def __init__(
        self, hass: HomeAssistant, entry: EmsConfigEntry, client: FoxEssClient | None
    ) -> None:
        """Control one battery system: Fox ESS through `client`, else the entry's Growatt."""
        self.hass = hass
        self.entry = entry
        self.link = inverter_link(hass, entry, client)
        self.memory = ControllerMemory()
        self.report: ControlReport | None = None
        self._was_enabled = False
        self._schedule = _Schedule()
        self._listeners: list[CALLBACK_TYPE] = []

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Run now, after every plan and settings change, and on the policy's clock."""
        runtime = self.entry.runtime_data
        self._was_enabled = runtime.settings.control_enabled
        stops = [
            runtime.settings.add_listener(self._run_soon),
            runtime.coordinator.async_add_listener(self._run_soon),
        ]
        self._run_soon()

        @callback
        def halt(_event: Event | None = None) -> None:
            """Stop running; Home Assistant does not unload entries when it stops."""
            self._schedule.stopped = True
            if self._schedule.unsub is not None:
                self._schedule.unsub()
                self._schedule.unsub = None

        unsub_stop: CALLBACK_TYPE | None = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, halt
        )

        @callback
        def stop() -> None:
            nonlocal unsub_stop
            halt()
            for unsub in stops:
                unsub()
            if unsub_stop is not None and self.hass.is_running:
                unsub_stop()
            unsub_stop = None

        return stop

    def add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` after every run; return the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def _run_soon(self) -> None:
        if self._schedule.unsub is not None:
            self._schedule.unsub()
            self._schedule.unsub = None
        self.hass.async_create_task(self._run(dt_util.utcnow()), eager_start=False)

    def _stopped(self) -> bool:
        return self._schedule.stopped

    @callback
    def _schedule_at(self, when: datetime) -> None:
        if self._schedule.unsub is not None:
            self._schedule.unsub()
        self._schedule.unsub = async_track_point_in_utc_time(self.hass, self._run, when)

    async def _run(self, _now: datetime) -> None:
        async with self._schedule.lock:
            # A run that was already queued when the entry unloaded does nothing.
            if self._stopped():
                return
            next_run = await self._async_run_once()
        if self._stopped():  # the entry unloaded during the run
            return
        self._schedule_at(next_run)
        for listener in list(self._listeners):
            listener()

    async def _async_run_once(self) -> datetime:
        """Decide and act once; return when to run next."""
        runtime = self.entry.runtime_data
        settings = runtime.settings
        now = dt_util.utcnow()
        link = self.link
        enabled = settings.control_enabled and link is not None
        decision = self._decide(now, settings)
        try:
            if self._was_enabled and not settings.control_enabled and link:
                await link.async_hand_back()
            self._was_enabled = settings.control_enabled
            if link is None:
                writes = tuple(describe_command(c) for c in decision.commands)
            else:
                writes = await link.async_apply(
                    self._control_run(now, decision), write=enabled
                )
        except LinkError as err:
            return self._failed(now, err)
        self._succeeded()
        if not enabled and (self.report is None or self.report.writes != writes):
            LOGGER.info(
                "EMS control is off; it would write: %s", "; ".join(writes) or "nothing"
            )
        self.memory = decision.memory
        if decision.override_ended:
            async_set_override(self.hass, self.entry, None)
        self.report = ControlReport(
            at=now,
            action=decision.mode_command.mode.value,
            layer=decision.layer.value,
            reason=decision.reason,
            dry_run=not enabled,
            writes=writes,
        )
        return next_run_at(decision, runtime.coordinator.data.plan, now)

    def _decide(self, now: datetime, settings: EmsSettings) -> Decision:
        data = self.entry.runtime_data.coordinator.data
        house = data.house
        return decide(
            ControlState(
                soc_percent=house.soc_percent,
                pv_kw=house.pv_kw,
                load_kw=house.load_kw,
                grid_kw=house.grid_kw,
                battery_kw=house.battery_kw,
            ),
            data.plan,
            settings.override,
            # Local time, so the reasons name the times a user reads on the clock.
            dt_util.as_local(now),
            settings=control_settings(self.entry, settings),
            memory=self.memory,
        )

    def _control_run(self, now: datetime, decision: Decision) -> ControlRun:
        runtime = self.entry.runtime_data
        data = runtime.coordinator.data
        return ControlRun(
            now=now,
            decision=decision,
            plan=data.plan,
            override=runtime.settings.override,
            settings=control_settings(self.entry, runtime.settings),
            pv_kw=data.house.pv_kw,
            load_kw=data.house.load_kw,
        )

    async def async_clear_leftovers(self) -> None:
        """At start-up, clear what an earlier run left on the inverter (Control on only)."""
        if self.link is None or not self.entry.runtime_data.settings.control_enabled:
            return
        try:
            await self.link.async_clear_leftovers()
        except LinkError as err:
            LOGGER.warning("EMS could not check the inverter at start-up: %s", err)

    def _failed(self, now: datetime, err: LinkError) -> datetime:
        self._schedule.failures += 1
        failures = self._schedule.failures
        LOGGER.warning("EMS could not control the inverter (try %d): %s", failures, err)
        if failures == FAILURES_FOR_REPAIR:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                f"inverter_unreachable_{self.entry.entry_id}",
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=self.link.issue_key
                if self.link
                else "inverter_unreachable",
                translation_placeholders={"title": self.entry.title, "error": str(err)},
            )
        self.report = ControlReport(
            at=now,
            action=self.report.action if self.report else "unknown",
            layer=self.report.layer if self.report else "safety",
            reason=self.report.reason if self.report else "",
            dry_run=False,
            error=str(err),
        )
        delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS)) - 1]
        return now + delay

    def _succeeded(self) -> None:
        if self._schedule.failures >= FAILURES_FOR_REPAIR:
            ir.async_delete_issue(
                self.hass, DOMAIN, f"inverter_unreachable_{self.entry.entry_id}"
            )
            LOGGER.info("EMS reaches the inverter again")
        self._schedule.failures = 0
