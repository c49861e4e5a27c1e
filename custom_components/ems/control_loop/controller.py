"""The control loop: decide every control period, write the inverter only with Control on."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from custom_components.ems.const import DOMAIN, LOGGER
from custom_components.ems.coordinator import EmsCoordinator
from custom_components.ems.core.config import EmsConfig
from custom_components.ems.core.control import (
    ControllerMemory,
    ControlState,
    Decision,
    Layer,
    SetMinSoc,
    SetMode,
    decide,
    min_soc_floor,
    next_run_at,
)
from custom_components.ems.core.control.confirm import SocConfirmation, confirm_soc
from custom_components.ems.core.control.link import ControlRun, InverterLink, LinkError
from custom_components.ems.core.control.selftest import Refusal
from custom_components.ems.core.control.verify import Execution, Measured

from .commands import ControlReport, control_settings, describe_command
from .events import EventLog
from .overrides import Overrides
from .selftest import SelfTest, SelfTestLoop
from .settings import EmsSettings
from .verification import Verification, async_measure

# After a failed run, try again after these waits; the last one repeats.
RETRY_DELAYS = (timedelta(seconds=10), timedelta(seconds=30), timedelta(seconds=60))
# Consecutive failed runs before a repair issue is raised.
FAILURES_FOR_REPAIR = 3


class EmsController:
    """Runs the control policy; with Control off it only reports what it would write.

    Every run schedules the next one, whatever it raised. A failing inverter is retried
    after 10 s, 30 s, then every minute; only the user's own changes (Control, mode,
    floors, overrides) run earlier. A fault is logged once, its end once.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        *,
        config: EmsConfig,
        coordinator: EmsCoordinator,
        settings: EmsSettings,
        overrides: Overrides,
        events: EventLog,
        link: InverterLink | None,
    ) -> None:
        """Control one battery system through `link` (None: plan only)."""
        self.hass = hass
        self.entry = entry
        self.config = config
        self.coordinator = coordinator
        self.settings = settings
        self.overrides = overrides
        self.events = events
        self.link = link
        self.memory = ControllerMemory()
        self.report: ControlReport | None = None
        self.failures = 0
        # The entry reloads (options changed): leave a running command to the next one.
        self.handing_over = False
        self._soc = SocConfirmation()
        self._was_enabled = settings.control_enabled
        self._lock = asyncio.Lock()
        self._stopped = False
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._unsubs: list[CALLBACK_TYPE] = []
        self._listeners: list[CALLBACK_TYPE] = []
        self._last_action: str | None = None
        # A self-test pulse in force instead of what the policy decides.
        self.test_command: SetMode | None = None
        execution = link.execution if link is not None else Execution()
        self.verification = Verification(hass, entry, events, execution)
        self.self_test = SelfTest(
            hass,
            events,
            SelfTestLoop(
                set_command=self._set_test_command,
                run_now=self.async_run_now,
                measure=self.async_measure,
                may_go_on=lambda: self.settings.control_enabled and not self._stopped,
                changed=self._notify,
            ),
            execution,
        )

    async def async_start(self) -> None:
        """Take over from an earlier run, then run now, on changes and on the policy's clock."""
        if self.link is not None:
            self.link.remember(self.settings.inverter_memory)
            try:
                if done := await self.link.async_start(
                    control_enabled=self.settings.control_enabled
                ):
                    self.events.record("control", "start_up", outcome=done)
            except LinkError as err:
                LOGGER.warning("EMS could not check the inverter at start-up: %s", err)
        self._unsubs = [
            self.settings.add_listener(self._on_settings_change),
            self.coordinator.async_add_listener(self._on_coordinator_update),
            self.hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._on_stop),
        ]
        self._run_soon()

    async def async_stop(self) -> None:
        """Stop for good: wait for a run in flight, hand back unless handing over, close.

        Nothing is written after this returns. Handing back (the entry is disabled,
        deleted or reloaded by hand) ends EMS's command on the inverter; handing over
        (an options reload) leaves it to the next entry, which adopts it at once; if
        that entry does not start, the inverter's watchdog ends it.
        """
        self._halt()
        await self.self_test.async_stop()
        for unsub in self._unsubs[:-1]:
            unsub()
        if self.hass.is_running:
            self._unsubs[-1]()
        self._unsubs = []
        async with self._lock:
            if self.link is None:
                return
            if self._was_enabled and not self.handing_over:
                try:
                    if done := await self.link.async_hand_back():
                        LOGGER.info("EMS stopped: %s", done)
                except LinkError as err:
                    LOGGER.warning(
                        "EMS stopped but could not hand the inverter back: %s", err
                    )
            self.settings.remember_inverter(self.link.memory())
            await self.link.async_close()

    @callback
    def _on_stop(self, _event: Event) -> None:
        """Home Assistant stops (entries are not unloaded): stop writing."""
        self._unsubs.pop()
        self._halt()

    @callback
    def _halt(self) -> None:
        self._stopped = True
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None

    def add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` after every run; return the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def _on_settings_change(self) -> None:
        """Act now on a change the user made, even while retrying a failure."""
        self.verification.resume()
        self._run_soon()

    @callback
    def _on_coordinator_update(self) -> None:
        """Act on new readings or a new plan, unless waiting to retry a failure."""
        if self.failures == 0:
            self._run_soon()

    @callback
    def _run_soon(self) -> None:
        if self._stopped:
            return
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None
        self.entry.async_create_task(
            self.hass, self._run(dt_util.utcnow()), "control run", eager_start=False
        )

    @callback
    def _schedule_at(self, when: datetime) -> None:
        if self._unsub_timer is not None:
            self._unsub_timer()
        self._unsub_timer = async_track_point_in_utc_time(self.hass, self._run, when)

    async def _run(self, _now: datetime) -> None:
        async with self._lock:
            if self._stopped:  # queued before the entry unloaded
                return
            now = dt_util.utcnow()
            try:
                next_run = await self._async_run_once(now)
            except LinkError as err:
                next_run = self._failed(now, str(err))
            except Exception as err:  # noqa: BLE001 - the loop must always go on
                LOGGER.exception("EMS control run failed unexpectedly")
                next_run = self._failed(now, f"{type(err).__name__}: {err}")
            if not self._stopped:
                self._schedule_at(next_run)
        self._notify()

    @callback
    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    async def async_run_now(self) -> str | None:
        """Run the control loop now; return the run's error, None when it worked."""
        await self._run(dt_util.utcnow())
        return self.report.error if self.report else None

    async def async_measure(self) -> Measured:
        """Return the battery now: the inverter's telemetry, else the house sensors."""
        return await async_measure(self.link, self.coordinator.data.house)

    def start_self_test(self) -> Refusal | None:
        """Start the control self-test; return why it may not run, None when it started."""
        house = self.coordinator.data.house
        settings = control_settings(self.config, self.settings)
        return self.self_test.start(
            consent=self.config.self_test_consent,
            control_enabled=self.settings.control_enabled and self.link is not None,
            battery_kw=house.battery_kw,
            soc_percent=house.soc_percent,
            limits=settings.limits,
            floor_percent=float(min_soc_floor(settings)),
        )

    def _set_test_command(self, command: SetMode | None) -> None:
        self.test_command = command
        self.verification.restart()  # the command after a pulse starts afresh

    async def _async_run_once(self, now: datetime) -> datetime:
        """Decide and act once; return when to run next."""
        settings = self.settings
        link = self.link
        enabled = settings.control_enabled and link is not None
        decision = self._decide(now)
        if self._was_enabled and not settings.control_enabled:
            done = await link.async_hand_back() if link is not None else None
            self.events.record(
                "control",
                "control_off",
                outcome=done or "the inverter was already in self use",
            )
        self._was_enabled = settings.control_enabled
        if link is None:
            writes = tuple(describe_command(c) for c in decision.commands)
        else:
            writes = await link.async_apply(
                self._control_run(now, decision), write=enabled
            )
            self.settings.remember_inverter(link.memory())
        self._succeeded()
        if not enabled:
            self.verification.reset()
        elif self.test_command is None:
            policy = control_settings(self.config, self.settings)
            if self.verification.check(
                decision.mode_command,
                await self.async_measure(),
                policy.limits,
                floor_percent=float(min_soc_floor(policy)),
                now=now,
            ):
                self._run_soon()  # fell back: self use now, not a period later
        if not enabled and (self.report is None or self.report.writes != writes):
            LOGGER.info(
                "EMS control is off; it would write: %s", "; ".join(writes) or "nothing"
            )
        self.memory = decision.memory
        if decision.override_ended:
            self.overrides.async_set(None)
        self.report = ControlReport(
            at=now,
            action=decision.mode_command.mode.value,
            layer=decision.layer.value,
            reason=decision.reason,
            dry_run=not enabled,
            writes=writes,
        )
        self._record_mode_change(self.report)
        following = next_run_at(decision, self.coordinator.data.plan, now)
        settles = self._soc.settles_at()
        return min(following, settles) if settles is not None else following

    def _record_mode_change(self, report: ControlReport) -> None:
        if report.action == self._last_action:
            return
        self._last_action = report.action
        self.events.record(
            "mode",
            "mode_would_switch" if report.dry_run else "mode_switched",
            mode=report.action,
            reason=report.reason,
        )

    def _decide(self, now: datetime) -> Decision:
        house = self.coordinator.data.house
        self._soc = confirm_soc(self._soc, house.soc_percent, now)
        settings = control_settings(self.config, self.settings)
        if (pulse := self.test_command) is not None:
            return Decision(
                commands=(SetMinSoc(percent=min_soc_floor(settings)), pulse),
                layer=Layer.OVERRIDE,
                reason=f"self-test: {describe_command(pulse)}",
                memory=self.memory,
            )
        decision = decide(
            ControlState(
                soc_percent=house.soc_percent,
                soc_confirmed=self._soc.is_confirmed(house.soc_percent),
                pv_kw=house.pv_kw,
                load_kw=house.load_kw,
                grid_kw=house.grid_kw,
                battery_kw=house.battery_kw,
            ),
            self.coordinator.data.plan,
            self.settings.override,
            # Local time, so the reasons name the times a user reads on the clock.
            dt_util.as_local(now),
            settings=settings,
            memory=self.memory,
        )
        return self.verification.instead(decision, now)

    def _control_run(self, now: datetime, decision: Decision) -> ControlRun:
        data = self.coordinator.data
        return ControlRun(
            now=now,
            decision=decision,
            plan=data.plan,
            override=self.settings.override,
            settings=control_settings(self.config, self.settings),
            pv_kw=data.house.pv_kw,
            load_kw=data.house.load_kw,
            soc_percent=data.house.soc_percent,
        )

    @property
    def _issue_id(self) -> str:
        return f"inverter_unreachable_{self.entry.entry_id}"

    def _failed(self, now: datetime, error: str) -> datetime:
        self.failures += 1
        failures = self.failures
        if failures == 1:
            LOGGER.warning(
                "EMS cannot control the inverter: %s; trying again in 10 s, 30 s, "
                "then every minute",
                error,
            )
        else:
            LOGGER.debug("EMS control try %d failed: %s", failures, error)
        if failures == FAILURES_FOR_REPAIR:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=self.link.issue_key
                if self.link
                else "inverter_unreachable",
                translation_placeholders={"title": self.entry.title, "error": error},
            )
        last = self.report
        self.report = ControlReport(
            at=now,
            action=last.action if last else "unknown",
            layer=last.layer if last else "safety",
            reason=last.reason if last else "",
            dry_run=False,
            error=error,
        )
        return now + RETRY_DELAYS[min(failures, len(RETRY_DELAYS)) - 1]

    def _succeeded(self) -> None:
        if self.failures:
            LOGGER.info(
                "EMS controls the inverter again (after %d failed tries)", self.failures
            )
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)
        self.failures = 0
