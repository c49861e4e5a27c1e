"""Controllable loads (FORMAT.md "Controllable loads"): exact cases, checks, I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import product
import json
from pathlib import Path
import subprocess
import sys
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.ems.planner import (
    DeferrableLoad,
    Evaluation,
    Grid,
    ModulatingLoad,
    OptionalLoad,
    Plan,
    Problem,
    ProblemError,
    evaluate,
    plan,
    plan_to_json,
    problem_from_json,
    problem_to_json,
)

from .helpers import START, battery, problem

ROOT = Path(__file__).resolve().parents[2]
NO_BATTERY = battery(max_charge_kw=0.0, max_discharge_kw=0.0, cycle_cost_per_kwh=0.0)


def at(hours: float) -> datetime:
    """Return START plus `hours`."""
    return START + timedelta(hours=hours)


def dishwasher(**overrides: Any) -> DeferrableLoad:
    """Return a 2 kW dishwasher needing two hours within the first four."""
    values: dict[str, Any] = {
        "id": "dishwasher",
        "power_kw": 2.0,
        "energy_kwh": 4.0,
        "earliest": at(0),
        "latest": at(4),
    }
    values.update(overrides)
    return DeferrableLoad(**values)


def loads_kw(result: Plan) -> dict[str, list[float]]:
    """Return each load's kW per slot from a plan."""
    ids = result.slots[0].loads_kw.keys() if result.slots else ()
    return {name: [slot.loads_kw[name] for slot in result.slots] for name in ids}


def judged(case: Problem, result: Plan) -> Evaluation:
    """Evaluate a plan with its battery and its loads."""
    return evaluate(case, [slot.battery_kw for slot in result.slots], loads_kw(result))


def test_one_block_takes_the_cheapest_consecutive_hours() -> None:
    """Hours at 0.1, 0.3, 0.4, 0.2: one block of two is hours 0-1 (cost 0.8)."""
    case = problem(
        [0.1, 0.3, 0.4, 0.2], battery=NO_BATTERY, loads=[dishwasher(one_block=True)]
    )
    result = plan(case)
    assert loads_kw(result) == {"dishwasher": [2.0, 2.0, 0.0, 0.0]}
    assert result.objective == pytest.approx(0.8)
    assert [slot.grid_kw for slot in result.slots] == [2.0, 2.0, 0.0, 0.0]
    assert "dishwasher runs (2 kW)" in result.slots[0].reason
    assert judged(case, result).violations == ()


def test_without_one_block_the_two_cheapest_hours_apart() -> None:
    """Without one_block: hours 0 and 3 (cost 0.6); a 2-hour minimum run blocks again."""
    prices = [0.1, 0.3, 0.4, 0.2]
    free = plan(problem(prices, battery=NO_BATTERY, loads=[dishwasher()]))
    assert loads_kw(free) == {"dishwasher": [2.0, 0.0, 0.0, 2.0]}
    assert free.objective == pytest.approx(0.6)
    long_run = dishwasher(min_run_minutes=120)
    blocked = plan(problem(prices, battery=NO_BATTERY, loads=[long_run]))
    assert loads_kw(blocked) == {"dishwasher": [2.0, 2.0, 0.0, 0.0]}


def test_energy_rounds_up_to_whole_slots() -> None:
    """1.5 kWh at 2 kW in 15-minute slots is 3 slots (1.5 kWh); in hours 1 slot (2 kWh)."""
    quarter = problem(
        [0.2] * 8,
        slot_minutes=15,
        battery=NO_BATTERY,
        loads=[dishwasher(energy_kwh=1.5, latest=at(2))],
    )
    assert sum(loads_kw(plan(quarter))["dishwasher"]) == pytest.approx(6.0)
    hourly = problem([0.2] * 4, battery=NO_BATTERY, loads=[dishwasher(energy_kwh=1.5)])
    assert sum(loads_kw(plan(hourly))["dishwasher"]) == pytest.approx(2.0)


def test_modulating_load_fills_the_cheapest_hours_within_its_range() -> None:
    """4 kWh at 0.3, 0.1, 0.2, 0.4: 3 + 1 kW (cost 0.5); with min 2 kW: 2 + 2 (0.6)."""
    ev = ModulatingLoad(
        id="ev", min_kw=1.0, max_kw=3.0, energy_kwh=4.0, earliest=at(0), latest=at(4)
    )
    prices = [0.3, 0.1, 0.2, 0.4]
    result = plan(problem(prices, battery=NO_BATTERY, loads=[ev]))
    assert loads_kw(result)["ev"] == pytest.approx([0.0, 3.0, 1.0, 0.0])
    assert result.objective == pytest.approx(0.5)
    strict = replace(ev, min_kw=2.0)
    result = plan(problem(prices, battery=NO_BATTERY, loads=[strict]))
    assert loads_kw(result)["ev"] == pytest.approx([0.0, 2.0, 2.0, 0.0])
    assert result.objective == pytest.approx(0.6)
    assert "ev runs at 2.0 kW (4 kWh due by 04:00)" in result.slots[1].reason


