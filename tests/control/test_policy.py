"""The control policy: each layer of the hierarchy, dwell time, hysteresis, overrides, plan lookup."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings as hypothesis_settings, strategies as st
import pytest

from custom_components.ems.core.control import (
    ControllerMemory,
    ControlSettings,
    ControlState,
    Decision,
    Layer,
    Override,
    OverrideError,
    SetMinSoc,
    SetMode,
    decide,
    next_run_at,
    slot_at,
    validate_override,
)
from custom_components.ems.planner import InverterMode, Plan

from .helpers import LIMITS, SETTINGS, make_plan

NOW = datetime(2026, 6, 10, 12, 5, tzinfo=UTC)
CHARGE = InverterMode.FORCE_CHARGE
DISCHARGE = InverterMode.FORCE_DISCHARGE
SELF_USE = InverterMode.SELF_USE
HOLD = InverterMode.HOLD
FRESH = ControllerMemory()


def _plan(mode: InverterMode, battery_kw: float = 0.0) -> Plan:
    """Return a one-hour plan around NOW, all in `mode`."""
    return make_plan(NOW.replace(minute=0), [(mode, battery_kw)], minutes=60)


def _decide(
    soc: float | None,
    plan: Plan | None = None,
    override: Override | None = None,
    *,
    now: datetime = NOW,
    settings: ControlSettings = SETTINGS,
    memory: ControllerMemory = FRESH,
) -> Decision:
    return decide(
        ControlState(soc_percent=soc),
        plan,
        override,
        now,
        settings=settings,
        memory=memory,
    )


def _override(mode: InverterMode, **kwargs: float) -> Override:
    return Override(mode=mode, until=NOW + timedelta(hours=1), **kwargs)


def test_plan_slot_sets_mode_power_and_floor() -> None:
    """The plan's slot gives mode and battery power; the user's minimum goes to the inverter."""
    decision = _decide(50.0, _plan(CHARGE, 3.0))
    assert decision.commands == (
        SetMinSoc(percent=15),
        SetMode(mode=CHARGE, power_kw=3.0),
    )
    assert decision.layer is Layer.PLAN
    assert decision.reason.startswith("plan: force_charge at 3.00 kW until 13:00")


def test_a_capped_self_use_slot_carries_its_caps_and_says_so() -> None:
    """A slot that stores only part of the surplus is self use with a charge cap."""
    plan = _plan(SELF_USE, 1.2)
    slot = replace(plan.slots[0], max_charge_kw=1.2, max_discharge_kw=0.0)
    decision = _decide(50.0, replace(plan, slots=(slot,)))
    assert decision.mode_command == SetMode(
        mode=SELF_USE, max_charge_kw=1.2, max_discharge_kw=0.0
    )
    assert decision.reason.startswith(
        "plan: self_use (charging at most 1.2 kW, no discharging) until"
    )


def test_discharge_power_is_the_magnitude_of_the_planned_battery_power() -> None:
    """The plan's battery power is negative when discharging; the command carries kW out."""
    assert _decide(50.0, _plan(DISCHARGE, -2.5)).mode_command == SetMode(
        mode=DISCHARGE, power_kw=2.5
    )


def test_override_beats_plan() -> None:
    """A manual override wins over the plan, at its own power."""
    decision = _decide(50.0, _plan(CHARGE, 3.0), _override(DISCHARGE, power_kw=1.5))
    assert decision.mode_command == SetMode(mode=DISCHARGE, power_kw=1.5)
    assert decision.layer is Layer.OVERRIDE


def test_override_without_power_uses_the_hardware_maximum() -> None:
    """An override that names no power charges at the battery's maximum."""
    decision = _decide(50.0, None, _override(CHARGE))
    assert decision.mode_command == SetMode(mode=CHARGE, power_kw=5.0)


def test_service_override_beats_the_mode_select_which_beats_the_plan() -> None:
    """The mode select is a standing override; a timed override from the service wins over it."""
    selected = replace(SETTINGS, manual_mode=HOLD)
    assert _decide(50.0, _plan(CHARGE, 3.0), settings=selected).mode_command == (
        SetMode(mode=HOLD)
    )
    decision = _decide(50.0, _plan(CHARGE, 3.0), _override(SELF_USE), settings=selected)
    assert decision.mode_command == SetMode(mode=SELF_USE)
    assert decision.layer is Layer.OVERRIDE


def test_critical_minimum_beats_override() -> None:
    """Below the user's minimum the battery is charged back, whatever the override says."""
    decision = _decide(12.0, _plan(SELF_USE), _override(DISCHARGE, power_kw=3.0))
    assert decision.mode_command == SetMode(mode=CHARGE, power_kw=1.0)
    assert decision.layer is Layer.CRITICAL
    assert "below the 15 % minimum" in decision.reason


