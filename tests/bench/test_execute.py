"""FORMAT.md's "How a slot's mode is carried out", as the replay's inverter does it."""

from __future__ import annotations

import pytest

from bench.execute import Command, Pack, execute

PACK = Pack(
    capacity_kwh=10.0,
    min_soc_percent=10.0,
    max_soc_percent=100.0,
    max_charge_kw=5.0,
    max_discharge_kw=5.0,
    charge_efficiency=0.95,
    discharge_efficiency=0.95,
    cycle_cost_per_kwh=0.0,
    max_import_kw=11.0,
    max_export_kw=None,
)


def _run(
    command: Command, *, stored: float = 5.0, pv: float, load: float
) -> tuple[float, float, float]:
    outcome = execute(
        PACK,
        command,
        stored_kwh=stored,
        pv_kw=pv,
        load_kw=load,
        import_price=0.30,
        export_price=0.05,
        hours=0.5,
    )
    return outcome.battery_kw, outcome.grid_kw, outcome.cost


def test_self_use_follows_the_actual_house() -> None:
    """Self use stores the actual surplus and covers the actual deficit."""
    assert _run(Command(mode="self_use"), pv=3.0, load=1.0)[:2] == (2.0, 0.0)
    assert _run(Command(mode="self_use"), pv=0.0, load=1.5)[:2] == (-1.5, 0.0)


def test_self_use_caps_limit_charge_and_discharge() -> None:
    """A charge cap exports the rest; no discharge imports the deficit."""
    battery, grid, _ = _run(
        Command(mode="self_use", max_charge_kw=0.5), pv=3.0, load=1.0
    )
    assert (battery, grid) == (0.5, -1.5)
    battery, grid, cost = _run(
        Command(mode="self_use", max_discharge_kw=0.0), pv=0.0, load=2.0
    )
    assert (battery, grid) == (0.0, 2.0)
    assert cost == pytest.approx(2.0 * 0.5 * 0.30)


def test_hold_exports_surplus_and_imports_deficit() -> None:
    """Hold: the battery stays idle whatever the house does."""
    assert _run(Command(mode="hold"), pv=3.0, load=1.0)[:2] == (0.0, -2.0)
    assert _run(Command(mode="hold"), pv=0.0, load=1.0)[:2] == (0.0, 1.0)


def test_force_modes_run_at_their_power_within_the_limits() -> None:
    """Forced power is clipped by the SoC: 0.5 kWh of room takes ~1.05 kW for half an hour."""
    battery, grid, _ = _run(
        Command(mode="force_charge", battery_kw=4.0), stored=9.5, pv=0.0, load=0.5
    )
    assert battery == pytest.approx(0.5 / (0.95 * 0.5))
    assert grid == pytest.approx(0.5 + battery)
    battery, _, _ = _run(
        Command(mode="force_discharge", battery_kw=-4.0), stored=1.5, pv=0.0, load=0.0
    )
    assert battery == pytest.approx(-0.5 * 0.95 / 0.5)


def test_zero_export_curtails_instead_of_exporting() -> None:
    """Zero export: the battery takes what it can, the rest of the PV is curtailed."""
    outcome = execute(
        PACK,
        Command(mode="zero_export"),
        stored_kwh=10.0,
        pv_kw=3.0,
        load_kw=1.0,
        import_price=0.30,
        export_price=-0.02,
        hours=0.5,
    )
    assert (outcome.battery_kw, outcome.grid_kw, outcome.curtailed_kw) == (
        0.0,
        0.0,
        2.0,
    )
