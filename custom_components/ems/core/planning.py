"""From the configuration, the readings and the aligned inputs to a planning Problem (pure)."""

from __future__ import annotations

from custom_components.ems.planner import Battery, Grid, Problem, ReserveWindow

from .config import EmsConfig
from .inputs import AlignedInputs


def terminal_value(aligned: AlignedInputs, discharge_efficiency: float) -> float:
    """Value a stored kWh at the horizon's end at the cheapest import it would replace.

    A kWh left in the battery saves buying one later; valuing it at the horizon's
    cheapest import price (after discharge losses) never rewards hoarding.
    """
    return max(min(aligned.import_price), 0.0) * discharge_efficiency


def build_problem(
    config: EmsConfig,
    *,
    soc_percent: float,
    min_soc_percent: float,
    reserve_soc_percent: float,
    aligned: AlignedInputs,
) -> Problem:
    """Return the Problem for the current state; raises ProblemError if invalid."""
    configured = config.battery
    battery = Battery(
        capacity_kwh=configured.capacity_kwh,
        soc_percent=soc_percent,
        min_soc_percent=max(configured.min_soc_percent, min_soc_percent),
        max_soc_percent=configured.max_soc_percent,
        max_charge_kw=configured.max_charge_kw,
        max_discharge_kw=configured.max_discharge_kw,
        charge_efficiency=configured.charge_efficiency,
        discharge_efficiency=configured.discharge_efficiency,
        cycle_cost_per_kwh=configured.cycle_cost_per_kwh,
    )
    reserve = None
    if reserve_soc_percent > battery.min_soc_percent:
        reserve = ReserveWindow(
            start=aligned.start,
            end=aligned.horizon_end,
            min_soc_percent=min(reserve_soc_percent, battery.max_soc_percent),
        )
    return Problem(
        start=aligned.start,
        slot_minutes=aligned.slot_minutes,
        import_price=aligned.import_price,
        export_price=aligned.export_price,
        pv_kw=aligned.pv_kw,
        load_kw=aligned.load_kw,
        battery=battery,
        grid=Grid(
            max_import_kw=config.grid.max_import_kw,
            max_export_kw=config.grid.max_export_kw,
        ),
        terminal_value_per_kwh=terminal_value(aligned, battery.discharge_efficiency),
        reserve=reserve,
    )