def test_reserve_beats_critical_minimum() -> None:
    """Below the storm reserve the battery charges at full power, and the floor is the reserve."""
    storm = replace(SETTINGS, reserve_soc_percent=20.0)
    decision = _decide(12.0, _plan(DISCHARGE, -3.0), settings=storm)
    assert decision.commands == (
        SetMinSoc(percent=20),
        SetMode(mode=CHARGE, power_kw=5.0),
    )
    assert decision.layer is Layer.RESERVE
    assert decision.reason == "reserve: SoC 12 % is below the 20 % storm reserve"


def test_safety_at_maximum_soc_beats_reserve() -> None:
    """A full battery is never charged on, even when a reserve above the maximum asks for it."""
    storm = replace(SETTINGS, reserve_soc_percent=100.0)
    decision = _decide(95.0, None, settings=storm)
    assert decision.mode_command == SetMode(mode=HOLD)
    assert decision.layer is Layer.SAFETY
    assert decision.commands[0] == SetMinSoc(percent=95)


def test_safety_at_minimum_soc_stops_a_planned_discharge() -> None:
    """At the hardware minimum a discharge becomes hold."""
    low = replace(SETTINGS, min_soc_percent=5.0)
    decision = _decide(10.0, _plan(DISCHARGE, -3.0), settings=low)
    assert decision.mode_command == SetMode(mode=HOLD)
    assert decision.layer is Layer.SAFETY


def test_safety_caps_power_at_the_hardware_limit() -> None:
    """A power beyond the battery's limit is cut to the limit."""
    decision = _decide(50.0, None, _override(DISCHARGE, power_kw=9.0))
    assert decision.mode_command == SetMode(mode=DISCHARGE, power_kw=4.0)
    assert decision.layer is Layer.SAFETY


def test_unknown_soc_falls_back_to_self_use() -> None:
    """Without a SoC no bound can be checked: the inverter runs self-use on its own limits."""
    decision = _decide(None, _plan(CHARGE, 3.0), _override(DISCHARGE))
    assert decision.mode_command == SetMode(mode=SELF_USE)
    assert decision.layer is Layer.SAFETY


def test_no_plan_means_self_use() -> None:
    """Without a plan the battery runs plain self-use."""
    decision = _decide(50.0, None)
    assert decision.mode_command == SetMode(mode=SELF_USE)
    assert (decision.layer, decision.reason) == (Layer.SELF_USE, "self-use: no plan")


def test_stale_plan_means_self_use() -> None:
    """A plan whose slots have all passed is stale: self-use, and the reason says so."""
    old = make_plan(NOW - timedelta(hours=3), [(CHARGE, 3.0)] * 4, minutes=15)
    decision = _decide(50.0, old)
    assert decision.mode_command == SetMode(mode=SELF_USE)
    assert decision.layer is Layer.SELF_USE
    assert "stale" in decision.reason


def test_dwell_keeps_the_last_mode_until_it_has_run_long_enough() -> None:
    """A plan change two minutes after the last one waits until five minutes have passed."""
    memory = _decide(50.0, _plan(CHARGE, 3.0), now=NOW - timedelta(minutes=2)).memory
    held = _decide(50.0, _plan(SELF_USE), memory=memory)
    assert held.mode_command == SetMode(mode=CHARGE, power_kw=3.0)
    assert "keeping force_charge at 3.00 kW for 3 more min" in held.reason
    assert held.memory.since == NOW - timedelta(minutes=2)
    later = _decide(
        50.0, _plan(SELF_USE), now=NOW + timedelta(minutes=3), memory=memory
    )
    assert later.mode_command == SetMode(mode=SELF_USE)
    assert later.memory.since == NOW + timedelta(minutes=3)


def test_power_changes_within_a_mode_do_not_wait_for_the_dwell() -> None:
    """Dwell is about modes: a new power in the same mode applies at once."""
    memory = _decide(50.0, _plan(CHARGE, 3.0), now=NOW - timedelta(minutes=1)).memory
    decision = _decide(50.0, _plan(CHARGE, 2.0), memory=memory)
    assert decision.mode_command == SetMode(mode=CHARGE, power_kw=2.0)
    assert decision.memory.since == NOW - timedelta(minutes=1)


