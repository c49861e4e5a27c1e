"""Verified execution: what the battery must do for each command, and when a failure alarms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.ems.core.control import SetMode
from custom_components.ems.core.control.verify import (
    Alarm,
    Execution,
    Measured,
    Outcome,
    VerifyMemory,
    judge,
    track,
)
from custom_components.ems.planner import InverterMode

from .helpers import LIMITS

CHARGE_3 = SetMode(mode=InverterMode.FORCE_CHARGE, power_kw=3.0)
DISCHARGE_2 = SetMode(mode=InverterMode.FORCE_DISCHARGE, power_kw=2.0)
HOLD = SetMode(mode=InverterMode.HOLD)
ZERO = SetMode(mode=InverterMode.ZERO_EXPORT)
SELF_USE = SetMode(mode=InverterMode.SELF_USE)
FOX = Execution(caps=True)
GROWATT = Execution(
    settle=timedelta(minutes=10), hold_stores_pv=True, zero_export_checked=False
)
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _measured(
    battery: float | None,
    *,
    soc: float = 50.0,
    pv: float | None = 0.0,
    load: float | None = 0.5,
    grid: float | None = None,
) -> Measured:
    return Measured(
        battery_kw=battery,
        soc_percent=soc,
        pv_kw=pv,
        load_kw=load,
        grid_kw=grid,
        source="inverter",
    )


def _judge(command: SetMode, measured: Measured, execution: Execution = FOX) -> Outcome:
    return judge(
        command, measured, LIMITS, floor_percent=15.0, execution=execution
    ).outcome


@pytest.mark.parametrize(
    ("command", "measured", "outcome"),
    [
        # As commanded, within the tolerance.
        (CHARGE_3, _measured(2.85), Outcome.CARRIED_OUT),
        (DISCHARGE_2, _measured(-2.1), Outcome.CARRIED_OUT),
        (HOLD, _measured(0.1, pv=3.0), Outcome.CARRIED_OUT),
        # Not moving, or moving the wrong way.
        (CHARGE_3, _measured(0.0), Outcome.NOT_CARRIED_OUT),
        (CHARGE_3, _measured(-0.4), Outcome.NOT_CARRIED_OUT),
        (DISCHARGE_2, _measured(0.0), Outcome.NOT_CARRIED_OUT),
        (HOLD, _measured(-0.5), Outcome.NOT_CARRIED_OUT),
        (HOLD, _measured(2.0, pv=3.0), Outcome.NOT_CARRIED_OUT),
        # At a SoC limit the battery stops by itself (max 95 %, floor 15 %).
        (CHARGE_3, _measured(0.0, soc=94.0), Outcome.EXPLAINED),
        (DISCHARGE_2, _measured(0.0, soc=16.0), Outcome.EXPLAINED),
        # Derating: the right way, less; more than self use would do on its own.
        (CHARGE_3, _measured(1.5), Outcome.EXPLAINED),
        (DISCHARGE_2, _measured(-1.2, load=0.3), Outcome.EXPLAINED),
        # ... but self use's own move is no evidence of the command.
        (CHARGE_3, _measured(1.5, pv=2.0, load=0.5), Outcome.NOT_CARRIED_OUT),
        (DISCHARGE_2, _measured(-0.5, load=0.5), Outcome.NOT_CARRIED_OUT),
        # Charging more than commanded is not the command either.
        (CHARGE_3, _measured(4.5, pv=5.0), Outcome.NOT_CARRIED_OUT),
        # Self use is the inverter's own mode; no reading, nothing to say.
        (SELF_USE, _measured(-2.0), Outcome.UNCHECKED),
        (CHARGE_3, _measured(None), Outcome.UNCHECKED),
        # Zero export: judged by the grid, not the battery.
        (ZERO, _measured(1.0, pv=3.0, grid=0.1), Outcome.CARRIED_OUT),
        (ZERO, _measured(0.0, pv=3.0, grid=-2.0), Outcome.NOT_CARRIED_OUT),
        (ZERO, _measured(0.0, pv=3.0), Outcome.UNCHECKED),
    ],
)
def test_what_the_battery_must_do(
    command: SetMode, measured: Measured, outcome: Outcome
) -> None:
    """Each mode has its expected response; limits and derating explain a shortfall."""
    assert _judge(command, measured) is outcome


def test_growatt_hold_may_store_pv_and_zero_export_is_its_default() -> None:
    """Battery first stores surplus PV; load first exports when full: both are explained."""
    assert _judge(HOLD, _measured(1.5, pv=3.0), GROWATT) is Outcome.EXPLAINED
    assert _judge(HOLD, _measured(-1.0), GROWATT) is Outcome.NOT_CARRIED_OUT
    assert _judge(ZERO, _measured(0.0, grid=-2.0), GROWATT) is Outcome.UNCHECKED


def test_self_use_caps_are_checked_where_the_link_carries_them_out() -> None:
    """Capped self use: within the cap is carried out, beyond it is not; Growatt has no caps."""
    capped = SetMode(mode=InverterMode.SELF_USE, max_charge_kw=1.0)
    no_discharge = SetMode(mode=InverterMode.SELF_USE, max_discharge_kw=0.0)
    assert _judge(capped, _measured(1.05, pv=4.0)) is Outcome.CARRIED_OUT
    assert _judge(capped, _measured(-0.5)) is Outcome.CARRIED_OUT
    assert _judge(capped, _measured(3.2, pv=4.0)) is Outcome.NOT_CARRIED_OUT
    assert _judge(no_discharge, _measured(0.0)) is Outcome.CARRIED_OUT
    assert _judge(no_discharge, _measured(-1.5)) is Outcome.NOT_CARRIED_OUT
    assert _judge(capped, _measured(3.2, pv=4.0), GROWATT) is Outcome.UNCHECKED
    verdict = judge(capped, _measured(3.2), LIMITS, floor_percent=15.0, execution=FOX)
    assert verdict.explanation == "the battery charges 3.20 kW above its 1 kW cap"


def test_a_verdict_names_expected_and_measured_power() -> None:
    """The user sees the figures: expected +3 kW, measured 0 kW."""
    verdict = judge(CHARGE_3, _measured(0.0), LIMITS, floor_percent=15.0, execution=FOX)
    assert (verdict.expected_kw, verdict.measured_kw) == (3.0, 0.0)
    assert verdict.explanation == "the battery stays still"
    assert verdict.as_dict()["source"] == "inverter"


def _run(
    checks: list[tuple[SetMode, Measured]], minutes: float = 1.0
) -> list[tuple[Alarm, ...]]:
    """Track one check per `minutes`; return the alarms of each."""
    memory = VerifyMemory()
    alarms = []
    for index, (command, measured) in enumerate(checks):
        verdict = judge(command, measured, LIMITS, floor_percent=15.0, execution=FOX)
        memory, raised = track(
            memory,
            command,
            verdict,
            T0 + timedelta(minutes=minutes * index),
            execution=FOX,
        )
        alarms.append(raised)
    return alarms


def test_a_new_command_has_two_control_periods_to_show() -> None:
    """The first two minutes of a command are not judged; the third check flags it."""
    alarms = _run([(CHARGE_3, _measured(0.0))] * 3)
    assert alarms == [(), (), (Alarm.FLAGGED,)]


def test_a_failure_persists_then_ems_falls_back_to_self_use() -> None:
    """Flag, repair after 3 failed checks, self use after 5; then a pause, then afresh."""
    alarms = _run([(CHARGE_3, _measured(0.0))] * 8)
    assert alarms[2:7] == [
        (Alarm.FLAGGED,),
        (),
        (Alarm.PERSISTS,),
        (),
        (Alarm.FALLBACK,),
    ]
    assert alarms[7] == ()  # within the fallback's hour nothing is judged


def test_the_fallback_ends_and_the_next_command_starts_afresh() -> None:
    """After the fallback's hour EMS tries again; a working battery clears everything."""
    memory = VerifyMemory()
    now = T0
    for _ in range(7):
        verdict = judge(
            CHARGE_3, _measured(0.0), LIMITS, floor_percent=15.0, execution=FOX
        )
        memory, _ = track(memory, CHARGE_3, verdict, now, execution=FOX)
        now += timedelta(minutes=1)
    assert memory.in_fallback(now)
    assert memory.fallback_reason is not None
    assert "force charge" in memory.fallback_reason
    assert memory.counters.fallbacks == 1
    later = now + timedelta(hours=1)
    good = judge(CHARGE_3, _measured(3.0), LIMITS, floor_percent=15.0, execution=FOX)
    memory, alarms = track(memory, CHARGE_3, good, later, execution=FOX)
    assert alarms == (Alarm.RESUMED,)
    assert memory.flagged is None
    assert not memory.in_fallback(later)


