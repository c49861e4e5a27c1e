"""Verified execution in Home Assistant: judge each run's command, tell the user, fall back.

The pure rules are `core.control.verify`; this module feeds them after every run with
Control on and acts on what they raise: a logbook entry and the problem sensor when a
command is not carried out, a repair issue when that persists, and a fall back to self
use, with the reason on the control sensor, after repeated failures.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from custom_components.ems.const import DOMAIN, LOGGER
from custom_components.ems.core.control import (
    Decision,
    HardwareLimits,
    Layer,
    SetMinSoc,
    SetMode,
)
from custom_components.ems.core.control.link import InverterLink, LinkError
from custom_components.ems.core.control.verify import (
    Alarm,
    Execution,
    Measured,
    Verdict,
    VerifyMemory,
    end_fallback,
    judge,
    track,
)
from custom_components.ems.core.house import HouseReadings
from custom_components.ems.planner import InverterMode

from .events import EventLog


async def async_measure(link: InverterLink | None, house: HouseReadings) -> Measured:
    """Return the battery now: the inverter's own telemetry, else the house sensors."""
    if link is not None:
        try:
            if (measured := await link.async_measure()) is not None:
                return measured
        except LinkError as err:
            LOGGER.debug("EMS reads the battery from the sensors: %s", err)
    return Measured(
        battery_kw=house.battery_kw,
        soc_percent=house.soc_percent,
        pv_kw=house.pv_kw,
        load_kw=house.load_kw,
        grid_kw=house.grid_kw,
    )


def _kw(value: float | None) -> str:
    return "unknown" if value is None else f"{value:+.2f}"


class Verification:
    """Checks that the battery follows EMS's commands, for one entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        events: EventLog,
        execution: Execution,
    ) -> None:
        """Verify the commands of `entry`'s control loop on a link that works as `execution`."""
        self.hass = hass
        self.entry = entry
        self.events = events
        self.execution = execution
        self.memory = VerifyMemory()

    @property
    def flagged(self) -> Verdict | None:
        """Return the failure the user is shown, None while commands are carried out."""
        return self.memory.flagged

    @property
    def _issue_id(self) -> str:
        return f"command_not_carried_out_{self.entry.entry_id}"

    def instead(self, decision: Decision, now: datetime) -> Decision:
        """Return self use while EMS has fallen back after repeated failures, else `decision`."""
        memory = self.memory
        if not memory.in_fallback(now) or memory.fallback_until is None:
            return decision
        until = dt_util.as_local(memory.fallback_until).strftime("%H:%M")
        floor = next(c for c in decision.commands if isinstance(c, SetMinSoc))
        return Decision(
            commands=(floor, SetMode(mode=InverterMode.SELF_USE)),
            layer=Layer.SAFETY,
            reason=f"safety: self use until {until}: {memory.fallback_reason}",
            memory=decision.memory,
            override_ended=decision.override_ended,
        )

    def check(
        self,
        command: SetMode,
        measured: Measured,
        limits: HardwareLimits,
        *,
        floor_percent: float,
        now: datetime,
    ) -> bool:
        """Judge the command in force against the battery as measured; act on the outcome.

        Return True when EMS has just fallen back to self use (run again at once).
        """
        verdict = judge(
            command,
            measured,
            limits,
            floor_percent=floor_percent,
            execution=self.execution,
        )
        before = self.memory.flagged
        self.memory, alarms = track(
            self.memory, command, verdict, now, execution=self.execution
        )
        for alarm in alarms:
            self._act(alarm, before if alarm is Alarm.CLEARED else verdict)
        return Alarm.FALLBACK in alarms

    def resume(self) -> None:
        """End a fall back at once: the user changed something, EMS tries again."""
        if self.memory.fallback_until is not None:
            self.memory = end_fallback(self.memory)
            self._act(Alarm.RESUMED, None)

    def restart(self) -> None:
        """Judge the next command as a new one: it gets its time to show."""
        self.memory = replace(self.memory, command=None, since=None)

    def reset(self) -> None:
        """Forget the command in force (Control is off): nothing is commanded to check."""
        self.resume()
        if self.memory.flagged is not None:
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)
        self.memory = VerifyMemory(counters=self.memory.counters)

    def as_dict(self) -> dict[str, Any]:
        """Return the counters, the last check and any failure, for diagnostics."""
        memory = self.memory
        return {
            "counters": {
                key: getattr(memory.counters, key)
                for key in (
                    "checks",
                    "carried_out",
                    "explained",
                    "not_carried_out",
                    "flagged",
                    "fallbacks",
                )
            },
            "last": memory.last.as_dict() if memory.last else None,
            "flagged": memory.flagged.as_dict() if memory.flagged else None,
            "failing_checks": memory.failing,
            "fallback_until": memory.fallback_until.isoformat()
            if memory.fallback_until
            else None,
            "fallback_reason": memory.fallback_reason,
        }

    def _act(self, alarm: Alarm, verdict: Verdict | None) -> None:
        match alarm:
            case Alarm.FLAGGED if verdict is not None:
                LOGGER.warning(
                    "EMS told the inverter to %s, the battery does not follow: %s",
                    verdict.mode.value.replace("_", " "),
                    verdict.explanation,
                )
                self.events.record(
                    "verify",
                    "verify_failed",
                    mode=verdict.mode.value,
                    expected=_kw(verdict.expected_kw),
                    measured=_kw(verdict.measured_kw),
                    explanation=verdict.explanation,
                )
            case Alarm.PERSISTS if verdict is not None:
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    self._issue_id,
                    is_fixable=False,
                    severity=ir.IssueSeverity.ERROR,
                    translation_key="command_not_carried_out",
                    translation_placeholders={
                        "title": self.entry.title,
                        "mode": verdict.mode.value.replace("_", " "),
                        "expected": _kw(verdict.expected_kw),
                        "measured": _kw(verdict.measured_kw),
                        "explanation": verdict.explanation,
                    },
                )
            case Alarm.FALLBACK:
                until = self.memory.fallback_until
                LOGGER.warning(
                    "EMS returns the inverter to self use: %s",
                    self.memory.fallback_reason,
                )
                self.events.record(
                    "verify",
                    "verify_fallback",
                    until=dt_util.as_local(until).strftime("%H:%M") if until else "",
                    reason=self.memory.fallback_reason or "",
                )
            case Alarm.CLEARED if verdict is not None:
                LOGGER.info("The battery follows EMS's commands again")
                ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)
                self.events.record("verify", "verify_cleared", mode=verdict.mode.value)
            case Alarm.RESUMED:
                ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)
                self.events.record("verify", "verify_resumed")