def test_optional_load_runs_where_its_value_beats_the_price() -> None:
    """Worth 0.25 at 0.3, 0.1, 0.2, 0.15, two hours at most: hours 1 and 3 (-0.5).

    With a 2-hour minimum run: hours 1-2 (-0.4).
    """
    boost = OptionalLoad(
        id="boost", power_kw=2.0, max_energy_kwh=4.0, value_per_kwh=0.25
    )
    prices = [0.3, 0.1, 0.2, 0.15]
    result = plan(problem(prices, battery=NO_BATTERY, loads=[boost]))
    assert loads_kw(result)["boost"] == [0.0, 2.0, 0.0, 2.0]
    assert result.objective == pytest.approx(-0.5)
    assert "worth 0.25 a kWh, importing it costs 0.10" in result.slots[1].reason
    long_run = replace(boost, min_run_minutes=120)
    result = plan(problem(prices, battery=NO_BATTERY, loads=[long_run]))
    assert loads_kw(result)["boost"] == [0.0, 2.0, 2.0, 0.0]
    assert result.objective == pytest.approx(-0.4)


def test_battery_and_load_are_planned_together() -> None:
    """Cheap night, dear evening: the dishwasher runs at night, the battery later.

    grid_kw includes the load.
    """
    case = problem(
        [0.1, 0.1, 0.4, 0.4],
        load_kw=[0.3, 0.3, 1.0, 1.0],
        loads=[dishwasher(one_block=True)],
    )
    result = plan(case)
    assert loads_kw(result)["dishwasher"] == [2.0, 2.0, 0.0, 0.0]
    for slot in result.slots:
        expected = (
            slot.load_kw - slot.pv_kw + slot.battery_kw + sum(slot.loads_kw.values())
        )
        assert slot.grid_kw == pytest.approx(expected, abs=1e-4)
    assert result.slots[3].battery_kw < 0.0
    assert judged(case, result).cost == pytest.approx(result.objective, abs=1e-6)


def _brute_force(case: Problem) -> float:
    """Return the cheapest cost over every on/off pattern of the loads.

    The battery is planned by the battery-only MILP around each valid pattern.
    """
    best = float("inf")
    patterns = product([0.0, 1.0], repeat=case.horizon)
    for pattern in product(list(patterns), repeat=len(case.loads)):
        schedule = {
            load.id: [on * getattr(load, "power_kw") for on in cells]
            for load, cells in zip(case.loads, pattern, strict=True)
        }
        judged_loads = evaluate(case, [0.0] * case.horizon, schedule)
        if judged_loads.violations:
            continue
        extra = [sum(kw[i] for kw in schedule.values()) for i in range(case.horizon)]
        fixed = replace(
            case,
            loads=(),
            load_kw=[
                base + more for base, more in zip(case.load_kw, extra, strict=True)
            ],
        )
        best = min(best, plan(fixed).objective - judged_loads.load_value)
    return best


@pytest.mark.parametrize(
    "loads",
    [
        [dishwasher(energy_kwh=4.0, min_run_minutes=120, latest=at(5))],
        [
            dishwasher(one_block=True, latest=at(5)),
            OptionalLoad(
                id="boost", power_kw=1.5, max_energy_kwh=3.0, value_per_kwh=0.22
            ),
        ],
        [
            OptionalLoad(
                id="boost",
                power_kw=3.0,
                max_energy_kwh=9.0,
                value_per_kwh=0.2,
                min_run_minutes=120,
                earliest=at(1),
            )
        ],
    ],
)
def test_milp_matches_brute_force(loads: list[Any]) -> None:
    """On 5 hours with PV and a battery, the MILP is the cheapest of all patterns."""
    case = problem(
        [0.25, 0.08, 0.3, 0.12, 0.35],
        export_price=[0.05] * 5,
        pv_kw=[0.0, 1.0, 3.0, 2.0, 0.0],
        load_kw=[0.5, 0.4, 0.6, 0.5, 1.2],
        battery=battery(
            capacity_kwh=4.0, soc_percent=50.0, max_charge_kw=2.0, max_discharge_kw=2.0
        ),
        loads=loads,
    )
    result = plan(case)
    assert result.method == "milp"
    assert judged(case, result).violations == ()
    assert result.objective == pytest.approx(_brute_force(case), abs=1e-6)


