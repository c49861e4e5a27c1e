"""Demand (capacity) charge (FORMAT.md "Demand (capacity) charge")."""

from __future__ import annotations

from datetime import timedelta
from itertools import product
import json
from typing import Any

import pytest

from custom_components.ems.planner import (
    DeferrableLoad,
    DemandCharge,
    ProblemError,
    evaluate,
    plan,
    problem_from_json,
    problem_to_json,
)

from .helpers import START, battery, problem

NO_BATTERY = battery(max_charge_kw=0.0, max_discharge_kw=0.0, cycle_cost_per_kwh=0.0)


def test_battery_caps_the_peak_at_what_was_already_reached() -> None:
    """Flat price 0.2 (terminal value 0.2), 4 kW in hour 2, 2 kW peak so far.

    Discharging 2 kWh then costs nothing in energy and saves 2 kW of peak: the optimum
    is 0.2 x 5 kWh imported - 0.2 x 3 kWh kept = 0.4, no charge.
    """
    case = problem(
        [0.2] * 4,
        load_kw=[1.0, 1.0, 4.0, 1.0],
        battery=battery(
            soc_percent=50.0,
            charge_efficiency=1.0,
            discharge_efficiency=1.0,
            cycle_cost_per_kwh=0.0,
        ),
        terminal_value_per_kwh=0.2,
        demand_charge=DemandCharge(price_per_kw=1.0, peak_so_far_kw=2.0),
    )
    result = plan(case)
    assert result.objective == pytest.approx(0.4)
    assert max(slot.grid_kw for slot in result.slots) <= 2.0 + 1e-6
    assert "keeps import under the 2.0 kW peak" in result.slots[2].reason
    judged = evaluate(case, [slot.battery_kw for slot in result.slots])
    assert judged.demand_charge == pytest.approx(0.0, abs=1e-6)
    assert judged.cost == pytest.approx(result.objective, abs=1e-6)
    idle = evaluate(case, [0.0] * 4)
    assert idle.peak_import_kw == 4.0
    assert idle.cost == pytest.approx(0.2 * 7 - 0.2 * 5 + 1.0 * 2.0)


@pytest.mark.parametrize(
    ("measure_minutes", "counted", "charge"),
    [
        (15, None, 8.0),  # one quarter-hour at 8 kW
        (60, None, 2.0),  # the hour's mean
        (15, (True, True, True, False), 0.0),  # the peak quarter is not counted
        (60, (True, True, True, False), 2.0),  # its hour is
    ],
)
def test_measure_windows_and_counted_slots(
    measure_minutes: int, counted: tuple[bool, ...] | None, charge: float
) -> None:
    """8 kW for one quarter-hour: what the bill measures depends on the window."""
    case = problem(
        [0.0] * 4,
        slot_minutes=15,
        load_kw=[0.0, 0.0, 0.0, 8.0],
        battery=NO_BATTERY,
        demand_charge=DemandCharge(
            price_per_kw=1.0, measure_minutes=measure_minutes, counted=counted
        ),
    )
    assert evaluate(case, [0.0] * 4).demand_charge == pytest.approx(charge)
    assert plan(case).objective == pytest.approx(charge)


def test_windows_follow_the_clock() -> None:
    """Starting at 00:30, an hourly window holds two half-hours, the next two more."""
    case = problem(
        [0.0] * 4,
        slot_minutes=30,
        start=START + timedelta(minutes=30),
        load_kw=[4.0, 0.0, 0.0, 0.0],
        battery=NO_BATTERY,
        demand_charge=DemandCharge(price_per_kw=1.0, measure_minutes=60),
    )
    # 00:30-01:00 is alone in its hour within the horizon: its mean is 4 kW.
    assert evaluate(case, [0.0] * 4).peak_import_kw == pytest.approx(4.0)


def test_load_moves_away_from_the_peak_brute_force() -> None:
    """A dishwasher and a demand charge, no battery: the MILP is the best pattern."""
    loads = [
        DeferrableLoad(
            id="dishwasher",
            power_kw=2.0,
            energy_kwh=4.0,
            earliest=START,
            latest=START + timedelta(hours=5),
        )
    ]
    case = problem(
        [0.1, 0.3, 0.2, 0.25, 0.4],
        load_kw=[3.0, 0.5, 2.5, 0.5, 1.0],
        battery=NO_BATTERY,
        loads=loads,
        demand_charge=DemandCharge(price_per_kw=0.3, peak_so_far_kw=2.0),
    )
    result = plan(case)
    best = min(
        judged.cost
        for pattern in product([0.0, 2.0], repeat=5)
        if not (
            judged := evaluate(case, [0.0] * 5, {"dishwasher": list(pattern)})
        ).violations
    )
    assert result.objective == pytest.approx(best, abs=1e-6)
    assert [slot.loads_kw["dishwasher"] for slot in result.slots] == [0, 2, 0, 2, 0]


def test_dp_says_it_does_not_optimise_the_demand_charge() -> None:
    """DP plans energy only; the plan's cost still includes the charge."""
    case = problem(
        [0.2] * 4,
        load_kw=[1.0, 1.0, 4.0, 1.0],
        demand_charge=DemandCharge(price_per_kw=1.0, peak_so_far_kw=2.0),
    )
    result = plan(case, "dp")
    assert "demand charge not optimised" in result.reason
    judged = evaluate(case, [slot.battery_kw for slot in result.slots])
    assert judged.cost == pytest.approx(result.objective, abs=1e-6)
    assert plan(case).objective <= result.objective + 1e-9


def test_codec_round_trip_and_errors() -> None:
    """FORMAT.md's demand_charge section reads and writes back; bad ones are refused."""
    data: dict[str, Any] = problem_to_json(problem([0.2] * 4, slot_minutes=15))
    data["demand_charge"] = {
        "price_per_kw": 4.5,
        "peak_so_far_kw": 3.2,
        "measure_minutes": 15,
        "counted": [True, True, False, True],
    }
    case = problem_from_json(data)
    assert case.demand_charge == DemandCharge(
        price_per_kw=4.5, peak_so_far_kw=3.2, counted=(True, True, False, True)
    )
    assert problem_from_json(json.loads(json.dumps(problem_to_json(case)))) == case
    for bad, message in (
        ({"price_per_kw": 1.0, "measure_minutes": 20}, "multiple or a divisor"),
        ({"price_per_kw": 1.0, "counted": [True]}, "4 true/false values"),
        ({"price_per_kw": -1.0}, "price_per_kw must be a number >= 0"),
        ({"peak_so_far_kw": 1.0}, "demand_charge: missing field 'price_per_kw'"),
    ):
        data["demand_charge"] = bad
        with pytest.raises(ProblemError, match=message):
            problem_from_json(data)
