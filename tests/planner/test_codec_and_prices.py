"""JSON shapes of FORMAT.md and the retail price formula."""

from __future__ import annotations

from datetime import timedelta

import pytest

from custom_components.ems.planner import (
    ChargeTaper,
    Grid,
    InverterMode,
    ReserveWindow,
    SocTarget,
    plan,
    plan_to_json,
    problem_from_json,
    problem_to_json,
)
from custom_components.ems.planner.prices import PriceScale, RetailTariff, to_per_kwh

from .helpers import START, problem


def test_problem_round_trips_through_json_with_every_option() -> None:
    """problem_from_json(problem_to_json(p)) == p, options included."""
    original = problem(
        [0.1, 0.2, 0.3],
        export_price=[0.0, 0.05, -0.01],
        pv_kw=[0.0, 2.0, 3.0],
        load_kw=[1.0, 0.5, 0.5],
        grid=Grid(max_import_kw=11.0, max_export_kw=None),
        terminal_value_per_kwh=0.1,
        reserve=ReserveWindow(
            start=START, end=START + timedelta(hours=2), min_soc_percent=30.0
        ),
        target=SocTarget(soc_percent=50.0, by=START + timedelta(hours=2)),
        charge_taper=ChargeTaper(above_soc_percent=80.0, kw_at_max_soc=1.0),
        zero_export=True,
    )
    assert problem_from_json(problem_to_json(original)) == original


def test_missing_optional_battery_fields_take_format_defaults() -> None:
    """FORMAT.md: missing efficiencies mean 1.0, missing cycle cost 0, no grid limits."""
    data = problem_to_json(problem([0.1]))
    for key in ("charge_efficiency", "discharge_efficiency", "cycle_cost_per_kwh"):
        del data["battery"][key]
    del data["grid"]
    parsed = problem_from_json(data)
    assert parsed.battery.charge_efficiency == 1.0
    assert parsed.battery.discharge_efficiency == 1.0
    assert parsed.battery.cycle_cost_per_kwh == 0.0
    assert parsed.grid == Grid()


def test_plan_json_has_the_format_fields_per_slot() -> None:
    """One entry per slot with FORMAT.md's fields, plus totals, reasons and inputs."""
    case = problem([0.08, 0.31], export_price=[0.05, 0.05], load_kw=[0.5, 3.0])
    data = plan_to_json(plan(case))
    assert data["method"] == "milp"
    assert data["status"] == "optimal"
    assert {"objective", "solve_seconds", "cost_idle", "cost_self_use"} <= set(data)
    assert [slot["start"] for slot in data["slots"]] == [
        "2026-03-10T00:00:00+00:00",
        "2026-03-10T01:00:00+00:00",
    ]
    first = data["slots"][0]
    assert first["mode"] == InverterMode.FORCE_CHARGE.value
    assert first["import_price"] == 0.08
    assert first["load_kw"] == 0.5
    assert first["grid_kw"] == pytest.approx(
        first["load_kw"] + first["battery_kw"], abs=1e-4
    )


def test_retail_formula_buy_and_sell() -> None:
    """Buy = (spot + markup) x (1 + VAT) + fees; sell = spot x factor - export fee."""
    tariff = RetailTariff(
        markup_per_kwh=0.02,
        vat_percent=25.0,
        fees_per_kwh=0.30,
        export_factor=0.9,
        export_fee_per_kwh=0.01,
    )
    assert tariff.buy(0.10) == pytest.approx((0.10 + 0.02) * 1.25 + 0.30)
    assert tariff.sell(0.10) == pytest.approx(0.10 * 0.9 - 0.01)
    assert tariff.buy(-0.05) == pytest.approx((-0.05 + 0.02) * 1.25 + 0.30)
    assert tariff.sell_series([0.10, -0.05]) == pytest.approx([0.08, -0.055])
    assert tariff.buy_series([0.0]) == pytest.approx([0.325])


@pytest.mark.parametrize(
    ("price", "scale", "per_kwh"),
    [
        (85.0, PriceScale.PER_MWH, 0.085),
        (8.5, PriceScale.CENTS_PER_KWH, 0.085),
        (0.085, PriceScale.PER_KWH, 0.085),
        (-12.0, PriceScale.PER_MWH, -0.012),
    ],
)
def test_price_units_convert_to_per_kwh(
    price: float, scale: PriceScale, per_kwh: float
) -> None:
    """Prices per MWh and in cents become currency per kWh."""
    assert to_per_kwh(price, scale) == pytest.approx(per_kwh)
