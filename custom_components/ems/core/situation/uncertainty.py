"""How wrong the forecasts may be: the house's recent days as futures.

A load forecast is a mean; the house's evenings are a kettle here, a wash there, and a
plan that keeps the mean in the battery for them keeps too much for most evenings. So
the two-stage plan (planner.milp.solve_highs) also meets the recent days as they were:
scenario d replays the measured load from d days before each coming slot, and the PV
forecast scaled by how that day's PV compared with its forecast. Each day weighs as
much as the forecast itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

import numpy as np

from custom_components.ems.core.inputs.load_model import FloatArray, local_minutes
from custom_components.ems.planner import Scenario

DAY_MINUTES = 24 * 60


def _daily_pv_ratio(
    start: datetime,
    measured: FloatArray,
    forecast: FloatArray,
    minutes: int,
    zone: tzinfo,
) -> FloatArray:
    """Per past slot, measured / forecast PV energy of its local day (1 where unknown)."""
    if measured.size == 0:
        return np.ones(0)
    days = local_minutes(start, measured.size, minutes, zone) // DAY_MINUTES
    index = days - days.min()
    both = ~np.isnan(measured) & ~np.isnan(forecast)
    seen = np.bincount(index, np.where(both, measured, 0.0))
    expected = np.bincount(index, np.where(both, forecast, 0.0))
    usable = expected > 0.05 * max(float(expected.max()), 1e-9)
    ratio = np.where(usable, seen / np.maximum(expected, 1e-9), 1.0)
    result: FloatArray = np.clip(ratio, 0.0, 3.0)[index]
    return result


def recent_days(
    *,
    first: datetime,
    minutes: int,
    zone: tzinfo,
    days: int,
    load_kw: FloatArray,
    pv_kw: FloatArray,
    past_load: FloatArray,
    past_pv: FloatArray,
    past_pv_forecast: FloatArray,
) -> tuple[Scenario, ...]:
    """Up to `days` scenarios, one per recent day (see the module docstring).

    `past_*` are the slots before `first` (NaN where unknown); `load_kw` and `pv_kw`
    the forecasts from `first` on, which fill where the history has holes.
    """
    per_day = DAY_MINUTES // minutes
    past = past_load.size
    count = load_kw.size
    available = min(days, past // per_day)
    if available == 0:
        return ()
    ratio = _daily_pv_ratio(
        first - timedelta(minutes=minutes * past),
        past_pv,
        past_pv_forecast,
        minutes,
        zone,
    )
    forecast_load, forecast_pv = load_kw, pv_kw
    leads = np.arange(count)
    weight = 1.0 / (available + 1)
    result = []
    for back in range(1, available + 1):
        source = past - back * per_day + leads
        source -= per_day * np.maximum(
            np.ceil((source - past + 1) / per_day), 0
        ).astype(int)
        load: FloatArray = np.where(
            np.isnan(past_load[source]), forecast_load, past_load[source]
        )
        pv: FloatArray = forecast_pv * ratio[source]
        # The current slot is the forecast's in every future: its decision is one.
        load[0], pv[0] = forecast_load[0], forecast_pv[0]
        result.append(
            Scenario(
                weight=weight,
                pv_kw=tuple(float(kw) for kw in pv),
                load_kw=tuple(float(kw) for kw in load),
            )
        )
    return tuple(result)