@pytest.mark.parametrize(
    ("change", "found"),
    [
        ({"dishwasher": [0.0, 0.0, 2.0, 2.0, 2.0]}, "outside its window"),
        ({"dishwasher": [2.0, 0.0, 2.0, 0.0, 0.0]}, "not one block"),
        ({"dishwasher": [1.5, 1.5, 0.0, 0.0, 0.0]}, "not 2"),
        ({"dishwasher": [2.0, 0.0, 0.0, 0.0, 0.0]}, "required"),
        ({"ev": [0.0, 0.5, 1.5, 0.0, 0.0]}, "outside 1..3"),
        ({"ev": [0.0, 1.0, 0.0, 0.0, 0.0]}, "required"),
        ({"boost": [2.0, 2.0, 2.0, 0.0, 0.0]}, "more than 4"),
        ({"boost": [2.0, 0.0, 2.0, 0.0, 0.0]}, "shorter than 120"),
        ({"heater": [0.0] * 5}, "not in the problem"),
    ],
)
def test_evaluator_rejects_what_breaks_a_load(
    change: dict[str, list[float]], found: str
) -> None:
    """Every load rule is checked: a plan breaking one is not feasible."""
    case = problem(
        [0.2] * 5,
        battery=NO_BATTERY,
        loads=[
            dishwasher(one_block=True, latest=at(3)),
            ModulatingLoad(
                id="ev",
                min_kw=1.0,
                max_kw=3.0,
                energy_kwh=2.0,
                earliest=at(0),
                latest=at(5),
            ),
            OptionalLoad(
                id="boost",
                power_kw=2.0,
                max_energy_kwh=4.0,
                value_per_kwh=0.1,
                min_run_minutes=120,
            ),
        ],
    )
    valid = {
        "dishwasher": [2.0, 2.0, 0.0, 0.0, 0.0],
        "ev": [0.0, 0.0, 0.0, 2.0, 0.0],
        "boost": [0.0, 0.0, 0.0, 2.0, 2.0],
    }
    assert evaluate(case, [0.0] * 5, valid).violations == ()
    broken = evaluate(case, [0.0] * 5, valid | change)
    assert any(found in text for text in broken.violations), broken.violations


def test_evaluator_adds_loads_to_the_demand_and_subtracts_optional_value() -> None:
    """2 kW for an hour at 0.3, optional 2 kWh worth 0.5: 0.6 - 1.0."""
    case = problem(
        [0.3],
        battery=NO_BATTERY,
        loads=[
            OptionalLoad(
                id="boost", power_kw=2.0, max_energy_kwh=2.0, value_per_kwh=0.5
            )
        ],
    )
    judged_plan = evaluate(case, [0.0], {"boost": [2.0]})
    assert judged_plan.import_cost == pytest.approx(0.6)
    assert judged_plan.cost == pytest.approx(-0.4)
    assert evaluate(case, [0.0]).cost == 0.0


@pytest.mark.parametrize("method", ["milp", "dp"])
def test_energy_that_cannot_fit_is_reported_and_the_rest_planned(method: Any) -> None:
    """Three hours of dishwasher in a two-hour window: it gets two, and it is said.

    The battery still buys low and sells high.
    """
    case = problem(
        [0.1, 0.1, 0.5, 0.5],
        export_price=[0.05, 0.05, 0.4, 0.4],
        battery=battery(soc_percent=10.0),
        loads=[dishwasher(energy_kwh=6.0, latest=at(2))],
    )
    result = plan(case, method)
    assert result.method == method
    assert result.load_issues == (
        "dishwasher needs 6.00 kWh between 00:00 and 02:00 but only 4.00 kWh fits",
    )
    assert "dishwasher needs 6.00 kWh" in result.reason
    assert loads_kw(result)["dishwasher"] == [2.0, 2.0, 0.0, 0.0]
    assert result.expected_saving > 0.5
    assert judged(case, result).violations == (
        "dishwasher: 4.0000 kWh delivered, 6.0000 required",
    )


def test_dp_plans_around_a_fixed_schedule_and_says_so() -> None:
    """The MILP without time falls back to DP around the cheap schedule."""
    case = problem([0.1, 0.3, 0.4, 0.2], loads=[dishwasher(one_block=True)])
    result = plan(case, "milp", time_limit=1e-9)
    assert result.method == "dp"
    assert "around a fixed load schedule" in result.reason
    assert loads_kw(result)["dishwasher"] == [2.0, 2.0, 0.0, 0.0]
    assert judged(case, result).violations == ()


