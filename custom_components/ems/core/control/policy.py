"""The control policy: every control period, decide what the inverter should do now.

Order, highest first: hardware safety (power limits, SoC bounds) > storm reserve SoC >
critical minimum SoC > manual override > plan > opportunistic self-use. Thresholds latch
with hysteresis (leave a threshold only `hysteresis_percent` beyond it) and automatic
mode changes wait out a minimum dwell time, so a noisy SoC never flips the mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
import math

from custom_components.ems.planner.result import InverterMode, Plan, PlanSlot

from .model import (
    POWERED_MODES,
    ControllerMemory,
    ControlSettings,
    ControlState,
    Decision,
    HardwareLimits,
    Layer,
    Override,
    OverrideError,
    SetMinSoc,
    SetMode,
    Threshold,
)

_AUTOMATIC = frozenset({Layer.PLAN, Layer.SELF_USE})
_SELF_USE = SetMode(mode=InverterMode.SELF_USE)
_HOLD = SetMode(mode=InverterMode.HOLD)
# Modes a plan slot may cap (an inverter's charge and discharge limits in self use).
_CAPPED_MODES = frozenset({InverterMode.SELF_USE, InverterMode.ZERO_EXPORT})


def slot_at(plan: Plan | None, now: datetime) -> PlanSlot | None:
    """Return the plan slot covering the instant `now` (start <= now < end), None if none does."""
    return None if plan is None else plan.slot_at(now)


def min_soc_floor(settings: ControlSettings) -> int:
    """Return the minimum SoC on grid to write: the highest of hardware, user and reserve minimums."""
    floors = [settings.limits.min_soc_percent, settings.min_soc_percent]
    if settings.reserve_soc_percent is not None:
        floors.append(settings.reserve_soc_percent)
    return int(math.ceil(min(max(floors), settings.limits.max_soc_percent)))


def decide(
    state: ControlState,
    plan: Plan | None,
    override: Override | None,
    now: datetime,
    *,
    settings: ControlSettings,
    memory: ControllerMemory,
) -> Decision:
    """Return the commands for now, the deciding layer and reason, and the memory to keep."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    zone = now.tzinfo  # reasons name times in the caller's zone
    now = now.astimezone(UTC)
    floor = SetMinSoc(percent=min_soc_floor(settings))
    soc = state.soc_percent
    if soc is None or not math.isfinite(soc):
        unknown = _Choice(_SELF_USE, Layer.SAFETY, "safety: SoC unknown, self-use")
        return _decision(unknown, floor, now, memory, frozenset())
    latched = _latch(soc, settings, memory.latched, confirmed=state.soc_confirmed)
    ended = _override_end(override, soc, now, zone) if override is not None else None
    choice = _choose(
        soc,
        plan,
        None if ended else override,
        now,
        settings=settings,
        latched=latched,
        zone=zone,
    )
    if ended:
        choice = _Choice(choice.command, choice.layer, f"{choice.reason} ({ended})")
    choice = _dwell(choice, memory, now, settings.dwell)
    choice = _safety(choice, soc, settings, latched)
    return _decision(choice, floor, now, memory, latched, override_ended=bool(ended))


@dataclass(frozen=True, slots=True)
class _Choice:
    command: SetMode
    layer: Layer
    reason: str


def _decision(
    choice: _Choice,
    floor: SetMinSoc,
    now: datetime,
    memory: ControllerMemory,
    latched: frozenset[Threshold],
    *,
    override_ended: bool = False,
) -> Decision:
    command = choice.command
    changed = memory.command is None or memory.command.mode != command.mode
    return Decision(
        commands=(floor, command),
        layer=choice.layer,
        reason=choice.reason,
        memory=ControllerMemory(
            command=command,
            since=now if changed or memory.since is None else memory.since,
            layer=choice.layer,
            latched=latched,
        ),
        override_ended=override_ended,
    )


def _latch(
    soc: float,
    settings: ControlSettings,
    before: frozenset[Threshold],
    *,
    confirmed: bool,
) -> frozenset[Threshold]:
    """Return the thresholds in force: entered at the threshold, left `hysteresis` beyond it.

    The thresholds that charge from the grid (reserve, critical) are entered only on a
    confirmed SoC; the hardware bounds, which only stop the battery, on any reading.
    """
    band = settings.hysteresis_percent
    limits = settings.limits
    latched: set[Threshold] = set()
    if soc >= limits.max_soc_percent or (
        Threshold.FULL in before and soc > limits.max_soc_percent - band
    ):
        latched.add(Threshold.FULL)
    if soc <= limits.min_soc_percent or (
        Threshold.EMPTY in before and soc < limits.min_soc_percent + band
    ):
        latched.add(Threshold.EMPTY)
    for threshold, level in (
        (Threshold.RESERVE, settings.reserve_soc_percent),
        (Threshold.CRITICAL, settings.min_soc_percent),
    ):
        if level is not None and (
            (soc < level and (confirmed or threshold in before))
            or (threshold in before and soc < level + band)
        ):
            latched.add(threshold)
    return frozenset(latched)


