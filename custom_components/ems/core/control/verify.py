"""Verified execution: did the battery do what the inverter was told? Pure, no Home Assistant.

A register that reads back proves a write, not an outcome. After every control run the
controller measures the battery (the inverter's own telemetry where the link has it,
else the house sensors) and `judge` compares it with what the command in force must
do given the mode, the SoC limits and the physics:

- force charge / discharge at B: the battery moves B kW. At a SoC limit it may not move
  at all, and a battery that moves the right way but less (a BMS or temperature limit,
  the charge taper near full) is derating: both are explained, not alarmed.
- hold: the battery stays still (Growatt: battery first may store surplus PV).
- zero export: nothing is exported (the battery takes the surplus, PV is curtailed).
- self use is the inverter's own mode: nothing to check, except a charge or discharge
  cap where the link carries it out (the battery stays within it).

`track` turns verdicts into alarms: a command is judged only once it has had time to
settle (two control periods); the first failed check flags it, a failure that persists
raises a repair, and repeated failures make EMS return the inverter to self use for a
while and say why. A check that passes, or a mode with nothing to check, clears it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from custom_components.ems.planner.result import InverterMode

from .model import HardwareLimits, SetMode

# Within this much of a SoC limit the battery may stop on its own (BMS taper).
SOC_MARGIN_PERCENT = 2.0
# Power differences below this are noise (readings, rounding, the inverter's own draw).
MIN_TOLERANCE_KW = 0.25
RELATIVE_TOLERANCE = 0.1


class Outcome(StrEnum):
    """What a check found."""

    CARRIED_OUT = "carried_out"
    EXPLAINED = "explained"  # not as commanded, for a reason the physics gives
    NOT_CARRIED_OUT = "not_carried_out"
    UNCHECKED = "unchecked"  # nothing to check (self use, no reading, not settled)


@dataclass(frozen=True, kw_only=True, slots=True)
class Measured:
    """The battery and the house now: kW (+ battery charging, + grid import), SoC in %."""

    battery_kw: float | None
    soc_percent: float | None
    pv_kw: float | None = None
    load_kw: float | None = None
    grid_kw: float | None = None
    source: str = "sensors"  # or "inverter": the inverter's own telemetry


@dataclass(frozen=True, kw_only=True, slots=True)
class Execution:
    """How a link carries out the modes, as far as checking them needs to know.

    `settle` is how long a new command may take to show in the readings (two control
    periods; longer where readings come through a cloud every few minutes).
    `hold_stores_pv`: a hold may charge from surplus PV (Growatt's battery first).
    `zero_export_checked`: False where zero export is just the inverter's default mode.
    `pulse_testable`: readings come fast enough for the self-test's short pulses.
    `caps`: self use's charge and discharge caps are carried out (current limits).
    """

    settle: timedelta = timedelta(minutes=2)
    hold_stores_pv: bool = False
    zero_export_checked: bool = True
    pulse_testable: bool = True
    caps: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Verdict:
    """One check: the mode, the battery power expected and measured (kW, + charge), why."""

    outcome: Outcome
    mode: InverterMode
    expected_kw: float | None
    measured_kw: float | None
    explanation: str
    source: str = "sensors"

    def as_dict(self) -> dict[str, str | float | None]:
        """Return the verdict as attributes and diagnostics show it."""
        return {
            "outcome": self.outcome.value,
            "mode": self.mode.value,
            "expected_kw": self.expected_kw,
            "measured_kw": self.measured_kw,
            "explanation": self.explanation,
            "source": self.source,
        }


def tolerance_kw(target_kw: float) -> float:
    """Return how far a measured power may be from `target_kw` and still count as it."""
    return max(MIN_TOLERANCE_KW, RELATIVE_TOLERANCE * abs(target_kw))


type _Finding = tuple[Outcome, float | None, str]


def judge(
    command: SetMode,
    measured: Measured,
    limits: HardwareLimits,
    *,
    floor_percent: float,
    execution: Execution,
) -> Verdict:
    """Return whether the battery does what `command` must make it do right now."""
    outcome, expected, why = _finding(
        command, measured, limits, floor_percent=floor_percent, execution=execution
    )
    battery = measured.battery_kw
    return Verdict(
        outcome=outcome,
        mode=command.mode,
        expected_kw=None if expected is None else round(expected, 3),
        measured_kw=None if battery is None else round(battery, 3),
        explanation=why,
        source=measured.source,
    )


def _finding(
    command: SetMode,
    measured: Measured,
    limits: HardwareLimits,
    *,
    floor_percent: float,
    execution: Execution,
) -> _Finding:
    mode = command.mode
    battery = measured.battery_kw
    if mode is InverterMode.SELF_USE or (
        mode is InverterMode.ZERO_EXPORT and not execution.zero_export_checked
    ):
        if execution.caps and battery is not None and _capped(command):
            return _within_caps(command, battery)
        return Outcome.UNCHECKED, None, "the inverter's own mode"
    if mode is InverterMode.ZERO_EXPORT:
        return _zero_export(measured)
    if battery is None:
        return Outcome.UNCHECKED, None, "no battery power reading"
    if mode is InverterMode.HOLD:
        return _hold(battery, execution)
    soc = measured.soc_percent
    full = soc is not None and soc >= limits.max_soc_percent - SOC_MARGIN_PERCENT
    empty = soc is not None and soc <= floor_percent + SOC_MARGIN_PERCENT
    charging = mode is InverterMode.FORCE_CHARGE
    target = (command.power_kw or 0.0) * (1.0 if charging else -1.0)
    tol = tolerance_kw(target)
    if abs(battery - target) <= tol:
        return Outcome.CARRIED_OUT, target, "as commanded"
    toward = battery if charging else -battery  # + in the commanded direction
    if (full if charging else empty) and toward >= -tol:
        bound = (
            f"at the {limits.max_soc_percent:g} % maximum"
            if charging
            else f"at the {floor_percent:g} % floor"
        )
        return Outcome.EXPLAINED, target, f"SoC {soc:g} % is {bound}: the battery stops"
    baseline = _self_use_kw(measured, limits, full=full, empty=empty)
    on_its_own = 0.0 if baseline is None else (baseline if charging else -baseline)
    if tol < toward < abs(target) and toward > on_its_own + tol:
        why = (
            f"derating: the battery takes {abs(battery):.2f} of {abs(target):.2f} kW "
            "(a BMS, temperature or inverter limit)"
        )
        return Outcome.EXPLAINED, target, why
    moving = "charges" if battery > 0.0 else "discharges"
    if abs(battery) <= tol:
        why = "the battery stays still"
    elif toward < 0.0:
        why = f"the battery {moving} instead"
    elif toward > abs(target):
        why = f"the battery {moving} more than commanded"
    else:
        why = "the battery does no more than self use would on its own"
    return Outcome.NOT_CARRIED_OUT, target, why


def _capped(command: SetMode) -> bool:
    return command.max_charge_kw is not None or command.max_discharge_kw is not None


def _within_caps(command: SetMode, battery: float) -> _Finding:
    """Self use with a charge or discharge cap: the battery stays within it."""
    charge, discharge = command.max_charge_kw, command.max_discharge_kw
    if charge is not None and battery > charge + tolerance_kw(charge):
        return (
            Outcome.NOT_CARRIED_OUT,
            charge,
            f"the battery charges {battery:.2f} kW above its {charge:g} kW cap",
        )
    if discharge is not None and -battery > discharge + tolerance_kw(discharge):
        return (
            Outcome.NOT_CARRIED_OUT,
            -discharge,
            f"the battery discharges {-battery:.2f} kW above its {discharge:g} kW cap",
        )
    return Outcome.CARRIED_OUT, None, "self use within its caps"


def _hold(battery: float, execution: Execution) -> _Finding:
    if abs(battery) <= MIN_TOLERANCE_KW:
        return Outcome.CARRIED_OUT, 0.0, "the battery stays still"
    if execution.hold_stores_pv and battery > 0.0:
        return Outcome.EXPLAINED, 0.0, "battery first stores surplus PV"
    moves = "charges" if battery > 0.0 else "discharges"
    return (
        Outcome.NOT_CARRIED_OUT,
        0.0,
        f"the battery {moves} {abs(battery):.2f} kW while it should hold",
    )


def _zero_export(measured: Measured) -> _Finding:
    grid = measured.grid_kw
    if grid is None:
        return Outcome.UNCHECKED, None, "no grid power reading"
    if grid >= -MIN_TOLERANCE_KW:
        return Outcome.CARRIED_OUT, measured.battery_kw, "nothing is exported"
    return (
        Outcome.NOT_CARRIED_OUT,
        measured.battery_kw,
        f"exports {-grid:.2f} kW while it should export nothing",
    )


def _self_use_kw(
    measured: Measured, limits: HardwareLimits, *, full: bool, empty: bool
) -> float | None:
    """Return what the battery would do on its own (self use), None when unknown."""
    if measured.pv_kw is None or measured.load_kw is None:
        return None
    surplus = measured.pv_kw - measured.load_kw
    high = 0.0 if full else limits.max_charge_kw
    low = 0.0 if empty else -limits.max_discharge_kw
    return min(max(surplus, low), high)


class Alarm(StrEnum):
    """What changed for the user after a check."""

    FLAGGED = "flagged"  # the binary sensor turns on, a logbook entry
    PERSISTS = "persists"  # a repair issue
    FALLBACK = "fallback"  # EMS returns the inverter to self use for a while
    CLEARED = "cleared"  # carried out again, or nothing left to check
    RESUMED = "resumed"  # the fallback is over: EMS follows the plan again


@dataclass(frozen=True, kw_only=True, slots=True)
class VerifyPolicy:
    """When a failure is flagged, persists, and makes EMS fall back (checks after settling)."""

    persist_checks: int = 3
    fallback_checks: int = 5
    fallback_for: timedelta = timedelta(hours=1)


@dataclass(frozen=True, kw_only=True, slots=True)
class VerifyCounters:
    """Totals since the entry started, for diagnostics."""

    checks: int = 0
    carried_out: int = 0
    explained: int = 0
    not_carried_out: int = 0
    flagged: int = 0
    fallbacks: int = 0


@dataclass(frozen=True, kw_only=True, slots=True)
class VerifyMemory:
    """What verification remembers between runs."""

    command: SetMode | None = None
    since: datetime | None = None
    failing: int = 0  # consecutive failed checks
    flagged: Verdict | None = None  # the failure the user is shown
    last: Verdict | None = None
    fallback_until: datetime | None = None
    fallback_reason: str | None = None
    counters: VerifyCounters = field(default_factory=VerifyCounters)

    def in_fallback(self, now: datetime) -> bool:
        """Return whether EMS keeps the inverter in self use because commands fail."""
        return self.fallback_until is not None and now < self.fallback_until


def track(
    memory: VerifyMemory,
    command: SetMode,
    verdict: Verdict,
    now: datetime,
    *,
    execution: Execution,
    policy: VerifyPolicy = VerifyPolicy(),
) -> tuple[VerifyMemory, tuple[Alarm, ...]]:
    """Fold one check into the memory; return it and the alarms it raises or clears."""
    if memory.fallback_until is not None:
        if now < memory.fallback_until:
            return memory, ()
        return end_fallback(memory), (Alarm.RESUMED,)
    if _new_command(memory.command, command):
        memory = replace(memory, command=command, since=now)
    if verdict.outcome is Outcome.UNCHECKED:
        return _cleared(replace(memory, last=verdict))
    assert memory.since is not None
    if now - memory.since < execution.settle:
        return replace(memory, last=verdict), ()
    counters = _count(memory.counters, verdict.outcome)
    memory = replace(memory, last=verdict, counters=counters)
    if verdict.outcome is not Outcome.NOT_CARRIED_OUT:
        return _cleared(memory)
    failing = memory.failing + 1
    alarms: list[Alarm] = []
    if memory.flagged is None:
        alarms.append(Alarm.FLAGGED)
        counters = replace(counters, flagged=counters.flagged + 1)
    if failing == policy.persist_checks:
        alarms.append(Alarm.PERSISTS)
    fallback_until, reason = None, None
    if failing >= policy.fallback_checks:
        alarms.append(Alarm.FALLBACK)
        counters = replace(counters, fallbacks=counters.fallbacks + 1)
        fallback_until = now + policy.fallback_for
        reason = (
            f"the inverter did not carry out {verdict.mode.value.replace('_', ' ')} "
            f"in {failing} checks ({verdict.explanation})"
        )
    return (
        replace(
            memory,
            failing=failing,
            flagged=verdict,
            counters=counters,
            fallback_until=fallback_until,
            fallback_reason=reason,
        ),
        tuple(alarms),
    )


def end_fallback(memory: VerifyMemory) -> VerifyMemory:
    """Return the memory with the fallback over: the next command starts afresh."""
    return replace(
        memory,
        command=None,
        since=None,
        failing=0,
        flagged=None,
        fallback_until=None,
        fallback_reason=None,
    )


def _cleared(memory: VerifyMemory) -> tuple[VerifyMemory, tuple[Alarm, ...]]:
    alarms = (Alarm.CLEARED,) if memory.flagged is not None else ()
    return replace(memory, failing=0, flagged=None), alarms


def _new_command(before: SetMode | None, now: SetMode) -> bool:
    if before is None or before.mode is not now.mode:
        return True
    if (before.max_charge_kw, before.max_discharge_kw) != (
        now.max_charge_kw,
        now.max_discharge_kw,
    ):
        return True
    return abs((before.power_kw or 0.0) - (now.power_kw or 0.0)) > tolerance_kw(
        now.power_kw or 0.0
    )


def _count(counters: VerifyCounters, outcome: Outcome) -> VerifyCounters:
    return replace(
        counters,
        checks=counters.checks + 1,
        carried_out=counters.carried_out + (outcome is Outcome.CARRIED_OUT),
        explained=counters.explained + (outcome is Outcome.EXPLAINED),
        not_carried_out=counters.not_carried_out + (outcome is Outcome.NOT_CARRIED_OUT),
    )