def test_loads_respect_the_fuse() -> None:
    """A 3 kW fuse and 2 kW of house load: the battery makes room for the dishwasher."""
    case = problem(
        [0.1, 0.3, 0.4, 0.2],
        load_kw=[2.0] * 4,
        battery=battery(soc_percent=30.0, max_discharge_kw=1.0, cycle_cost_per_kwh=0.0),
        grid=Grid(max_import_kw=3.0),
        loads=[dishwasher(energy_kwh=2.0)],
    )
    result = plan(case)
    assert max(slot.grid_kw for slot in result.slots) <= 3.0 + 1e-6
    assert result.load_issues == ()
    running = loads_kw(result)["dishwasher"].index(2.0)
    assert result.slots[running].battery_kw == pytest.approx(-1.0)
    assert judged(case, result).violations == ()


@pytest.mark.parametrize(
    ("load", "message"),
    [
        (dishwasher(latest=at(0)), "earliest must come before latest"),
        (dishwasher(power_kw=0.0), "power_kw must be positive"),
        (dishwasher(energy_kwh=0.5, min_run_minutes=60), "less than one run"),
        (dishwasher(earliest=datetime(2026, 3, 10)), "UTC offset"),  # noqa: DTZ001
        (
            ModulatingLoad(
                id="ev",
                min_kw=4.0,
                max_kw=3.0,
                energy_kwh=1.0,
                earliest=at(0),
                latest=at(1),
            ),
            "min_kw <= max_kw",
        ),
        (
            OptionalLoad(id="b", power_kw=1.0, max_energy_kwh=-1.0, value_per_kwh=0.1),
            "must not be negative",
        ),
    ],
)
def test_invalid_loads_are_refused(load: Any, message: str) -> None:
    """Each invalid load is a ProblemError naming it."""
    with pytest.raises(ProblemError, match=message):
        problem([0.2], loads=[load])


def test_a_load_id_appears_once() -> None:
    """Two loads with one id are refused."""
    with pytest.raises(ProblemError, match="appears more than once"):
        problem([0.2], loads=[dishwasher(), dishwasher()])


def _format_loads() -> list[dict[str, Any]]:
    """FORMAT.md's loads section, on this problem's day."""
    return [
        {
            "id": "dishwasher",
            "kind": "deferrable",
            "power_kw": 2.0,
            "energy_kwh": 1.5,
            "earliest": "2026-03-10T08:00:00+00:00",
            "latest": "2026-03-10T18:00:00+00:00",
            "min_run_minutes": 45,
            "one_block": True,
        },
        {
            "id": "ev",
            "kind": "modulating",
            "min_kw": 1.4,
            "max_kw": 11.0,
            "energy_kwh": 18.0,
            "earliest": "2026-03-10T18:00:00+00:00",
            "latest": "2026-03-11T07:00:00+00:00",
        },
        {
            "id": "heat_pump_boost",
            "kind": "optional",
            "power_kw": 3.0,
            "max_energy_kwh": 6.0,
            "value_per_kwh": 0.12,
            "min_run_minutes": 30,
        },
    ]


def _day_problem() -> dict[str, Any]:
    size = 24 * 4
    data = problem_to_json(
        problem(
            [0.3 - 0.2 * (20 <= i % 96 < 60) for i in range(size)],
            export_price=[0.05] * size,
            slot_minutes=15,
            load_kw=[0.4] * size,
        )
    )
    data["loads"] = _format_loads()
    return data


def test_codec_round_trip() -> None:
    """FORMAT.md's loads section reads, writes back the same and plans."""
    data = _day_problem()
    case = problem_from_json(data)
    assert [load.kind for load in case.loads] == [
        "deferrable",
        "modulating",
        "optional",
    ]
    assert problem_from_json(json.loads(json.dumps(problem_to_json(case)))) == case
    written = plan_to_json(plan(case))
    assert set(written["slots"][0]["loads_kw"]) == {
        "dishwasher",
        "ev",
        "heat_pump_boost",
    }
    assert "load_issues" in written