def _override_end(
    override: Override, soc: float, now: datetime, zone: tzinfo
) -> str | None:
    """Return why the override has ended, None while it lasts."""
    if now >= override.until:
        return f"override ended at {_clock(override.until, zone)}"
    target = override.target_soc_percent
    if target is None:
        return None
    if override.mode is InverterMode.FORCE_CHARGE and soc >= target:
        return f"override reached its target SoC {target:g} %"
    if override.mode is InverterMode.FORCE_DISCHARGE and soc <= target:
        return f"override reached its target SoC {target:g} %"
    return None


def _choose(
    soc: float,
    plan: Plan | None,
    override: Override | None,
    now: datetime,
    *,
    settings: ControlSettings,
    latched: frozenset[Threshold],
    zone: tzinfo,
) -> _Choice:
    """Pick the command of the highest layer that has something to say, below safety."""
    limits = settings.limits
    band = settings.hysteresis_percent
    if Threshold.RESERVE in latched and settings.reserve_soc_percent is not None:
        reserve = settings.reserve_soc_percent
        name = settings.reserve_name
        reason = (
            f"reserve: SoC {soc:g} % is below the {reserve:g} % {name}"
            if soc < reserve
            else f"reserve: charging on to {reserve + band:g} % "
            f"above the {reserve:g} % {name}"
        )
        return _Choice(_charge(limits.max_charge_kw), Layer.RESERVE, reason)
    if Threshold.CRITICAL in latched:
        minimum = settings.min_soc_percent
        power = min(settings.recovery_charge_kw, limits.max_charge_kw)
        reason = (
            f"critical: SoC {soc:g} % is below the {minimum:g} % minimum, "
            f"charging at {power:g} kW to {minimum + band:g} %"
        )
        return _Choice(_charge(power), Layer.CRITICAL, reason)
    if override is not None:
        command = SetMode(
            mode=override.mode, power_kw=_override_power(override, limits)
        )
        target = (
            f" or SoC {override.target_soc_percent:g} %"
            if override.target_soc_percent is not None
            else ""
        )
        reason = f"override: {_describe(command)} until {_clock(override.until, zone)}{target}"
        return _Choice(command, Layer.OVERRIDE, reason)
    if settings.manual_mode is not None:
        command = SetMode(
            mode=settings.manual_mode, power_kw=_cap(settings.manual_mode, limits)
        )
        return _Choice(
            command, Layer.OVERRIDE, f"override: mode select {_describe(command)}"
        )
    slot = slot_at(plan, now)
    if slot is None:
        reason = (
            "self-use: no plan"
            if plan is None or not plan.slots
            else f"self-use: the plan is stale (it ends at {_clock(plan.slots[-1].end, zone)})"
        )
        return _Choice(_SELF_USE, Layer.SELF_USE, reason)
    command = _from_slot(slot)
    reason = f"plan: {_describe(command)} until {_clock(slot.end, zone)}: {slot.reason}"
    return _Choice(command, Layer.PLAN, reason)


def _dwell(
    choice: _Choice, memory: ControllerMemory, now: datetime, dwell: timedelta
) -> _Choice:
    """Keep the last mode until it has run `dwell`, for automatic changes between automatic layers."""
    last = memory.command
    if (
        choice.layer not in _AUTOMATIC
        or memory.layer is Layer.OVERRIDE
        or last is None
        or memory.since is None
        or last.mode == choice.command.mode
    ):
        return choice
    remaining = memory.since + dwell - now
    if remaining <= timedelta(0):
        return choice
    minutes = math.ceil(remaining.total_seconds() / 60)
    return _Choice(
        last,
        choice.layer,
        f"{choice.layer.value}: keeping {_describe(last)} for {minutes} more min "
        f"(minimum dwell {dwell.total_seconds() / 60:g} min) "
        f"before {choice.command.mode.value}",
    )


