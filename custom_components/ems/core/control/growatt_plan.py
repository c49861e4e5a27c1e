"""What the Growatt link writes: the plan with overrides written in, and how writes read.

Growatt time-of-use tables follow a plan, so a decision from a layer above the plan
(override, safety, reserve, minimum SoC) is written into the plan's slots first; the
pure planners in `control.growatt` and `control.growatt_sph` then do the rest.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from custom_components.ems.planner import InverterMode, Plan, PlanSlot

from . import ControlSettings, Decision, Layer, Override, min_soc_floor, slot_at
from .growatt import TimeSegment
from .growatt_sph import SphKind, SphTimes
from .tou import clock, utc

# A stand-in slot when the plan has none in force now.
FILLER_SLOT = timedelta(minutes=15)


def describe_segment(segment: TimeSegment) -> str:
    """Return a segment as a user reads it: 'segment 2: grid first 19:00-21:00'."""
    if not segment.enabled:
        return f"segment {segment.segment_id}: off"
    mode = segment.batt_mode.value.replace("_", " ")
    return f"segment {segment.segment_id}: {mode} {clock(segment.start)}-{clock(segment.end)}"


def describe_times(times: SphTimes) -> str:
    """Return SPH periods as a user reads them."""
    periods = ", ".join(
        f"{clock(p.start)}-{clock(p.end)}" if p.enabled else "off"
        for p in times.periods
    )
    mains = (
        " from the grid" if times.kind is SphKind.CHARGE and times.mains_enabled else ""
    )
    return (
        f"AC {times.kind.value} periods {periods}{mains} at {times.power_percent} %, "
        f"stop SoC {times.stop_soc} %"
    )


def plan_to_follow(
    plan: Plan | None,
    decision: Decision,
    override: Override | None,
    now: datetime,
    settings: ControlSettings,
) -> Plan | None:
    """Return the plan with the decision written into it when a layer above the plan decided.

    An override holds until its end; any other layer (safety, reserve, minimum SoC,
    self-use) holds for the slot in force, and the next run decides again. Slots are
    replaced whole, so an override ending mid-slot lasts to the end of that slot. Where
    no plan slot is in force, a slot from the last quarter-hour stands in (stable from
    one run to the next, so the segment is not rewritten every minute).
    """
    if decision.layer is Layer.PLAN:
        return plan
    base = plan or Plan(
        method="self_use",
        status="fallback",
        reason="no plan",
        objective=0.0,
        cost_idle=0.0,
        cost_self_use=0.0,
        expected_saving=0.0,
        solve_seconds=0.0,
        slots=(),
    )
    current = slot_at(base, now)
    slots = list(base.slots)
    if current is None:
        start = utc(now).replace(minute=now.minute // 15 * 15, second=0, microsecond=0)
        end = start + FILLER_SLOT
        if decision.layer is Layer.OVERRIDE and override is not None:
            end = max(end, utc(override.until))
        later = [utc(s.start) for s in slots if utc(s.start) > utc(now)]
        current = _filler(start, min([end, *later]))
        slots = sorted([*slots, current], key=lambda s: utc(s.start))
    if decision.layer is Layer.OVERRIDE and override is not None:
        until = override.until
    else:
        until = current.end
    return replace(
        base,
        slots=tuple(
            _instead(slot, decision, override, settings)
            if utc(slot.end) > utc(now) and utc(slot.start) < utc(until)
            else slot
            for slot in slots
        ),
    )


def _instead(
    slot: PlanSlot,
    decision: Decision,
    override: Override | None,
    settings: ControlSettings,
) -> PlanSlot:
    """Return `slot` doing what the decision says, with the power and SoC it implies."""
    command = decision.mode_command
    power = command.power_kw or 0.0
    target = override.target_soc_percent if override is not None else None
    battery, soc = slot.battery_kw, slot.soc_percent
    if command.mode is InverterMode.FORCE_CHARGE:
        battery, soc = power, target or settings.limits.max_soc_percent
    elif command.mode is InverterMode.FORCE_DISCHARGE:
        battery, soc = -power, target or float(min_soc_floor(settings))
    return replace(
        slot,
        mode=command.mode,
        battery_kw=battery,
        soc_percent=soc,
        reason=decision.reason,
    )


def _filler(start: datetime, end: datetime) -> PlanSlot:
    return PlanSlot(
        start=start,
        end=end,
        battery_kw=0.0,
        grid_kw=0.0,
        soc_percent=0.0,
        mode=InverterMode.SELF_USE,
        reason="",
        import_price=0.0,
        export_price=0.0,
        pv_kw=0.0,
        load_kw=0.0,
    )