@pytest.mark.parametrize(
    ("load", "message"),
    [
        (
            {"id": "x", "kind": "sauna", "power_kw": 1.0},
            r"loads\[0\] \(x\): unknown kind 'sauna'",
        ),
        (
            {"id": "x", "kind": "deferrable", "power_kw": 1.0},
            "missing field 'energy_kwh'",
        ),
        (
            {
                "id": "x",
                "kind": "optional",
                "power_kw": "1",
                "max_energy_kwh": 1.0,
                "value_per_kwh": 0.1,
            },
            "field 'power_kw'",
        ),
        ({"kind": "optional"}, "missing field 'id'"),
    ],
)
def test_codec_refuses_bad_loads(load: dict[str, Any], message: str) -> None:
    """A bad load names its place, id and what is wrong."""
    data = _day_problem()
    data["loads"] = [load]
    with pytest.raises(ProblemError, match=message):
        problem_from_json(data)


def test_cli_plans_a_problem_with_loads(tmp_path: Path) -> None:
    """The command line prints loads_kw per slot and the load that does not fit.

    grid_kw has the loads in it.
    """
    data = _day_problem()
    data["loads"][1]["energy_kwh"] = 200.0  # more than 6 h at 11 kW can give
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "custom_components.ems.planner", str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    written = json.loads(completed.stdout)
    assert written["method"] == "milp"
    assert written["load_issues"] == [
        "ev needs 200.00 kWh between 18:00 and 00:00 but only 66.00 kWh fits"
    ]
    dishwasher_kw = [slot["loads_kw"]["dishwasher"] for slot in written["slots"]]
    assert sum(dishwasher_kw) * 0.25 == pytest.approx(1.5)
    for slot in written["slots"]:
        flows = slot["load_kw"] - slot["pv_kw"] + slot["battery_kw"]
        flows += sum(slot["loads_kw"].values()) + slot["curtailed_kw"]
        assert slot["grid_kw"] == pytest.approx(flows, abs=1e-3)


@st.composite
def load_problems(draw: st.DrawFn) -> Problem:
    """Small random problems with one load of each kind, energies that fit."""
    count = draw(st.integers(min_value=3, max_value=8))
    prices = st.floats(min_value=-0.05, max_value=0.5)
    imports = draw(st.lists(prices, min_size=count, max_size=count))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    first = draw(st.integers(min_value=0, max_value=count - 2))
    last = draw(st.integers(min_value=first + 2, max_value=count))
    power = draw(st.floats(min_value=0.5, max_value=3.0))
    slots = draw(st.integers(min_value=1, max_value=last - first))
    max_kw = draw(st.floats(min_value=1.0, max_value=6.0))
    min_kw = draw(st.floats(min_value=0.0, max_value=max_kw))
    return Problem(
        start=start,
        slot_minutes=60,
        import_price=imports,
        export_price=[price - 0.05 for price in imports],
        pv_kw=draw(
            st.lists(
                st.floats(min_value=0.0, max_value=4.0), min_size=count, max_size=count
            )
        ),
        load_kw=draw(
            st.lists(
                st.floats(min_value=0.0, max_value=2.0), min_size=count, max_size=count
            )
        ),
        battery=battery(soc_percent=draw(st.floats(min_value=10.0, max_value=100.0))),
        terminal_value_per_kwh=draw(st.floats(min_value=0.0, max_value=0.2)),
        loads=[
            DeferrableLoad(
                id="dishwasher",
                power_kw=power,
                energy_kwh=power * slots,
                earliest=start + timedelta(hours=first),
                latest=start + timedelta(hours=last),
                one_block=draw(st.booleans()),
            ),
            ModulatingLoad(
                id="ev",
                min_kw=min_kw,
                max_kw=max_kw,
                energy_kwh=draw(st.floats(min_value=min_kw, max_value=max_kw)),
                earliest=start,
                latest=start + timedelta(hours=count),
            ),
            OptionalLoad(
                id="boost",
                power_kw=draw(st.floats(min_value=0.5, max_value=3.0)),
                max_energy_kwh=draw(st.floats(min_value=0.0, max_value=6.0)),
                value_per_kwh=draw(st.floats(min_value=0.0, max_value=0.4)),
                min_run_minutes=draw(st.sampled_from([0, 60, 120])),
            ),
        ],
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(load_problems())
def test_milp_with_loads_is_never_beaten_by_dp_around_a_fixed_schedule(
    case: Problem,
) -> None:
    """Both plans are feasible, priced as the evaluator prices them; MILP's never dearer."""
    exact = plan(case, "milp")
    fixed = plan(case, "dp")
    assert exact.method == "milp"
    for result in (exact, fixed):
        judged_plan = judged(case, result)
        assert judged_plan.violations == ()
        assert result.load_issues == ()
        assert judged_plan.cost == pytest.approx(result.objective, abs=1e-5)
    assert exact.objective <= fixed.objective + 1e-6
