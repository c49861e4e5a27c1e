"""Property tests: MILP and DP agree, and no plan breaks a limit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, example, given, settings, strategies as st

from custom_components.ems.planner import Battery, Grid, Plan, Problem, evaluate, plan

prices = st.floats(min_value=-0.1, max_value=0.6, allow_nan=False)
powers = st.floats(min_value=0.0, max_value=6.0, allow_nan=False)


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """Random small problems within realistic ranges."""
    count = draw(st.integers(min_value=1, max_value=24))
    slot_minutes = draw(st.sampled_from([15, 30, 60]))
    imports = draw(st.lists(prices, min_size=count, max_size=count))
    spread = draw(st.floats(min_value=0.0, max_value=0.2))
    exports = [price - spread for price in imports]
    minimum = draw(st.floats(min_value=0.0, max_value=50.0))
    maximum = draw(st.floats(min_value=minimum, max_value=100.0))
    battery = Battery(
        capacity_kwh=draw(st.floats(min_value=1.0, max_value=30.0)),
        soc_percent=draw(st.floats(min_value=minimum, max_value=maximum)),
        min_soc_percent=minimum,
        max_soc_percent=maximum,
        max_charge_kw=draw(st.floats(min_value=0.5, max_value=10.0)),
        max_discharge_kw=draw(st.floats(min_value=0.5, max_value=10.0)),
        charge_efficiency=draw(st.floats(min_value=0.8, max_value=1.0)),
        discharge_efficiency=draw(st.floats(min_value=0.8, max_value=1.0)),
        cycle_cost_per_kwh=draw(st.floats(min_value=0.0, max_value=0.05)),
    )
    fuse = draw(st.none() | st.floats(min_value=1.0, max_value=15.0))
    export_limit = draw(st.none() | st.floats(min_value=0.0, max_value=10.0))
    return Problem(
        start=datetime(2026, 1, 1, tzinfo=UTC),
        slot_minutes=slot_minutes,
        import_price=imports,
        export_price=exports,
        pv_kw=draw(st.lists(powers, min_size=count, max_size=count)),
        load_kw=draw(st.lists(powers, min_size=count, max_size=count)),
        battery=battery,
        grid=Grid(max_import_kw=fuse, max_export_kw=export_limit),
        terminal_value_per_kwh=draw(st.floats(min_value=0.0, max_value=0.3)),
        zero_export=draw(st.booleans()),
    )


def _judged(problem: Problem, result: Plan) -> Any:
    return evaluate(problem, [slot.battery_kw for slot in result.slots])


def _grid_tolerance(problem: Problem) -> float:
    """Return what DP may lose to MILP: a grid step per slot at the widest price."""
    step_kwh = problem.battery.capacity_kwh * 0.25 / 100.0
    widest = max(map(abs, [*problem.import_price, *problem.export_price]))
    widest = (
        max(widest, problem.terminal_value_per_kwh) + problem.battery.cycle_cost_per_kwh
    )
    return 2.0 * step_kwh * widest * (problem.horizon + 1) + 1e-6


# Full charging from PV while the fuse binds: DP's exact full-power move once broke the
# import limit, and the whole path fell back to the coarser grid (0.45 EUR short).
_FUSE_BINDS_FULL_CHARGE = Problem(
    start=datetime(2026, 1, 1, tzinfo=UTC),
    slot_minutes=15,
    import_price=(0.0,) * 15,
    export_price=(0.0,) * 15,
    pv_kw=(0.0,) * 12 + (3.875, 4.0, 4.0),
    load_kw=(0.0,) * 12 + (2.375, 0.0, 0.0),
    battery=Battery(
        capacity_kwh=22.0,
        soc_percent=0.0,
        min_soc_percent=0.0,
        max_soc_percent=36.0,
        max_charge_kw=3.5,
        max_discharge_kw=1.0,
        charge_efficiency=1.0,
        discharge_efficiency=1.0,
        cycle_cost_per_kwh=0.0,
    ),
    grid=Grid(max_import_kw=1.875, max_export_kw=None),
    terminal_value_per_kwh=0.25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
@example(_FUSE_BINDS_FULL_CHARGE)
def test_milp_and_dp_agree_and_keep_every_limit(problem: Problem) -> None:
    """Both plans are feasible; MILP is never beaten; DP is within the grid tolerance."""
    exact = plan(problem, "milp")
    approximate = plan(problem, "dp")
    assert exact.method == "milp"
    assert approximate.method == "dp"
    exact_judged = _judged(problem, exact)
    approximate_judged = _judged(problem, approximate)
    assert exact_judged.violations == ()
    assert approximate_judged.violations == ()
    # The planner's own accounting matches the independent evaluator.
    assert abs(exact.objective - exact_judged.cost) < 1e-4
    assert abs(approximate.objective - approximate_judged.cost) < 1e-4
    assert exact_judged.cost <= approximate_judged.cost + 1e-4
    assert approximate_judged.cost - exact_judged.cost <= _grid_tolerance(problem)
    # Neither is worse than leaving the battery idle or plain self-use.
    assert exact.objective <= exact.cost_idle + 1e-6
    assert exact.objective <= exact.cost_self_use + 1e-6


# A battery pinned at 0 % once made CBC's bound propagation claim infeasibility.
_PINNED_EMPTY = Problem(
    start=datetime(2026, 1, 1, tzinfo=UTC),
    slot_minutes=15,
    import_price=(0.0, 0.0, 0.0),
    export_price=(0.0, 0.0, 0.0),
    pv_kw=(0.0, 0.0, 0.0),
    load_kw=(0.0, 0.0, 1.0),
    battery=Battery(
        capacity_kwh=1.0,
        soc_percent=0.0,
        min_soc_percent=0.0,
        max_soc_percent=0.0,
        max_charge_kw=1.0,
        max_discharge_kw=1.0,
        charge_efficiency=1.0,
        discharge_efficiency=0.96875,
        cycle_cost_per_kwh=0.0,
    ),
    grid=Grid(max_import_kw=1.0, max_export_kw=None),
    terminal_value_per_kwh=0.0,
)


@settings(max_examples=8, deadline=None)
@given(problems())
@example(_PINNED_EMPTY)
def test_cbc_and_highs_find_the_same_optimum(problem: Problem) -> None:
    """The CBC fallback (full MILP, a binary per slot) agrees with HiGHS."""
    highs = plan(problem, "milp", milp_solver="highs")
    cbc = plan(problem, "milp", milp_solver="cbc")
    assert cbc.method == "milp"
    assert "cbc" in cbc.reason
    assert abs(highs.objective - cbc.objective) < 1e-4 * max(1.0, abs(highs.objective))
