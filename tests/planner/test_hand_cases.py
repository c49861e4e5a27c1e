"""Small problems whose best schedule can be worked out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.ems.planner import (
    ChargeTaper,
    Grid,
    InverterMode,
    Method,
    ReserveWindow,
    SocTarget,
    evaluate,
    plan,
)

from .helpers import START, battery, problem

ETA = 0.95
METHODS: tuple[Method, ...] = ("milp", "dp")
# DP works on a grid of 0.25 % of capacity: one step of 0.025 kWh, in kW over an hour.
TOLERANCE_KW = {"milp": 1e-3, "dp": 0.03}


@pytest.mark.parametrize("method", METHODS)
def test_charge_in_the_cheap_slot_for_the_dear_one(method: Method) -> None:
    """Buy at 0.08 what the house needs at 0.31: exactly 3 kWh delivered, after losses."""
    case = problem([0.08, 0.31], export_price=[0.05, 0.05], load_kw=[0.5, 3.0])
    result = plan(case, method)

    charge = 3.0 / ETA / ETA  # AC kWh bought so that 3 kWh come out
    tolerance = TOLERANCE_KW[method]
    assert result.method == method
    assert result.status == "optimal"
    assert result.slots[0].battery_kw == pytest.approx(charge, abs=tolerance)
    assert result.slots[1].battery_kw == pytest.approx(-3.0, abs=tolerance)
    assert result.slots[1].grid_kw == pytest.approx(0.0, abs=tolerance)
    by_hand = 0.08 * (0.5 + charge) + 0.02 * 3.0
    assert result.objective == pytest.approx(by_hand, abs=0.08 * tolerance + 1e-9)
    assert result.cost_idle == pytest.approx(0.08 * 0.5 + 0.31 * 3.0)
    assert result.expected_saving == pytest.approx(result.cost_idle - result.objective)
    assert result.slots[0].mode is InverterMode.FORCE_CHARGE
    assert result.slots[1].mode is InverterMode.SELF_USE


def test_reason_gives_the_margin_after_losses_and_wear() -> None:
    """The charge slot explains itself with the later price and the margin."""
    case = problem([0.08, 0.31], export_price=[0.05, 0.05], load_kw=[0.5, 3.0])
    reason = plan(case).slots[0].reason
    margin = (0.31 - 0.02) * ETA * ETA - 0.08
    assert reason == (
        "charge from grid at 0.08: 0.31 expected at 01:00, "
        f"after losses and wear the margin is {margin:.2f}"
    )


@pytest.mark.parametrize("method", METHODS)
def test_no_trade_when_the_spread_does_not_pay_for_losses(method: Method) -> None:
    """0.20 -> 0.21 is less than the losses: the battery stays idle."""
    case = problem([0.20, 0.21], load_kw=[0.0, 2.0])
    result = plan(case, method)
    assert [slot.battery_kw for slot in result.slots] == pytest.approx([0, 0], abs=1e-6)
    assert result.objective == pytest.approx(result.cost_idle)


@pytest.mark.parametrize("method", METHODS)
def test_negative_export_price_stores_pv_and_curtails_the_rest(method: Method) -> None:
    """Surplus PV at a negative export price: charge at full power, curtail the rest."""
    case = problem(
        [0.30, 0.30],
        export_price=[-0.05, 0.02],
        pv_kw=[6.0, 0.0],
        load_kw=[1.0, 1.0],
        battery=battery(max_charge_kw=2.0, soc_percent=10.0),
        terminal_value_per_kwh=0.10,
        zero_export=True,
    )
    result = plan(case, method)
    first = result.slots[0]
    assert first.battery_kw == pytest.approx(2.0, abs=1e-3)
    assert first.grid_kw == pytest.approx(0.0, abs=1e-3)
    assert first.curtailed_kw == pytest.approx(3.0, abs=1e-3)
    assert first.mode is InverterMode.ZERO_EXPORT
    # The stored 1.9 kWh cover the second slot's load (1 kW) instead of importing.
    assert result.slots[1].battery_kw == pytest.approx(-1.0, abs=1e-3)
    assert result.slots[1].grid_kw == pytest.approx(0.0, abs=1e-3)
    evaluation = evaluate(case, [slot.battery_kw for slot in result.slots])
    assert not evaluation.violations


@pytest.mark.parametrize("method", METHODS)
def test_negative_import_price_is_earned_by_charging(method: Method) -> None:
    """Being paid to import: charge at full power, keep it to the end (worth 0.10)."""
    case = problem([-0.05], terminal_value_per_kwh=0.10)
    result = plan(case, method)
    assert result.slots[0].battery_kw == pytest.approx(5.0, abs=1e-3)
    assert result.objective == pytest.approx(
        -0.05 * 5.0 - 0.10 * (1.0 + 5.0 * ETA), abs=1e-6
    )


@pytest.mark.parametrize("method", METHODS)
def test_fuse_limits_grid_charging(method: Method) -> None:
    """A 3 kW fuse with a 2 kW load leaves 1 kW for charging in the cheap slot."""
    case = problem(
        [0.05, 0.40],
        load_kw=[2.0, 2.0],
        grid=Grid(max_import_kw=3.0),
    )
    result = plan(case, method)
    assert result.slots[0].battery_kw == pytest.approx(1.0, abs=1e-3)
    assert result.slots[0].grid_kw == pytest.approx(3.0, abs=1e-3)
    assert result.slots[1].battery_kw == pytest.approx(
        -ETA * ETA, abs=TOLERANCE_KW[method]
    )


@pytest.mark.parametrize("method", METHODS)
def test_export_limit_caps_selling(method: Method) -> None:
    """A full battery sells into a 2 kW export limit only, not its 5 kW."""
    case = problem(
        [0.30],
        export_price=[0.50],
        battery=battery(soc_percent=100.0),
        grid=Grid(max_export_kw=2.0),
    )
    result = plan(case, method)
    assert result.slots[0].battery_kw == pytest.approx(-2.0, abs=1e-3)
    assert result.slots[0].grid_kw == pytest.approx(-2.0, abs=1e-3)
    assert result.slots[0].mode is InverterMode.FORCE_DISCHARGE


@pytest.mark.parametrize(
    ("day", "slots"), [(datetime(2026, 10, 25), 100), (datetime(2026, 3, 29), 92)]
)
@pytest.mark.parametrize("method", METHODS)
def test_dst_day_is_planned_in_instants(
    day: datetime, slots: int, method: Method
) -> None:
    """A local day across a DST change has 100 or 92 quarter-hours, one plan slot each."""
    zone = ZoneInfo("Europe/Stockholm")
    start = day.replace(tzinfo=zone)
    end = (day + timedelta(days=1)).replace(tzinfo=zone)
    assert end.timestamp() - start.timestamp() == 15 * 60 * slots
    prices = [0.10 if index < slots // 2 else 0.40 for index in range(slots)]
    case = problem(prices, load_kw=[1.0] * slots, slot_minutes=15, start=start)
    result = plan(case, method)
    assert len(result.slots) == slots
    assert result.slots[0].start == start
    assert result.slots[-1].end == end
    assert all(
        b.start == a.end and (a.end.timestamp() - a.start.timestamp()) == 900
        for a, b in zip(result.slots, result.slots[1:], strict=False)
    )
    assert not evaluate(case, [slot.battery_kw for slot in result.slots]).violations
    assert result.expected_saving > 0.0


@pytest.mark.parametrize("method", METHODS)
def test_reserve_window_keeps_the_floor(method: Method) -> None:
    """A storm reserve of 60 % from 02:00 to 03:00 forbids using that energy there."""
    case = problem(
        [0.10, 0.10, 0.50, 0.50],
        load_kw=[0.0, 0.0, 3.0, 3.0],
        battery=battery(soc_percent=80.0),
        reserve=ReserveWindow(
            start=START + timedelta(hours=2),
            end=START + timedelta(hours=3),
            min_soc_percent=60.0,
        ),
    )
    result = plan(case, method)
    assert result.slots[2].soc_percent >= 60.0 - 1e-6
    assert result.slots[1].soc_percent >= 60.0 - 1e-6
    assert not evaluate(case, [slot.battery_kw for slot in result.slots]).violations


@pytest.mark.parametrize("method", METHODS)
def test_target_soc_by_a_time(method: Method) -> None:
    """80 % by 02:00 even though prices give no reason to charge."""
    case = problem(
        [0.30, 0.30, 0.30],
        target=SocTarget(soc_percent=80.0, by=START + timedelta(hours=2)),
    )
    result = plan(case, method)
    assert result.slots[1].soc_percent >= 80.0 - 1e-6
    assert result.slots[1].soc_percent <= 80.0 + 0.5
    assert not evaluate(case, [slot.battery_kw for slot in result.slots]).violations


@pytest.mark.parametrize("method", METHODS)
def test_charge_taper_slows_charging_near_full(method: Method) -> None:
    """Above 50 % charging falls linearly to 1 kW at 100 %, by the SoC at slot start."""
    case = problem(
        [0.01] * 4 + [0.90] * 8,
        load_kw=[0.0] * 4 + [5.0] * 8,
        slot_minutes=15,
        battery=battery(soc_percent=50.0),
        charge_taper=ChargeTaper(above_soc_percent=50.0, kw_at_max_soc=1.0),
    )
    result = plan(case, method)
    stored, expected = 5.0, []
    for _ in range(4):  # charging as fast as the taper allows, worked out step by step
        power = 5.0 - (5.0 - 1.0) * (stored - 5.0) / 5.0
        expected.append(power)
        stored += power * ETA * 0.25
    charged = [slot.battery_kw for slot in result.slots[:4]]
    assert charged == pytest.approx(expected, abs=TOLERANCE_KW[method] * 4)
    assert expected[3] < 3.0
    assert not evaluate(case, [slot.battery_kw for slot in result.slots]).violations


@pytest.mark.parametrize("method", ["milp", "dp"])
def test_a_hurdle_leaves_thin_arbitrage_alone_and_costs_stay_real(method: str) -> None:
    """Buying at 0.10 to save 0.105 an hour later is skipped with a 0.01 hurdle.

    The plan's costs are still the battery's own (no wear here): the hurdle only
    steers the solver.
    """
    thin = problem(
        [0.10, 0.105],
        export_price=[0.0, 0.0],
        load_kw=[0.0, 1.0],
        battery=battery(
            charge_efficiency=1.0, discharge_efficiency=1.0, cycle_cost_per_kwh=0.0
        ),
    )
    eager = plan(thin, method)
    careful = plan(thin, method, hurdle=0.01)
    assert eager.slots[0].battery_kw > 0.9
    assert careful.slots[0].battery_kw == pytest.approx(0.0, abs=1e-6)
    judged = evaluate(thin, [slot.battery_kw for slot in careful.slots])
    assert careful.objective == pytest.approx(judged.cost, abs=1e-6)
    assert careful.cost_self_use == eager.cost_self_use
