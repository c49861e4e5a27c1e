"""The planner's own choices when planning from a Situation, chosen on the replay."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from custom_components.ems.core.inputs.load_model import LoadModel
from custom_components.ems.core.inputs.pv_model import LEVEL_HALF_LIFE_HOURS


@dataclass(frozen=True, kw_only=True, slots=True)
class Policy:
    """The planner's own choices when planning from a Situation.

    The defaults were chosen on the closed-loop replay (docs/benchmarks.md).
    """

    load_model: LoadModel = field(default_factory=LoadModel)
    calibrate_pv: bool = True
    """Scale the PV forecast by its measured accuracy per time of day (pv_model)."""
    pv_level_half_life_hours: float = LEVEL_HALF_LIFE_HOURS
    """Scale the next hours by the last hour's measured / forecast PV; 0: do not."""
    scenario_days: int = 7
    """Recent days the first slot is also planned for (see .uncertainty); 0: none."""
    caps: bool = True
    """The inverter has self use's charge and discharge limits (see planner.explain)."""
    switch_cost: float = 0.01
    """Currency a mode change must save before it replaces the running command."""
    dwell: timedelta = timedelta(hours=1)
    """A mode, once begun, runs at least this long: no A-B-A flip within it."""
    margin: float = 0.01
    """Currency per kWh the battery gives back, added to its own cycle cost while the
    solvers plan (the plan's costs are the battery's own): a hurdle that leaves alone
    arbitrage thinner than what the forecasts' errors cost."""