def test_a_good_check_or_self_use_clears_the_flag() -> None:
    """Carried out again clears it; so does a mode with nothing to check."""
    failing = [(CHARGE_3, _measured(0.0))] * 3
    assert _run([*failing, (CHARGE_3, _measured(3.0))])[-1] == (Alarm.CLEARED,)
    assert _run([*failing, (SELF_USE, _measured(-1.0))])[-1] == (Alarm.CLEARED,)


def test_derating_and_limits_never_alarm() -> None:
    """A battery at its maximum or derated by its BMS is explained, for as long as it lasts."""
    alarms = _run(
        [(CHARGE_3, _measured(1.2))] * 4 + [(CHARGE_3, _measured(0.0, soc=95.0))] * 4
    )
    assert all(raised == () for raised in alarms)


def test_counters_count_each_settled_check() -> None:
    """Diagnostics count checks by outcome, flags and fallbacks."""
    memory = VerifyMemory()
    for index, measured in enumerate(
        [_measured(0.0)] * 3 + [_measured(3.0), _measured(1.5)]
    ):
        verdict = judge(CHARGE_3, measured, LIMITS, floor_percent=15.0, execution=FOX)
        memory, _ = track(
            memory,
            CHARGE_3,
            verdict,
            T0 + timedelta(minutes=index),
            execution=FOX,
        )
    counters = memory.counters
    assert (counters.checks, counters.not_carried_out) == (3, 1)
    assert (counters.carried_out, counters.explained, counters.flagged) == (1, 1, 1)
