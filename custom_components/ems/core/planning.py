"""From the entry's options, the readings and the aligned inputs to a planning Problem (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from custom_components.ems.const import (
    CONF_CAPACITY_KWH,
    CONF_CHARGE_EFFICIENCY,
    CONF_CYCLE_COST,
    CONF_DISCHARGE_EFFICIENCY,
    CONF_EXPORT_FACTOR,
    CONF_EXPORT_FEE,
    CONF_FEES,
    CONF_HORIZON_HOURS,
    CONF_MARKUP,
    CONF_MAX_CHARGE_KW,
    CONF_MAX_DISCHARGE_KW,
    CONF_MAX_EXPORT_KW,
    CONF_MAX_IMPORT_KW,
    CONF_MAX_SOC,
    CONF_MIN_SOC,
    CONF_PLANNER_METHOD,
    CONF_PRICES_ARE_SPOT,
    CONF_SLOT_MINUTES,
    CONF_VAT_PERCENT,
    option,
)
from custom_components.ems.planner import Battery, Grid, Problem, ReserveWindow
from custom_components.ems.planner.prices import RetailTariff

from .inputs import AlignedInputs


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanningConfig:
    """How one entry plans: slot length, horizon, method and the retail tariff."""

    slot_minutes: int
    horizon_hours: int
    method: Literal["milp", "dp"]
    prices_are_spot: bool
    tariff: RetailTariff

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> PlanningConfig:
        """Read the planning options, with defaults for entries made before them."""

        return cls(
            slot_minutes=int(option(options, CONF_SLOT_MINUTES)),
            horizon_hours=int(option(options, CONF_HORIZON_HOURS)),
            method="dp" if option(options, CONF_PLANNER_METHOD) == "dp" else "milp",
            prices_are_spot=bool(option(options, CONF_PRICES_ARE_SPOT)),
            tariff=RetailTariff(
                markup_per_kwh=float(option(options, CONF_MARKUP)),
                vat_percent=float(option(options, CONF_VAT_PERCENT)),
                fees_per_kwh=float(option(options, CONF_FEES)),
                export_factor=float(option(options, CONF_EXPORT_FACTOR)),
                export_fee_per_kwh=float(option(options, CONF_EXPORT_FEE)),
            ),
        )


def terminal_value(aligned: AlignedInputs, discharge_efficiency: float) -> float:
    """Value a stored kWh at the horizon's end at the cheapest import it would replace.

    A kWh left in the battery saves buying one later; valuing it at the horizon's
    cheapest import price (after discharge losses) never rewards hoarding.
    """
    return max(min(aligned.import_price), 0.0) * discharge_efficiency


def build_problem(
    options: Mapping[str, Any],
    *,
    soc_percent: float,
    min_soc_percent: float,
    reserve_soc_percent: float,
    aligned: AlignedInputs,
) -> Problem:
    """Return the Problem for the current state; raises ProblemError if invalid."""
    floor = max(float(options[CONF_MIN_SOC]), min_soc_percent)
    battery = Battery(
        capacity_kwh=float(options[CONF_CAPACITY_KWH]),
        soc_percent=soc_percent,
        min_soc_percent=floor,
        max_soc_percent=float(options[CONF_MAX_SOC]),
        max_charge_kw=float(options[CONF_MAX_CHARGE_KW]),
        max_discharge_kw=float(options[CONF_MAX_DISCHARGE_KW]),
        charge_efficiency=float(options[CONF_CHARGE_EFFICIENCY]) / 100.0,
        discharge_efficiency=float(options[CONF_DISCHARGE_EFFICIENCY]) / 100.0,
        cycle_cost_per_kwh=float(options[CONF_CYCLE_COST]),
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
            max_import_kw=float(options[CONF_MAX_IMPORT_KW]),
            max_export_kw=float(options[CONF_MAX_EXPORT_KW]),
        ),
        terminal_value_per_kwh=terminal_value(aligned, battery.discharge_efficiency),
        reserve=reserve,
    )
