"""A Situation in, a plan out: validation, forecasts, scenarios and steady modes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
import json

import pytest

from custom_components.ems.core.inputs.load_model import SlotHistory, forecast_slots
from custom_components.ems.core.situation import (
    Command,
    DemandTariff,
    Policy,
    Prices,
    plan_situation,
    running_command,
    situation_from_json,
    situation_problem,
    situation_to_json,
)
from custom_components.ems.planner import (
    InverterMode,
    ProblemError,
    ReserveWindow,
    Strategy,
)

from .real_day import END_OF_DAY, FIRST, HISTORY_START, NOW, PARIS, SLOT, situation


def test_json_round_trip() -> None:
    """FORMAT.md's object and back: the same Situation, gaps (null) included."""
    known = situation(previous=Command(mode=InverterMode.HOLD, since=NOW))
    data = json.loads(json.dumps(situation_to_json(known)))
    assert None in data["history"]["pv_kw"]
    assert situation_from_json(data) == known


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["prices"].update(start="2024-10-27T10:10:00+01:00"),
            "slot boundary",
        ),
        (lambda d: d["prices"]["export"].pop(), "differ in length"),
        (lambda d: d["history"]["pv_kw"].pop(), "differ in length"),
        (lambda d: d.update(slot_minutes=20), "15, 30 or 60"),
        (lambda d: d["battery"].update(charge_efficiency=1.5), "efficiencies"),
        (lambda d: d.update(previous={"mode": "turbo"}), "previous"),
        (lambda d: d.pop("history"), "history"),
        (lambda d: d["pv_forecast"]["p50"].append("x"), "not a number"),
    ],
)
def test_invalid_situations_are_refused(change: object, message: str) -> None:
    """Each mistake is one ProblemError naming it."""
    data = situation_to_json(situation())
    change(data)  # type: ignore[operator]
    with pytest.raises(ProblemError, match=message):
        situation_from_json(data)


def test_no_price_for_the_current_slot_cannot_be_planned() -> None:
    """Prices that start after now: nothing to plan with, said so."""
    late = situation()
    late = replace(late, prices=replace(late.prices, start=FIRST + SLOT))
    with pytest.raises(ProblemError, match="no price"):
        plan_situation(late)
    with pytest.raises(ProblemError, match="time zone"):
        plan_situation(replace(situation(), time_zone="Mars/Olympus"))


def test_the_plan_starts_now_and_ends_with_the_prices() -> None:
    """10:07: the first slot is 10:00-10:30; the last ends at midnight (25-hour day)."""
    problem, result = plan_situation(situation())
    assert result.slots[0].start == FIRST
    assert result.slots[-1].end == END_OF_DAY
    assert problem.horizon == len(result.slots) == 28
    assert result.method == "milp"
    assert result.expected_cost is not None


def test_the_load_is_forecast_from_the_history_alone() -> None:
    """The Problem's load is the project's forecaster on the Situation's history."""
    known = situation()
    problem = situation_problem(known)
    history = SlotHistory(start=HISTORY_START, minutes=30, values=known.history.load_kw)
    assert problem.load_kw == pytest.approx(
        forecast_slots(history, count=28, zone=PARIS, fallback_kw=0.0)
    )


def test_past_forecasts_calibrate_the_pv() -> None:
    """With yesterday's forecast next to what was measured, today's PV is rescaled."""
    calibrated = situation_problem(situation())
    raw = situation_problem(situation(pv_past=False))
    assert calibrated.pv_kw != raw.pv_kw
    neither = Policy(calibrate_pv=False, pv_level_half_life_hours=0.0)
    assert situation_problem(situation(), neither).pv_kw == raw.pv_kw
    by_day = situation_problem(situation(), Policy(pv_level_half_life_hours=0.0))
    assert by_day.pv_kw not in (raw.pv_kw, calibrated.pv_kw)
    # The last hour's level fades: the evening is as the daily calibration says.
    assert calibrated.pv_kw[-4:] == pytest.approx(by_day.pv_kw[-4:], abs=1e-3)


def test_missing_pv_forecast_takes_yesterdays_measurement() -> None:
    """A gap in the forecast: the PV measured 24 hours earlier."""
    known = situation(pv_past=False)
    p50 = list(known.pv_forecast.p50)
    p50[4] = None  # 12:00
    gappy = replace(known, pv_forecast=replace(known.pv_forecast, p50=tuple(p50)))
    problem = situation_problem(gappy, Policy(calibrate_pv=False))
    yesterday = known.history.pv_kw[len(known.history.pv_kw) - 48 + 4]
    assert problem.pv_kw[4] == pytest.approx(yesterday)