def test_safety_and_overrides_preempt_the_dwell() -> None:
    """Safety and the user's own changes do not wait for the dwell time."""
    low = replace(SETTINGS, min_soc_percent=5.0)
    memory = _decide(
        11.0, _plan(DISCHARGE, -3.0), now=NOW - timedelta(minutes=1), settings=low
    ).memory
    at_minimum = _decide(10.0, _plan(DISCHARGE, -3.0), settings=low, memory=memory)
    assert at_minimum.mode_command == SetMode(mode=HOLD)
    assert _decide(
        50.0, _plan(SELF_USE), _override(HOLD), memory=memory
    ).mode_command == (SetMode(mode=HOLD))
    overridden = _decide(
        50.0, _plan(SELF_USE), _override(HOLD), now=NOW - timedelta(minutes=1)
    ).memory
    assert _decide(50.0, _plan(CHARGE, 3.0), memory=overridden).mode_command == (
        SetMode(mode=CHARGE, power_kw=3.0)
    )


def test_reserve_is_left_only_above_its_hysteresis_band() -> None:
    """Once below the reserve, charging goes on until 2 points above it."""
    storm = replace(SETTINGS, reserve_soc_percent=20.0)
    entered = _decide(19.0, _plan(SELF_USE), settings=storm)
    assert entered.layer is Layer.RESERVE
    still = _decide(21.5, _plan(SELF_USE), settings=storm, memory=entered.memory)
    assert still.layer is Layer.RESERVE
    assert still.mode_command.mode is CHARGE
    left = _decide(22.0, _plan(SELF_USE), settings=storm, memory=still.memory)
    assert left.layer is Layer.PLAN
    never_entered = _decide(21.5, _plan(SELF_USE), settings=storm)
    assert never_entered.layer is Layer.PLAN


def _count_mode_changes(
    socs: list[float], plan: Plan, settings: ControlSettings
) -> int:
    memory, now, changes, last = FRESH, NOW, 0, None
    for soc in socs:
        decision = _decide(soc, plan, now=now, settings=settings, memory=memory)
        mode = decision.mode_command.mode
        changes += last is not None and mode != last
        last, memory, now = mode, decision.memory, now + timedelta(minutes=1)
    return changes


CASES = {
    # threshold: (settings, plan mode and power around it)
    "reserve": (replace(SETTINGS, reserve_soc_percent=40.0), 40.0, (SELF_USE, 0.0)),
    "critical": (SETTINGS, 15.0, (SELF_USE, 0.0)),
    "maximum": (SETTINGS, 95.0, (CHARGE, 3.0)),
    "minimum": (replace(SETTINGS, min_soc_percent=5.0), 10.0, (DISCHARGE, -3.0)),
}


@pytest.mark.parametrize("case", CASES)
@hypothesis_settings(max_examples=60, deadline=None)
@given(
    jitter=st.lists(
        st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.0]), min_size=2, max_size=60
    )
)
def test_a_soc_jittering_around_a_threshold_changes_mode_at_most_once(
    case: str, jitter: list[float]
) -> None:
    """SoC noise of ±1 point around any threshold never flips the mode back and forth."""
    settings, threshold, (mode, kw) = CASES[case]
    plan = make_plan(NOW.replace(minute=0), [(mode, kw)] * 3, minutes=60)
    socs = [threshold + step for step in jitter]
    assert _count_mode_changes(socs, plan, settings) <= 1


def test_without_hysteresis_and_dwell_the_same_noise_flips_the_mode() -> None:
    """The counter above is sharp: with no hysteresis and no dwell, noise flips every minute."""
    bare = replace(
        SETTINGS,
        reserve_soc_percent=40.0,
        hysteresis_percent=0.0,
        dwell=timedelta(0),
    )
    plan = make_plan(NOW.replace(minute=0), [(SELF_USE, 0.0)] * 3, minutes=60)
    assert _count_mode_changes([39.0, 41.0] * 5, plan, bare) == 9


def test_override_ends_at_its_time_and_the_plan_resumes() -> None:
    """At `until` the override is over: the plan's mode comes back and the caller is told."""
    override = _override(DISCHARGE)
    running = _decide(
        50.0, _plan(CHARGE, 3.0), override, now=NOW + timedelta(minutes=59)
    )
    assert (running.layer, running.override_ended) == (Layer.OVERRIDE, False)
    ended = _decide(
        50.0,
        make_plan(NOW.replace(minute=0), [(CHARGE, 3.0)] * 2, minutes=60),
        override,
        now=NOW + timedelta(hours=1),
        memory=running.memory,
    )
    assert ended.override_ended
    assert ended.mode_command == SetMode(mode=CHARGE, power_kw=3.0)
    assert ended.reason.endswith("(override ended at 13:05)")


