"""How the control loop reaches an inverter: one link per kind (Fox ESS Modbus, Growatt via HA).

Every control run hands the link a `ControlRun` (the decision and what it was made from);
the link works out what differs from what the inverter reports, writes that when asked
to, and returns what it wrote (or, in a dry run, would write). Failures are `LinkError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
import logging
from typing import Any, Protocol

from custom_components.ems.core.inverters.foxess import (
    FoxEssClient,
    InverterError,
    LeftoverRemoteControl,
    WorkMode,
)
from custom_components.ems.planner import Plan

from . import ControlSettings, Decision, Override
from .foxess import (
    Currents,
    FoxEssCall,
    FoxEssCallKind,
    FoxEssReport,
    foxess_call,
    needs_write,
    with_currents,
)
from .verify import Execution, Measured

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
    soc_percent: float | None = None


class InverterLink(Protocol):
    """An inverter the control loop can command."""

    # The translation key of the repair issue raised after repeated failures.
    issue_key: str
    # How the link carries out the modes, for checking that the battery follows.
    execution: Execution

    async def async_apply(self, run: ControlRun, *, write: bool) -> tuple[str, ...]:
        """Carry out `run` (only when `write`); return what was or would be written."""

    async def async_hand_back(self) -> str | None:
        """Return the inverter to self use, confirmed; say what changed (None: nothing)."""

    async def async_start(self, *, control_enabled: bool) -> str | None:
        """At start-up: keep what an earlier run left if Control is on, else hand back."""

    async def async_measure(self) -> Measured | None:
        """Return the inverter's own reading of the battery, None when it has none."""

    def memory(self) -> dict[str, Any]:
        """Return what the link must remember across restarts (the controller saves it)."""

    def remember(self, memory: Mapping[str, Any]) -> None:
        """Take back what `memory` returned before a restart."""

    async def async_close(self) -> None:
        """Stop for good (the entry unloads): nothing is written afterwards."""


def describe_call(call: FoxEssCall) -> str:
    """Return a call as a user reads it: 'force charge 3000 W'."""
    match call.kind:
        case FoxEssCallKind.SELF_USE:
            return "work mode self use, remote control off"
        case FoxEssCallKind.HOLD:
            return "work mode self use, battery charge and discharge current 0 A"
        case FoxEssCallKind.SELF_USE_CAPPED:
            return "work mode self use, " + _describe_caps(call)
        case FoxEssCallKind.MIN_SOC_ON_GRID:
            return f"min SoC on grid {call.percent} %"
        case _:
            return f"{call.kind.value.replace('_', ' ')} {call.power_w} W"


def _describe_caps(call: FoxEssCall) -> str:
    """Return a capped self use's limits: 'battery charge at most 1.2 kW (6.0 A)'."""
    parts = []
    for what, cap, amps in (
        ("charge", call.max_charge_kw, call.currents and call.currents.charge_a),
        (
            "discharge",
            call.max_discharge_kw,
            call.currents and call.currents.discharge_a,
        ),
    ):
        if cap is None:
            continue
        text = f"battery {what} at most {cap:g} kW"
        parts.append(text if amps is None else f"{text} ({amps:g} A)")
    return ", ".join(parts)


# Within this much of the maximum SoC zero export curtails PV instead of storing it.
FULL_MARGIN_PERCENT = 1.0


def _calls(
    run: ControlRun, pv_kw: float | None, load_kw: float | None, soc: float | None
) -> list[FoxEssCall]:
    """Return the client calls for a run's commands, given PV, load and SoC now.

    Zero export curtails (remote control at the load) when the battery cannot take the
    whole surplus: it is full, or the surplus is more than it charges at.
    """
    limits = run.settings.limits
    full = soc is not None and soc >= limits.max_soc_percent - FULL_MARGIN_PERCENT
    surplus = (pv_kw or 0.0) - (load_kw or 0.0)
    curtail = full or surplus > limits.max_charge_kw
    return [
        foxess_call(command, pv_kw=pv_kw, load_kw=load_kw, curtail=curtail)
        for command in run.decision.commands
    ]