def _safety(
    choice: _Choice,
    soc: float,
    settings: ControlSettings,
    latched: frozenset[Threshold],
) -> _Choice:
    """Apply the hardware limits: no charging when full, no discharging when empty, power caps."""
    limits = settings.limits
    command = choice.command
    if command.mode is InverterMode.FORCE_CHARGE and Threshold.FULL in latched:
        bound = f"at the {limits.max_soc_percent:g} % maximum"
    elif command.mode is InverterMode.FORCE_DISCHARGE and Threshold.EMPTY in latched:
        bound = f"at the {limits.min_soc_percent:g} % minimum"
    else:
        cap = _cap(command.mode, limits)
        if command.power_kw is None or cap is None or command.power_kw <= cap:
            return choice
        return _Choice(
            SetMode(mode=command.mode, power_kw=cap),
            Layer.SAFETY,
            f"safety: power limited to the {cap:g} kW maximum; {choice.reason}",
        )
    return _Choice(
        _HOLD,
        Layer.SAFETY,
        f"safety: SoC {soc:g} % is {bound}, holding instead of {choice.reason}",
    )


def validate_override(
    override: Override, limits: HardwareLimits, now: datetime
) -> None:
    """Raise OverrideError for an override the battery cannot follow or that has already ended."""
    if override.until <= now:
        raise OverrideError(
            "until_in_past",
            f"The override would end at {override.until.isoformat()}, which has passed",
            until=override.until.isoformat(),
        )
    target = override.target_soc_percent
    if target is not None and not 0.0 <= target <= 100.0:
        raise OverrideError(
            "soc_out_of_range",
            f"Target SoC {target:g} % is not within 0-100 %",
            soc=f"{target:g}",
        )
    power = override.power_kw
    if power is None:
        return
    cap = _cap(override.mode, limits)
    if power < 0.0 or (cap is not None and power > cap):
        raise OverrideError(
            "power_out_of_range",
            f"Power {power:g} kW is not within 0-{cap or 0:g} kW for {override.mode.value}",
            power=f"{power:g}",
            max_power=f"{cap or 0:g}",
        )


def next_run_at(
    decision: Decision,
    plan: Plan | None,
    now: datetime,
    *,
    remote_period: timedelta = timedelta(minutes=1),
    idle_period: timedelta = timedelta(minutes=5),
) -> datetime:
    """When to decide again: every `remote_period` while `ems` drives the battery.

    In self-use the inverter runs on its own: decide again at the next slot boundary, and
    at the latest after `idle_period` (SoC thresholds still need watching).
    """
    if decision.mode_command.mode is not InverterMode.SELF_USE:
        return now + remote_period
    slot = slot_at(plan, now)
    latest = now + idle_period
    return min(slot.end, latest) if slot is not None else latest


def _from_slot(slot: PlanSlot) -> SetMode:
    """Return the command a plan slot stands for: a powered mode, or self use with its caps."""
    if slot.mode in POWERED_MODES:
        return SetMode(mode=slot.mode, power_kw=abs(slot.battery_kw))
    if slot.mode in _CAPPED_MODES:
        return SetMode(
            mode=slot.mode,
            max_charge_kw=slot.max_charge_kw,
            max_discharge_kw=slot.max_discharge_kw,
        )
    return SetMode(mode=slot.mode)


def _charge(power_kw: float) -> SetMode:
    return SetMode(mode=InverterMode.FORCE_CHARGE, power_kw=power_kw)


def _cap(mode: InverterMode, limits: HardwareLimits) -> float | None:
    if mode is InverterMode.FORCE_CHARGE:
        return limits.max_charge_kw
    if mode is InverterMode.FORCE_DISCHARGE:
        return limits.max_discharge_kw
    return None


def _override_power(override: Override, limits: HardwareLimits) -> float | None:
    if override.mode not in POWERED_MODES:
        return None
    if override.power_kw is not None:
        return override.power_kw
    return _cap(override.mode, limits)


def _describe(command: SetMode) -> str:
    if command.power_kw is not None:
        return f"{command.mode.value} at {command.power_kw:.2f} kW"
    caps = [
        f"{what} at most {cap:g} kW" if cap else f"no {what}"
        for what, cap in (
            ("charging", command.max_charge_kw),
            ("discharging", command.max_discharge_kw),
        )
        if cap is not None
    ]
    return command.mode.value + (f" ({', '.join(caps)})" if caps else "")


def _clock(moment: datetime, zone: tzinfo) -> str:
    """Return a moment's wall-clock time in the caller's zone."""
    return moment.astimezone(zone).strftime("%H:%M")