def test_a_running_mode_is_kept_within_its_dwell() -> None:
    """Begun ten minutes ago: the mode runs on, whatever the new plan prefers."""
    fresh = plan_situation(situation())[1].slots[0]
    other = (
        InverterMode.FORCE_CHARGE
        if fresh.mode is not InverterMode.FORCE_CHARGE
        else InverterMode.SELF_USE
    )
    running = Command(mode=other, battery_kw=2.0, since=NOW - timedelta(minutes=10))
    kept = plan_situation(situation(previous=running))[1].slots[0]
    assert kept.mode is other
    assert kept.battery_kw == pytest.approx(2.0, abs=1e-6)


def test_a_mode_change_must_pay_for_itself() -> None:
    """Long running: replaced only when the new plan saves more than the switch cost."""
    fresh = plan_situation(situation())[1].slots[0]
    running = Command(mode=InverterMode.FORCE_CHARGE, battery_kw=0.5)
    assert fresh.mode is not InverterMode.FORCE_CHARGE
    cheap = Policy(switch_cost=0.0, dwell=timedelta())
    costly = Policy(switch_cost=100.0)
    assert (
        plan_situation(situation(previous=running), policy=cheap)[1].slots[0].mode
        is fresh.mode
    )
    assert (
        plan_situation(situation(previous=running), policy=costly)[1].slots[0].mode
        is InverterMode.FORCE_CHARGE
    )


def test_prices_from_an_earlier_slot_are_cut_to_now() -> None:
    """Prices published from midnight: the plan still starts at the current slot."""
    known = situation()
    early = replace(
        known,
        prices=Prices(
            start=FIRST - 2 * SLOT,
            import_price=(0.3, 0.3, *known.prices.import_price),
            export_price=(0.1, 0.1, *known.prices.export_price),
        ),
    )
    assert (
        situation_problem(early).import_price == situation_problem(known).import_price
    )


def test_a_reserve_window_and_plain_modes_round_trip_and_hold() -> None:
    """A storm's reserve window holds where it applies; no caps without mode_caps."""
    storm = ReserveWindow(
        start=FIRST + 6 * SLOT, end=FIRST + 12 * SLOT, min_soc_percent=80.0
    )
    known = replace(situation(soc_percent=30.0), reserve=storm, mode_caps=False)
    data = json.loads(json.dumps(situation_to_json(known)))
    assert data["mode_caps"] is False
    assert situation_from_json(data) == known
    problem, result = plan_situation(known)
    assert problem.reserve == storm
    assert all(slot.soc_percent >= 80.0 - 1e-6 for slot in result.slots[6:12])
    assert all(
        slot.max_charge_kw is None and slot.max_discharge_kw is None
        for slot in result.slots
    )
    # Before the warning the floor is the battery's minimum, not the reserve.
    assert result.slots[0].soc_percent < 80.0


def test_the_running_command_keeps_its_start_while_its_mode_lasts() -> None:
    """The next Situation's `previous`: a new mode starts now, the same mode keeps its start."""
    _, result = plan_situation(situation())
    started = running_command(None, result, NOW)
    assert started.mode is result.slots[0].mode
    assert started.since == NOW
    later = NOW + timedelta(minutes=5)
    assert running_command(started, result, later).since == NOW
    other = replace(
        started,
        mode=InverterMode.FORCE_DISCHARGE
        if started.mode is not InverterMode.FORCE_DISCHARGE
        else InverterMode.HOLD,
    )
    assert running_command(other, result, later).since == later


def test_strategy_and_demand_charge_round_trip_and_reach_the_problem() -> None:
    """Days but Saturday 07-19 count; slots after the period's end do not."""
    tariff = DemandTariff(
        price_per_kw=4.5,
        peak_so_far_kw=2.5,
        measure_minutes=15,
        weekdays=(0, 1, 2, 3, 4, 6),  # 2024-10-27 is a Sunday
        from_hour=7,
        to_hour=19,
        period_end=FIRST + 8 * SLOT,
    )
    known = replace(situation(), strategy=Strategy.PEAK_SHAVING, demand_charge=tariff)
    data = json.loads(json.dumps(situation_to_json(known)))
    assert data["strategy"] == "peak_shaving"
    assert data["demand_charge"]["hours"] == [7, 19]
    assert situation_from_json(data) == known
    problem = situation_problem(known)
    assert problem.strategy is Strategy.PEAK_SHAVING
    charge = problem.demand_charge
    assert charge is not None
    assert charge.peak_so_far_kw == 2.5
    assert charge.counted is not None
    local = [problem.slot_start(index).astimezone(PARIS) for index in range(8)]
    expected = [moment.weekday() != 5 and 7 <= moment.hour < 19 for moment in local]
    assert charge.counted[:8] == tuple(expected)
    assert all(expected)
    assert not any(charge.counted[8:])
    data["demand_charge"]["hours"] = [19, 7]
    with pytest.raises(ProblemError, match="from < to"):
        situation_from_json(data)
