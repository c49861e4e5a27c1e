"""Strategies: what a plan minimises before its cost (its reasons: explain.py).

- `cost` (the default): the least cost (FORMAT.md's objective).
- `self_consumption`: the battery charges only from the PV surplus over the house's
  forecast load and discharges at most the house's deficit (no grid charging, no
  battery export); a floor the PV cannot fill (a storm reserve, a target) is still kept,
  with as little grid charging as it needs.
- `peak_shaving`: the lowest highest import of any slot in the horizon.
- `smoothing`: the least grid variation, the sum of |grid_t - grid_t-1| (the house's
  net exchange before curtailment).

The MILP minimises the strategy's measure first and then the cost at that measure
(lexicographic; smoothing through a dominating price per kW, `milp_strategy.py`); DP plans `self_consumption` with the same limits
as hard ones, and the other two only with the MILP (`NEEDS_MILP`).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt

type FloatArray = npt.NDArray[np.float64]


class Strategy(StrEnum):
    """What a plan minimises before its cost."""

    COST = "cost"
    SELF_CONSUMPTION = "self_consumption"
    PEAK_SHAVING = "peak_shaving"
    SMOOTHING = "smoothing"


NEEDS_MILP = frozenset({Strategy.PEAK_SHAVING, Strategy.SMOOTHING})
_NAMES = {
    Strategy.COST: "least cost",
    Strategy.SELF_CONSUMPTION: "self-consumption",
    Strategy.PEAK_SHAVING: "peak shaving",
    Strategy.SMOOTHING: "smoothing",
}


def strategy_name(strategy: Strategy) -> str:
    """Return the strategy as a person reads it."""
    return _NAMES[strategy]


def battery_caps(
    strategy: Strategy, pv_kw: FloatArray, load_kw: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Return the most the battery may charge and discharge per slot (inf: no cap).

    Self-consumption: charge from the PV surplus only, discharge the deficit only.
    """
    if strategy is not Strategy.SELF_CONSUMPTION:
        return np.full(pv_kw.size, np.inf), np.full(pv_kw.size, np.inf)
    surplus = pv_kw - load_kw
    return np.maximum(surplus, 0.0), np.maximum(-surplus, 0.0)
