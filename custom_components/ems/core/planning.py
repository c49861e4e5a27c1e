"""From the configuration, the readings and the aligned inputs to a Situation (pure).

`core.situation.plan_situation` plans from it, as the command line and the closed-loop
benchmark do from theirs.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, tzinfo

from custom_components.ems.planner import (
    Battery,
    Grid,
    InverterMode,
    Load,
    Plan,
    PlanSlot,
    ReserveWindow,
    Strategy,
)

from .config import EmsConfig
from .inputs import AlignedInputs, StormReserve
from .situation import (
    Command,
    DemandTariff,
    History,
    Prices,
    PvForecast,
    Situation,
    Temperatures,
)

# A slot charging to within this of the storm reserve is charging for it.
_RESERVE_BAND_PERCENT = 0.5


def build_situation(
    config: EmsConfig,
    *,
    now: datetime,
    soc_percent: float,
    min_soc_percent: float,
    reserve_soc_percent: float,
    aligned: AlignedInputs,
    pv_forecast: PvForecast,
    history: History,
    temperatures: Temperatures | None,
    time_zone: str,
    storm: StormReserve | None = None,
    previous: Command | None = None,
    mode_caps: bool = False,
    loads: tuple[Load, ...] = (),
    strategy: Strategy = Strategy.COST,
    demand_charge: DemandTariff | None = None,
) -> Situation:
    """Return what Home Assistant knows now; raises ProblemError if it is invalid.

    The user's reserve holds over the whole horizon. A `storm` reserve above it holds
    from the warning's onset to its end, so the plan charges for it ahead of the
    warning; the user's reserve then holds as the plan's minimum. `mode_caps`: the
    inverter carries out self use's charge and discharge caps (else hold and plain
    self use only). `loads` are planned with the battery (`core.loads.planning`).
    """
    configured = config.battery
    floor = max(configured.min_soc_percent, min_soc_percent)
    user = min(reserve_soc_percent, configured.max_soc_percent)
    stormy = _storm_window(storm, aligned, max(floor, user), configured.max_soc_percent)
    if stormy is not None:
        floor = max(floor, user)
    return Situation(
        now=now,
        slot_minutes=aligned.slot_minutes,
        battery=Battery(
            capacity_kwh=configured.capacity_kwh,
            soc_percent=soc_percent,
            min_soc_percent=floor,
            max_soc_percent=configured.max_soc_percent,
            max_charge_kw=configured.max_charge_kw,
            max_discharge_kw=configured.max_discharge_kw,
            charge_efficiency=configured.charge_efficiency,
            discharge_efficiency=configured.discharge_efficiency,
            cycle_cost_per_kwh=configured.cycle_cost_per_kwh,
        ),
        grid=Grid(
            max_import_kw=config.grid.max_import_kw,
            max_export_kw=config.grid.max_export_kw,
        ),
        prices=Prices(
            start=aligned.start,
            import_price=aligned.import_price,
            export_price=aligned.export_price,
        ),
        pv_forecast=pv_forecast,
        history=history,
        temperatures=temperatures,
        time_zone=time_zone,
        reserve_soc_percent=user if user > floor else None,
        reserve=stormy,
        previous=previous,
        mode_caps=mode_caps,
        loads=loads,
        strategy=strategy,
        demand_charge=demand_charge,
    )


def _storm_window(
    storm: StormReserve | None,
    aligned: AlignedInputs,
    below: float,
    max_soc_percent: float,
) -> ReserveWindow | None:
    """Return the storm's reserve window within the horizon, if it raises the floor."""
    if storm is None or storm.soc_percent <= below:
        return None
    start = max(storm.start, aligned.start)
    end = (
        aligned.horizon_end
        if storm.end is None
        else min(storm.end, aligned.horizon_end)
    )
    if start >= aligned.horizon_end or end <= start:
        return None
    return ReserveWindow(
        start=start, end=end, min_soc_percent=min(storm.soc_percent, max_soc_percent)
    )


def storm_reasons(plan: Plan, storm: StormReserve, zone: tzinfo) -> Plan:
    """Return the plan with the storm reserve named in the slots it shapes.

    Slots ending while the warning is in force keep the reserve; slots before it that
    charge from the grid towards the reserve charge for it.
    """
    label = f"storm reserve for {storm.name}"
    onset = f"{storm.start.astimezone(zone):%H:%M}"
    until = f" until {storm.end.astimezone(zone):%H:%M}" if storm.end else ""
    reserve = storm.soc_percent

    def reason(slot: PlanSlot) -> str:
        if slot.end > storm.start and (storm.end is None or slot.end <= storm.end):
            return f"{label}: keep at least {reserve:g} %{until}; {slot.reason}"
        if (
            slot.end <= storm.start
            and slot.mode is InverterMode.FORCE_CHARGE
            and slot.soc_percent <= reserve + _RESERVE_BAND_PERCENT
        ):
            return f"{label}: charge to {reserve:g} % by {onset}; {slot.reason}"
        return slot.reason

    return replace(
        plan, slots=tuple(replace(slot, reason=reason(slot)) for slot in plan.slots)
    )
