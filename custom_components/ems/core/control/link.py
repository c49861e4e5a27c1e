"""How the control loop reaches an inverter: one link per kind (Fox ESS Modbus, Growatt via HA).

Every control run hands the link a `ControlRun` (the decision and what it was made from);
the link works out what differs from what the inverter reports, writes that when asked
to, and returns what it wrote (or, in a dry run, would write). Failures are `LinkError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
import logging
from typing import Protocol

from custom_components.ems.core.inverters.foxess import (
    FoxEssClient,
    InverterError,
    LeftoverRemoteControl,
    WorkMode,
)
from custom_components.ems.planner import Plan

from . import ControlSettings, Decision, Override
from .foxess import FoxEssCall, FoxEssCallKind, FoxEssReport, foxess_call, needs_write

_LOGGER = logging.getLogger(__name__)


class LinkError(Exception):
    """The inverter could not be read or written, or did not take what was written."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ControlRun:
    """One control run: the decision, and the plan, override, settings and house behind it."""

    now: datetime
    decision: Decision
    plan: Plan | None
    override: Override | None
    settings: ControlSettings
    pv_kw: float | None
    load_kw: float | None


class InverterLink(Protocol):
    """An inverter the control loop can command."""

    # The translation key of the repair issue raised after repeated failures.
    issue_key: str

    async def async_apply(self, run: ControlRun, *, write: bool) -> tuple[str, ...]:
        """Carry out `run` (only when `write`); return what was or would be written."""

    async def async_hand_back(self) -> str | None:
        """Return the inverter to self use, confirmed; say what changed (None: nothing)."""

    async def async_start(self, *, control_enabled: bool) -> str | None:
        """At start-up: keep what an earlier run left if Control is on, else hand back."""

    async def async_close(self) -> None:
        """Stop for good (the entry unloads): nothing is written afterwards."""


def describe_call(call: FoxEssCall) -> str:
    """Return a call as a user reads it: 'force charge 3000 W'."""
    match call.kind:
        case FoxEssCallKind.SELF_USE:
            return "work mode self use, remote control off"
        case FoxEssCallKind.MIN_SOC_ON_GRID:
            return f"min SoC on grid {call.percent} %"
        case _:
            return f"{call.kind.value.replace('_', ' ')} {call.power_w} W"


class FoxEssLink:
    """A Fox ESS inverter over Modbus TCP: remote control, work mode, min SoC on grid."""

    issue_key = "inverter_unreachable"

    def __init__(self, client: FoxEssClient) -> None:
        """Command the inverter behind `client`."""
        self.client = client

    async def async_apply(self, run: ControlRun, *, write: bool) -> tuple[str, ...]:
        """Write the calls whose values the inverter does not report; keep remote control alive.

        Returns what was written and read back; a call that did not read back raises
        `LinkError` after remote control was switched off.
        """
        calls = [
            foxess_call(command, pv_kw=run.pv_kw, load_kw=run.load_kw)
            for command in run.decision.commands
        ]
        if not write:
            return tuple(describe_call(call) for call in calls)
        try:
            report = await self._async_report()
            pending = [call for call in calls if needs_write(call, report)]
            await self._async_write(pending, report)
        except InverterError as err:
            raise LinkError(str(err)) from err
        return tuple(describe_call(call) for call in pending)

    async def _async_report(self) -> FoxEssReport:
        inverter = await self.client.async_read_settings()
        remote = await self.client.async_read_remote_control()
        return FoxEssReport(
            work_mode=inverter.work_mode,
            remote_enabled=remote.enabled,
            remote_ours=remote.ours,
            active_power_w=remote.active_power_w,
            min_soc_on_grid_percent=inverter.min_soc_on_grid_percent,
        )

    async def _async_write(self, calls: list[FoxEssCall], report: FoxEssReport) -> None:
        client = self.client
        for call in calls:
            _LOGGER.info("EMS writes to the inverter: %s", describe_call(call))
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
        if report.remote_enabled and not any(call.kind in remote for call in calls):
            await client.async_keep_alive()

    async def async_hand_back(self) -> str | None:
        """End EMS's remote control (the disable is read back) and set Self Use."""
        try:
            released = await self.client.async_release_remote_control(WorkMode.SELF_USE)
        except InverterError as err:
            raise LinkError(str(err)) from err
        return "remote control off, work mode self use" if released else None

    async def async_start(self, *, control_enabled: bool) -> str | None:
        """Adopt EMS's own remote control with Control on (a reload); else end it."""
        try:
            leftover = await self.client.async_read_leftover_remote_control()
            if leftover is LeftoverRemoteControl.FOREIGN:
                _LOGGER.warning(
                    "Another program has the Fox ESS in remote control; EMS leaves it "
                    "alone and will not force charge or discharge until it ends"
                )
                return None
            if leftover is LeftoverRemoteControl.NONE:
                return None
            if control_enabled:
                state = await self.client.async_read_remote_control()
                self.client.adopt_remote_control(state.active_power_w)
                return None
            await self.client.async_release_remote_control(WorkMode.SELF_USE)
        except InverterError as err:
            raise LinkError(str(err)) from err
        _LOGGER.warning("EMS ended remote control it had left on before the restart")
        return "remote control off, work mode self use"

    async def async_close(self) -> None:
        """Close the Modbus connection for good."""
        await self.client.async_close()