class FoxEssLink:
    """A Fox ESS inverter over Modbus TCP: remote control, work mode, limits, min SoC on grid."""

    issue_key = "inverter_unreachable"
    execution = Execution(caps=True)

    def __init__(self, client: FoxEssClient) -> None:
        """Command the inverter behind `client`."""
        self.client = client
        # The user's own currents while EMS has lowered them (a hold or a cap).
        self.held: Currents | None = None
        self._foreign_warned = False

    async def async_apply(self, run: ControlRun, *, write: bool) -> tuple[str, ...]:
        """Write the calls whose values the inverter does not report; keep remote control alive.

        A remote-control power follows PV and load: when writing, they are the
        inverter's own readings of this moment, not house sensors that may be a control
        period old. Returns what was written and read back; a call that did not read
        back raises `LinkError` after remote control was switched off.
        """
        if not write:
            calls = _calls(run, run.pv_kw, run.load_kw, run.soc_percent)
            return tuple(describe_call(call) for call in calls)
        try:
            now = await self.client.async_read_telemetry()
            calls = _calls(run, now.pv_kw, now.load_kw, now.soc_percent)
            report = await self._async_report()
            own = self.held or report.currents
            calls = [
                with_currents(call, own=own, battery_v=now.battery_voltage_v)
                for call in calls
            ]
            self._refuse_foreign(calls, report)
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
            charge_current_a=inverter.max_charge_current_a,
            discharge_current_a=inverter.max_discharge_current_a,
            holding=self.held is not None,
        )

    def _refuse_foreign(self, calls: list[FoxEssCall], report: FoxEssReport) -> None:
        """Leave another program's remote control alone: no mode of EMS's while it runs."""
        if not report.remote_enabled or report.remote_ours:
            self._foreign_warned = False
            return
        if not self._foreign_warned:
            _LOGGER.warning(
                "Another program has the Fox ESS in remote control; EMS leaves it "
                "alone (no remote control, no work mode) until it ends"
            )
            self._foreign_warned = True
        modes = (FoxEssCallKind.SELF_USE, FoxEssCallKind.MIN_SOC_ON_GRID)
        if any(call.kind not in modes for call in calls):
            raise LinkError(
                "another program has the inverter in remote control; EMS leaves it "
                "alone until it ends"
            )

    async def _async_write(self, calls: list[FoxEssCall], report: FoxEssReport) -> None:
        client = self.client
        for call in calls:
            _LOGGER.info("EMS writes to the inverter: %s", describe_call(call))
            if call.limits_currents:
                await self._async_limit(call, report)
                continue
            if call.kind is not FoxEssCallKind.MIN_SOC_ON_GRID:
                await self._async_restore_currents()
            match call.kind:
                case FoxEssCallKind.SELF_USE:
                    await client.async_release_remote_control(WorkMode.SELF_USE)
                case FoxEssCallKind.FORCE_CHARGE:
                    await client.async_force_charge(call.power_w)
                case FoxEssCallKind.FORCE_DISCHARGE:
                    await client.async_force_discharge(call.power_w)
                case FoxEssCallKind.MIN_SOC_ON_GRID:
                    await client.async_set_min_soc_on_grid(call.percent)
        if report.remote_enabled and not any(call.remote for call in calls):
            await client.async_keep_alive()

    async def _async_limit(self, call: FoxEssCall, report: FoxEssReport) -> None:
        """Lower the battery's current limits in Self Use (0 A both: a hold).

        PV goes on feeding house and grid; the user's own currents are kept to be put
        back when the limit ends.
        """
        client = self.client
        wanted = call.currents or Currents(charge_a=0.0, discharge_a=0.0)
        await client.async_release_remote_control(WorkMode.SELF_USE)
        if self.held is None:
            self.held = report.currents
        await client.async_set_max_charge_current(wanted.charge_a)
        await client.async_set_max_discharge_current(wanted.discharge_a)

    async def _async_restore_currents(self) -> bool:
        """Put back the currents a hold or a cap lowered; True when it did."""
        held = self.held
        if held is None:
            return False
        await self.client.async_set_max_charge_current(held.charge_a)
        await self.client.async_set_max_discharge_current(held.discharge_a)
        self.held = None
        return True

    async def async_hand_back(self) -> str | None:
        """End EMS's remote control or hold (read back) and set Self Use."""
        try:
            restored = await self._async_restore_currents()
            released = await self.client.async_release_remote_control(WorkMode.SELF_USE)
        except InverterError as err:
            raise LinkError(str(err)) from err
        done = []
        if released:
            done.append("remote control off, work mode self use")
        if restored:
            done.append("battery currents restored")
        return ", ".join(done) or None

    async def async_start(self, *, control_enabled: bool) -> str | None:
        """Adopt EMS's own command with Control on (a reload); else end it."""
        try:
            leftover = await self.client.async_read_leftover_remote_control()
            if leftover is LeftoverRemoteControl.FOREIGN:
                _LOGGER.warning(
                    "Another program has the Fox ESS in remote control; EMS leaves it "
                    "alone and will not command it until it ends"
                )
                self._foreign_warned = True
                return None
            if control_enabled:
                if leftover is LeftoverRemoteControl.OURS:
                    state = await self.client.async_read_remote_control()
                    self.client.adopt_remote_control(state.active_power_w)
                return None
            if leftover is LeftoverRemoteControl.NONE and self.held is None:
                return None
        except InverterError as err:
            raise LinkError(str(err)) from err
        done = await self.async_hand_back()
        _LOGGER.warning("EMS ended the command it had left on before the restart")
        return done

    async def async_measure(self) -> Measured | None:
        """Return the inverter's telemetry: battery, SoC, PV, load and grid."""
        try:
            telemetry = await self.client.async_read_telemetry()
        except InverterError as err:
            raise LinkError(str(err)) from err
        return Measured(
            battery_kw=telemetry.battery_kw,
            soc_percent=telemetry.soc_percent,
            pv_kw=telemetry.pv_kw,
            load_kw=telemetry.load_kw,
            grid_kw=telemetry.grid_kw,
            source="inverter",
        )

    def memory(self) -> dict[str, Any]:
        """Return the currents to put back after a hold or a cap, if one is in force."""
        held = self.held
        if held is None:
            return {}
        return {"held_currents": [held.charge_a, held.discharge_a]}

    def remember(self, memory: Mapping[str, Any]) -> None:
        """Take back the currents of a hold or a cap in force before a restart."""
        match memory.get("held_currents"):
            case [int() | float() as charge, int() | float() as discharge]:
                self.held = Currents(charge_a=charge, discharge_a=discharge)
            case _:
                self.held = None

    async def async_close(self) -> None:
        """Close the Modbus connection for good."""
        await self.client.async_close()