@pytest.mark.parametrize(
    ("mode", "target", "soc", "ended"),
    [
        (CHARGE, 80.0, 79.0, False),
        (CHARGE, 80.0, 80.0, True),
        (DISCHARGE, 30.0, 31.0, False),
        (DISCHARGE, 30.0, 30.0, True),
    ],
)
def test_override_ends_at_its_target_soc(
    mode: InverterMode, target: float, soc: float, ended: bool
) -> None:
    """A charge override ends once the SoC reaches its target, a discharge once it falls to it."""
    decision = _decide(soc, _plan(SELF_USE), _override(mode, target_soc_percent=target))
    assert decision.override_ended is ended
    assert decision.mode_command.mode is (SELF_USE if ended else mode)


def test_slot_lookup_at_and_across_boundaries() -> None:
    """A slot covers [start, end): at a boundary the next slot is in force."""
    plan = make_plan(NOW.replace(minute=0), [(CHARGE, 1.0), (HOLD, 0.0)], minutes=15)
    boundary = NOW.replace(minute=15)
    assert slot_at(plan, boundary - timedelta(seconds=1)) == plan.slots[0]
    assert slot_at(plan, boundary) == plan.slots[1]
    assert slot_at(plan, boundary + timedelta(minutes=15)) is None
    assert slot_at(plan, NOW.replace(minute=0) - timedelta(seconds=1)) is None


def test_slot_lookup_over_the_spring_forward_night() -> None:
    """On 29 March 2026 02:00 CET jumps to 03:00 CEST: 03:00 local is 8 quarter-hours after 00:00."""
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 29, 0, 0, tzinfo=berlin)
    plan = make_plan(start, [(SELF_USE, float(i)) for i in range(16)], minutes=15)
    assert slot_at(plan, datetime(2026, 3, 29, 3, 0, tzinfo=berlin)) == plan.slots[8]
    assert slot_at(plan, datetime(2026, 3, 29, 1, 0, tzinfo=UTC)) == plan.slots[8]


def test_slot_lookup_over_the_fall_back_night() -> None:
    """On 25 October 2026 02:30 happens twice; each instant finds its own slot."""
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 10, 25, 0, 0, tzinfo=berlin)
    plan = make_plan(start, [(SELF_USE, float(i)) for i in range(24)], minutes=15)
    first = datetime(2026, 10, 25, 2, 30, tzinfo=berlin, fold=0)
    second = datetime(2026, 10, 25, 2, 30, tzinfo=berlin, fold=1)
    assert slot_at(plan, first) == plan.slots[10]
    assert slot_at(plan, second) == plan.slots[14]


@pytest.mark.parametrize(
    ("override", "key"),
    [
        (Override(mode=CHARGE, until=NOW - timedelta(minutes=1)), "until_in_past"),
        (
            Override(mode=CHARGE, until=NOW + timedelta(hours=1), power_kw=5.5),
            "power_out_of_range",
        ),
        (
            Override(mode=DISCHARGE, until=NOW + timedelta(hours=1), power_kw=-1.0),
            "power_out_of_range",
        ),
        (
            Override(
                mode=CHARGE, until=NOW + timedelta(hours=1), target_soc_percent=101.0
            ),
            "soc_out_of_range",
        ),
    ],
)
def test_validate_override_rejects_bad_values(override: Override, key: str) -> None:
    """Bad override values raise OverrideError with a translation key."""
    with pytest.raises(OverrideError) as caught:
        validate_override(override, LIMITS, NOW)
    assert caught.value.key == key


def test_validate_override_accepts_the_limits_themselves() -> None:
    """Power exactly at the limit and SoC 0 or 100 are fine."""
    until = NOW + timedelta(minutes=30)
    validate_override(
        Override(mode=CHARGE, until=until, power_kw=5.0, target_soc_percent=100.0),
        LIMITS,
        NOW,
    )
    validate_override(
        Override(mode=DISCHARGE, until=until, power_kw=4.0, target_soc_percent=0.0),
        LIMITS,
        NOW,
    )


def test_next_run_every_minute_under_remote_control_else_at_the_slot_boundary() -> None:
    """Remote control needs a decision every period; self-use only at the next slot boundary."""
    charging = _plan(CHARGE, 3.0)
    assert next_run_at(_decide(50.0, charging), charging, NOW) == NOW + timedelta(
        minutes=1
    )
    quiet = make_plan(NOW.replace(minute=0), [(SELF_USE, 0.0)] * 4, minutes=15)
    near = NOW.replace(minute=12)
    assert next_run_at(_decide(50.0, quiet, now=near), quiet, near) == NOW.replace(
        minute=15
    )
    assert next_run_at(_decide(50.0, quiet), quiet, NOW) == NOW + timedelta(minutes=5)
    assert next_run_at(_decide(50.0, None), None, NOW) == NOW + timedelta(minutes=5)
