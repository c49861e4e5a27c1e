"""Problem builders for the planner tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from custom_components.ems.planner import Battery, Grid, Problem

START = datetime(2026, 3, 10, tzinfo=UTC)


def battery(**overrides: Any) -> Battery:
    """Return a 10 kWh / 5 kW battery at 10 % with 95 % one-way efficiencies."""
    values: dict[str, Any] = {
        "capacity_kwh": 10.0,
        "soc_percent": 10.0,
        "min_soc_percent": 10.0,
        "max_soc_percent": 100.0,
        "max_charge_kw": 5.0,
        "max_discharge_kw": 5.0,
        "charge_efficiency": 0.95,
        "discharge_efficiency": 0.95,
        "cycle_cost_per_kwh": 0.02,
    }
    values.update(overrides)
    return Battery(**values)


def problem(
    import_price: Sequence[float],
    *,
    export_price: Sequence[float] | None = None,
    pv_kw: Sequence[float] | None = None,
    load_kw: Sequence[float] | None = None,
    slot_minutes: int = 60,
    **overrides: Any,
) -> Problem:
    """Return a problem with zero PV and load unless given."""
    count = len(import_price)
    values: dict[str, Any] = {
        "start": START,
        "slot_minutes": slot_minutes,
        "import_price": import_price,
        "export_price": export_price if export_price is not None else [0.0] * count,
        "pv_kw": pv_kw if pv_kw is not None else [0.0] * count,
        "load_kw": load_kw if load_kw is not None else [0.0] * count,
        "battery": battery(),
        "grid": Grid(),
    }
    values.update(overrides)
    return Problem(**values)
