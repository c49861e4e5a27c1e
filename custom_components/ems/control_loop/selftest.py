"""The guided control self-test in Home Assistant: pulses through the control loop, then back.

Started by the button (with the user's consent, given in the options), it sets each
pulse of `core.control.selftest` as the command in force, lets the control loop write
it, samples the battery while it runs, and judges it. Then the pulse command is
cleared and the loop runs again, which restores what it did before (the settings were
never touched). Control off, a failed run or the entry unloading end it at once.
Results go to the logbook and the button's attributes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.ems.core.control import HardwareLimits, SetMode
from custom_components.ems.core.control.selftest import (
    PULSE,
    PulseResult,
    Refusal,
    pulse_result,
    pulses,
    refusal,
)
from custom_components.ems.core.control.verify import Execution, Measured

from .events import EventLog

# Seconds between samples of the battery during a pulse.
SAMPLE_SECONDS = 5.0


@dataclass(kw_only=True)
class SelfTestReport:
    """The last self-test: running, passed, failed or aborted, and each pulse's result."""

    status: str
    started: datetime
    finished: datetime | None = None
    results: list[PulseResult] = field(default_factory=list)
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the report as the button's attributes show it."""
        return {
            "status": self.status,
            "started": dt_util.as_local(self.started).isoformat(),
            "finished": dt_util.as_local(self.finished).isoformat()
            if self.finished
            else None,
            "results": [result.as_dict() for result in self.results],
            "reason": self.reason,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class SelfTestLoop:
    """What the self-test needs of the control loop."""

    set_command: Callable[[SetMode | None], None]
    run_now: Callable[[], Awaitable[str | None]]  # the run's error, None when it worked
    measure: Callable[[], Awaitable[Measured]]
    may_go_on: Callable[[], bool]  # Control still on, the entry still loaded
    changed: Callable[[], None]  # tell the entities


class SelfTest:
    """Runs the pulses of one self-test at a time."""

    def __init__(
        self,
        hass: HomeAssistant,
        events: EventLog,
        loop: SelfTestLoop,
        execution: Execution,
    ) -> None:
        """Pulse through `loop`, judging as a link that works as `execution`."""
        self.hass = hass
        self.events = events
        self.loop = loop
        self.execution = execution
        self.report: SelfTestReport | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Return whether a self-test is under way."""
        return self._task is not None and not self._task.done()

    def start(
        self,
        *,
        consent: bool,
        control_enabled: bool,
        battery_kw: float | None,
        soc_percent: float | None,
        limits: HardwareLimits,
        floor_percent: float,
    ) -> Refusal | None:
        """Start the pulses in the background; return why not, None when started."""
        if self.running:
            return Refusal(
                key="self_test_running",
                message="The control self-test is already running",
                placeholders={},
            )
        found = refusal(
            consent=consent,
            control_enabled=control_enabled,
            measurable=self.execution.pulse_testable,
            battery_kw=battery_kw,
            soc_percent=soc_percent,
            limits=limits,
            floor_percent=floor_percent,
        )
        if found is not None:
            return found
        commands = pulses(limits)
        self.report = SelfTestReport(status="running", started=dt_util.utcnow())
        self.events.record(
            "self_test",
            "self_test_started",
            pulses=", ".join(_describe(command) for command in commands),
        )
        self._task = self.hass.async_create_background_task(
            self._async_run(commands, limits, floor_percent), "ems control self-test"
        )
        self.loop.changed()
        return None

    async def async_stop(self) -> None:
        """Cancel a running self-test (the entry unloads)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _async_run(
        self, commands: tuple[SetMode, ...], limits: HardwareLimits, floor: float
    ) -> None:
        report = self.report
        assert report is not None
        try:
            for command in commands:
                result = await self._async_pulse(command, limits, floor)
                if result is None:
                    break
                report.results.append(result)
                verdict = result.verdict
                self.events.record(
                    "self_test",
                    "self_test_pulse",
                    mode=command.mode.value,
                    outcome="passed" if result.passed else "failed",
                    expected=_kw(verdict.expected_kw),
                    measured=_kw(verdict.measured_kw),
                    explanation=verdict.explanation,
                )
                self.loop.changed()
        finally:
            self.loop.set_command(None)
            if self.loop.may_go_on():
                await self.loop.run_now()
        if report.reason is None:
            passed = all(result.passed for result in report.results)
            report.status = "passed" if passed else "failed"
        report.finished = dt_util.utcnow()
        self.events.record(
            "self_test",
            "self_test_finished",
            status=report.status,
            summary=report.reason
            or "; ".join(
                f"{r.verdict.mode.value.replace('_', ' ')} "
                f"{'passed' if r.passed else 'failed'}"
                for r in report.results
            ),
        )
        self.loop.changed()

    async def _async_pulse(
        self, command: SetMode, limits: HardwareLimits, floor: float
    ) -> PulseResult | None:
        """Run one pulse; None when the test had to stop (the report says why)."""
        self.loop.set_command(command)
        if (error := await self.loop.run_now()) is not None:
            self._abort(f"the inverter could not be commanded: {error}")
            return None
        samples: list[tuple[float, Measured]] = []
        began = asyncio.get_running_loop().time()
        duration = PULSE.total_seconds()
        while (elapsed := asyncio.get_running_loop().time() - began) < duration:
            await asyncio.sleep(min(SAMPLE_SECONDS, duration - elapsed))
            if not self.loop.may_go_on():
                self._abort("Control was turned off")
                return None
            samples.append(
                (asyncio.get_running_loop().time() - began, await self.loop.measure())
            )
        return pulse_result(
            command,
            samples,
            limits,
            floor_percent=floor,
            execution=self.execution,
        )

    def _abort(self, reason: str) -> None:
        assert self.report is not None
        self.report.status = "aborted"
        self.report.reason = reason


def _describe(command: SetMode) -> str:
    power = f" {command.power_kw:g} kW" if command.power_kw is not None else ""
    return f"{command.mode.value.replace('_', ' ')}{power}"


def _kw(value: float | None) -> str:
    return "unknown" if value is None else f"{value:+.2f}"
