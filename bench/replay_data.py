"""The closed-loop replay's year: the FR household paired with SE4 day-ahead prices.

Everything sits on one 30-minute UTC grid. Household series keep their gaps (NaN) so
that what a planner is shown as history has the recorder's holes; what the inverter
meets (`load`, `pv`) has each gap filled with the same slot a day earlier. SE4 prices are real for
the same dates up to 2024-12-31; January and February 2025 (beyond the price file)
take the prices of 364 days earlier (the same weekdays of 2024).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
import math
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from .data import DATA

type Floats = npt.NDArray[np.float64]

SLOT = timedelta(minutes=30)
PARIS = ZoneInfo("Europe/Paris")
STOCKHOLM = ZoneInfo("Europe/Stockholm")
HOUSEHOLD = "emhass-household-fr"
LOAD = f"{HOUSEHOLD}/load_no_deferrable_2024-02-29_2025-02-27_30min_kW.csv"
PV = f"{HOUSEHOLD}/pv_2024-02-29_2025-02-27_30min_kW.csv"
PV_FORECAST = f"{HOUSEHOLD}/pv_forecast_2024-02-29_2025-02-27_30min_kW.csv"
SPOT = "energinet-elspot/price_SE4_2023-2024_hourly_EUR-MWh.csv"
PRICE_SHIFT = timedelta(days=364)
PUBLISHED_AT_HOUR = 13
"""Nord Pool publishes the next day's prices around 13:00 CET."""


def retail(spot: Floats) -> Floats:
    """Return the issue's retail price: (spot + 0.04) x 1.25 + 0.07 EUR/kWh."""
    result: Floats = (spot + 0.04) * 1.25 + 0.07
    return result


@dataclass(frozen=True, kw_only=True, slots=True)
class Year:
    """The replay's series on one grid; index i is the slot starting at start + i x 30 min."""

    start: datetime
    load_seen: Floats  # recorder view: NaN where missing
    pv_seen: Floats
    pv_forecast: Floats  # as logged, NaN where missing
    load: Floats  # what happened (gaps filled)
    pv: Floats
    spot: Floats  # EUR/kWh

    @property
    def size(self) -> int:
        """Return the number of slots."""
        return int(self.load.size)

    def moment(self, index: int) -> datetime:
        """Return the start of slot `index`, in UTC."""
        return self.start + index * SLOT

    def index(self, moment: datetime) -> int:
        """Return the slot holding `moment`."""
        return int((moment - self.start) // SLOT)

    def published_until(self, index: int) -> int:
        """Return the first slot whose price is not yet published at slot `index`."""
        local = self.moment(index).astimezone(STOCKHOLM)
        days = 2 if local.hour >= PUBLISHED_AT_HOUR else 1
        end = datetime.combine(
            local.date() + timedelta(days=days), datetime.min.time(), STOCKHOLM
        )
        return min(self.index(end), self.size)


def _read(path: str) -> dict[datetime, float]:
    values: dict[datetime, float] = {}
    with (DATA / path).open(encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            moment, _, value = line.strip().partition(",")
            values[datetime.fromisoformat(moment).astimezone(UTC)] = (
                float(value) if value else math.nan
            )
    return values


def _on_grid(values: dict[datetime, float], starts: list[datetime]) -> Floats:
    return np.array([values.get(moment, math.nan) for moment in starts])


def _filled(values: Floats, per_day: int = 48) -> Floats:
    """Fill each gap with the same slot a day earlier (the first day: the mean)."""
    result: Floats = values.copy()
    mean = float(np.nanmean(values))
    for index in np.flatnonzero(np.isnan(values)):
        result[index] = result[index - per_day] if index >= per_day else mean
    return result


@cache
def load_year() -> Year:
    """Read the household and price files onto the grid."""
    load = _read(LOAD)
    start = min(load)
    starts = [start + index * SLOT for index in range(len(load))]
    hourly = _read(SPOT)
    last_price = max(hourly)

    def spot_at(moment: datetime) -> float:
        hour = moment.replace(minute=0)
        if hour > last_price:
            hour -= PRICE_SHIFT
        return hourly[hour] / 1000.0

    load_seen = _on_grid(load, starts)
    pv_seen = np.maximum(_on_grid(_read(PV), starts), 0.0)
    return Year(
        start=start,
        load_seen=load_seen,
        pv_seen=pv_seen,
        pv_forecast=np.maximum(_on_grid(_read(PV_FORECAST), starts), 0.0),
        load=np.maximum(_filled(load_seen), 0.0),
        pv=_filled(pv_seen),
        spot=np.array([spot_at(moment) for moment in starts]),
    )
