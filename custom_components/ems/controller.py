"""The control loop: decide every control period, write the inverter only with Control on."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .const import (
    CONF_MAX_CHARGE_KW,
    CONF_MAX_DISCHARGE_KW,
    CONF_MAX_SOC,
    CONF_MIN_SOC,
    DOMAIN,
    LOGGER,
    OperatingMode,
)
from .control import (
    ControllerMemory,
    ControlSettings,
    ControlState,
    Decision,
    HardwareLimits,
    decide,
    next_run_at,
)
from .control.foxess import (
    FoxEssCall,
    FoxEssCallKind,
    FoxEssReport,
    foxess_call,
    needs_write,
)
from .coordinator import EmsConfigEntry, EmsSettings
from .inverters.foxess import (
    FoxEssClient,
    InverterError,
    LeftoverRemoteControl,
    WorkMode,
)
from .overrides import async_set_override
from .planner import InverterMode

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


def describe_call(call: FoxEssCall) -> str:
    """Return a call as a user reads it: 'force charge 3000 W'."""
    match call.kind:
        case FoxEssCallKind.SELF_USE:
            return "work mode self use, remote control off"
        case FoxEssCallKind.MIN_SOC_ON_GRID:
            return f"min SoC on grid {call.percent} %"
        case _:
            return f"{call.kind.value.replace('_', ' ')} {call.power_w} W"


def control_settings(entry: EmsConfigEntry, settings: EmsSettings) -> ControlSettings:
    """Return the control policy's settings from the entry's options and the entities."""
    options = entry.options
    limits = HardwareLimits(
        min_soc_percent=float(options[CONF_MIN_SOC]),
        max_soc_percent=float(options[CONF_MAX_SOC]),
        max_charge_kw=float(options[CONF_MAX_CHARGE_KW]),
        max_discharge_kw=float(options[CONF_MAX_DISCHARGE_KW]),
    )
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
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class EmsController:
    """Runs the control policy; with Control off it only reports what it would write."""

    def __init__(
        self, hass: HomeAssistant, entry: EmsConfigEntry, client: FoxEssClient | None
    ) -> None:
        """Control one battery system through `client` (None: plan only)."""
        self.hass = hass
        self.entry = entry
        self.client = client
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
        def stop() -> None:
            for unsub in stops:
                unsub()
            if self._schedule.unsub is not None:
                self._schedule.unsub()
                self._schedule.unsub = None

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

    @callback
    def _schedule_at(self, when: datetime) -> None:
        if self._schedule.unsub is not None:
            self._schedule.unsub()
        self._schedule.unsub = async_track_point_in_utc_time(self.hass, self._run, when)

    async def _run(self, _now: datetime) -> None:
        self._schedule.unsub = None
        async with self._schedule.lock:
            next_run = await self._async_run_once()
        self._schedule_at(next_run)
        for listener in list(self._listeners):
            listener()

    async def _async_run_once(self) -> datetime:
        """Decide and act once; return when to run next."""
        runtime = self.entry.runtime_data
        settings = runtime.settings
        now = dt_util.utcnow()
        enabled = settings.control_enabled and self.client is not None
        try:
            if self._was_enabled and not settings.control_enabled:
                await self._async_hand_back()
            self._was_enabled = settings.control_enabled
            report = await self._async_report() if enabled else None
            decision = self._decide(now, settings)
            pending = [
                call
                for call in self._calls(decision)
                if report is None or needs_write(call, report)
            ]
            if enabled and self.client is not None:
                await self._async_write(self.client, pending, report)
        except InverterError as err:
            return self._failed(now, err)
        self._succeeded()
        writes = tuple(describe_call(call) for call in pending)
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
            now,
            settings=control_settings(self.entry, settings),
            memory=self.memory,
        )

    def _calls(self, decision: Decision) -> list[FoxEssCall]:
        """Return the inverter calls that carry out a decision."""
        house = self.entry.runtime_data.coordinator.data.house
        return [
            foxess_call(command, pv_kw=house.pv_kw, load_kw=house.load_kw)
            for command in decision.commands
        ]

    async def _async_report(self) -> FoxEssReport:
        assert self.client is not None
        inverter = await self.client.async_read_settings()
        remote = await self.client.async_read_remote_control()
        return FoxEssReport(
            work_mode=inverter.work_mode,
            remote_enabled=remote.enabled,
            active_power_w=remote.active_power_w,
            min_soc_on_grid_percent=inverter.min_soc_on_grid_percent,
        )

    async def _async_write(
        self,
        client: FoxEssClient,
        calls: list[FoxEssCall],
        report: FoxEssReport | None,
    ) -> None:
        for call in calls:
            LOGGER.info("EMS writes to the inverter: %s", describe_call(call))
            match call.kind:
                case FoxEssCallKind.SELF_USE:
                    await client.async_release_remote_control(WorkMode.SELF_USE)
                case FoxEssCallKind.FORCE_CHARGE:
                    await client.async_force_charge(call.power_w)
                case FoxEssCallKind.FORCE_DISCHARGE:
                    await client.async_force_discharge(call.power_w)
                case FoxEssCallKind.MIN_SOC_ON_GRID:
                    await client.async_set_min_soc_on_grid(call.percent)
        remote = (FoxEssCallKind.FORCE_CHARGE, FoxEssCallKind.FORCE_DISCHARGE)
        if (
            report is not None
            and report.remote_enabled
            and not any(call.kind in remote for call in calls)
        ):
            await client.async_keep_alive()

    async def _async_hand_back(self) -> None:
        """Control was switched off: return the inverter to self use."""
        if self.client is not None:
            LOGGER.info("EMS control is off: the inverter returns to self use")
            await self.client.async_release_remote_control(WorkMode.SELF_USE)

    async def async_clear_leftovers(self) -> None:
        """At start-up, clear remote control an earlier run left enabled."""
        if self.client is None or not self.entry.runtime_data.settings.control_enabled:
            return
        try:
            outcome = await self.client.async_clear_leftover_remote_control()
            if outcome is LeftoverRemoteControl.CLEARED:
                LOGGER.warning("EMS cleared remote control left on before the restart")
                await self.client.async_set_work_mode(WorkMode.SELF_USE)
        except InverterError as err:
            LOGGER.warning("EMS could not check the inverter at start-up: %s", err)

    def _failed(self, now: datetime, err: InverterError) -> datetime:
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
                translation_key="inverter_unreachable",
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
