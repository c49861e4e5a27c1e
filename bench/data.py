"""Planning problems built from the real series in ../shared/data (read by path)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
import math
from pathlib import Path
from statistics import median
from typing import Any

from custom_components.ems.planner.prices import PriceScale, RetailTariff, to_per_kwh

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@dataclass(frozen=True, kw_only=True, slots=True)
class Market:
    """A price file, its unit and a retail tariff in its currency."""

    name: str
    path: str
    scale: PriceScale
    tariff: RetailTariff
    currency_per_eur: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Household:
    """PV and load files (kW or kWh/h averages)."""

    name: str
    pv: str
    load: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Case:
    """A market day paired with a household day (a synthetic combination)."""

    name: str
    market: Market
    market_start: str
    household: Household
    household_start: str
    max_hours: int


def _eur_tariff(factor: float, vat: float) -> RetailTariff:
    return RetailTariff(
        markup_per_kwh=0.015 * factor,
        vat_percent=vat,
        fees_per_kwh=0.10 * factor,
        export_factor=1.0,
        export_fee_per_kwh=0.005 * factor,
    )


DE = Market(
    name="DE-LU",
    path="green-dcc-prices/price_DE-LU_2022-2024_hourly_EUR-MWh.csv",
    scale=PriceScale.PER_MWH,
    tariff=_eur_tariff(1.0, 19.0),
    currency_per_eur=1.0,
)
DK1 = Market(
    name="DK1",
    path="energinet-elspot/price_DK1_2021-01_2024-03_hourly_EUR-MWh.csv",
    scale=PriceScale.PER_MWH,
    tariff=_eur_tariff(1.0, 25.0),
    currency_per_eur=1.0,
)
SE3 = Market(
    name="SE3",
    path="energinet-elspot/price_SE3_2023-2024_hourly_EUR-MWh.csv",
    scale=PriceScale.PER_MWH,
    tariff=_eur_tariff(1.0, 25.0),
    currency_per_eur=1.0,
)
NSW = Market(
    name="AU-NSW1",
    path="green-dcc-prices/price_AU-NSW1_2022-2024_hourly_AUD-MWh.csv",
    scale=PriceScale.PER_MWH,
    tariff=RetailTariff(
        markup_per_kwh=0.03,
        vat_percent=10.0,
        fees_per_kwh=0.12,
        export_factor=0.8,
        export_fee_per_kwh=0.0,
    ),
    currency_per_eur=1.6,
)
SE3_15 = Market(
    name="SE3 15min",
    path="ha-core-nordpool/price_SE3_2025-10-01_15min_SEK-MWh.csv",
    scale=PriceScale.PER_MWH,
    tariff=_eur_tariff(11.0, 25.0),
    currency_per_eur=11.0,
)
SE3_BESS = Market(
    name="SE3 15min",
    path="bess-manager/price_SE3_2026-08-07_to_2026-08-08_15min_SEK-kWh.csv",
    scale=PriceScale.PER_KWH,
    tariff=_eur_tariff(11.0, 25.0),
    currency_per_eur=11.0,
)

FR = Household(
    name="FR",
    pv="emhass-household-fr/pv_2024-02-29_2025-02-27_30min_kW.csv",
    load="emhass-household-fr/load_no_deferrable_2024-02-29_2025-02-27_30min_kW.csv",
)
KN = Household(
    name="DE-KN",
    pv="opsd-household-de-kn-residential4/pv_2015-10-11_2017-02-09_hourly_kWh.csv",
    load="opsd-household-de-kn-residential4/load_2015-10-11_2017-02-09_hourly_kWh.csv",
)
AUS = Household(
    name="AU",
    pv="ausgrid-solarhome-customer12/pv_2011-07-01_2012-06-30_30min_kW.csv",
    load="ausgrid-solarhome-customer12/load_2011-07-01_2012-06-30_30min_kW.csv",
)

CASES = (
    Case(
        name="DE-LU autumn / FR",
        market=DE,
        market_start="2024-10-25T00:00:00+02:00",
        household=FR,
        household_start="2024-10-25T00:00:00+02:00",
        max_hours=168,
    ),
    Case(
        name="DK1 2022 crisis / DE-KN winter",
        market=DK1,
        market_start="2022-01-12T00:00:00+01:00",
        household=KN,
        household_start="2016-01-12T00:00:00+01:00",
        max_hours=168,
    ),
    Case(
        name="SE3 summer / AU summer",
        market=SE3,
        market_start="2023-07-10T00:00:00+02:00",
        household=AUS,
        household_start="2012-01-10T00:00:00+11:00",
        max_hours=168,
    ),
    Case(
        name="AU-NSW1 spring / AU spring",
        market=NSW,
        market_start="2023-10-02T00:00:00+11:00",
        household=AUS,
        household_start="2011-10-03T00:00:00+11:00",
        max_hours=168,
    ),
    Case(
        name="SE3 15-min (volatile) / FR",
        market=SE3_15,
        market_start="2025-10-01T00:00:00+02:00",
        household=FR,
        household_start="2024-10-01T00:00:00+02:00",
        max_hours=24,
    ),
    Case(
        name="SE3 15-min (summer) / FR",
        market=SE3_BESS,
        market_start="2026-08-07T00:00:00+02:00",
        household=FR,
        household_start="2024-08-07T00:00:00+02:00",
        max_hours=48,
    ),
)

BATTERIES = (  # capacity kWh, power kW
    (5.0, 2.5),
    (10.0, 5.0),
    (20.0, 10.0),
)


@cache
def _series(path: str) -> tuple[tuple[float, ...], tuple[float, ...], int]:
    """Return (epoch starts, values with NaN for missing, resolution seconds)."""
    starts: list[float] = []
    values: list[float] = []
    with (DATA / path).open(encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            moment, _, value = line.strip().partition(",")
            starts.append(datetime.fromisoformat(moment).timestamp())
            values.append(float(value) if value else math.nan)
    return tuple(starts), tuple(values), int(starts[1] - starts[0])


def sample(path: str, start: datetime, count: int, slot_seconds: int) -> list[float]:
    """Slot averages of a series from `start`; gaps take the last known value."""
    starts, values, resolution = _series(path)
    first = int(start.timestamp() - starts[0]) // resolution
    per_slot = max(1, slot_seconds // resolution)
    result: list[float] = []
    last = 0.0
    for slot in range(count):
        offset = slot * slot_seconds
        index = first + (offset // resolution)
        if index < 0 or index + per_slot > len(values):
            raise ValueError(f"{path} does not cover {start} + {count} slots")
        chunk = []
        for value in values[index : index + per_slot]:
            last = value if not math.isnan(value) else last
            chunk.append(last)
        result.append(sum(chunk) / len(chunk))
    return result


def build_problem(
    case: Case, slot_minutes: int, hours: int, battery: tuple[float, float]
) -> dict[str, Any]:
    """Return a FORMAT.md problem for a case, slot length, horizon and battery."""
    count = hours * 60 // slot_minutes
    seconds = slot_minutes * 60
    market_start = datetime.fromisoformat(case.market_start)
    household_start = datetime.fromisoformat(case.household_start)
    spot = [
        to_per_kwh(price, case.market.scale)
        for price in sample(case.market.path, market_start, count, seconds)
    ]
    buy = [round(price, 5) for price in case.market.tariff.buy_series(spot)]
    sell = [round(price, 5) for price in case.market.tariff.sell_series(spot)]
    pv = [
        round(max(v, 0.0), 4)
        for v in sample(case.household.pv, household_start, count, seconds)
    ]
    load = [
        round(max(v, 0.05), 4)
        for v in sample(case.household.load, household_start, count, seconds)
    ]
    capacity, power = battery
    factor = case.market.currency_per_eur
    return {
        "start": market_start.isoformat(),
        "slot_minutes": slot_minutes,
        "import_price": buy,
        "export_price": sell,
        "pv_kw": pv,
        "load_kw": load,
        "battery": {
            "capacity_kwh": capacity,
            "soc_percent": 30.0,
            "min_soc_percent": 10.0,
            "max_soc_percent": 100.0,
            "max_charge_kw": power,
            "max_discharge_kw": power,
            "charge_efficiency": 0.95,
            "discharge_efficiency": 0.95,
            "cycle_cost_per_kwh": round(0.02 * factor, 4),
        },
        "grid": {"max_import_kw": 11.0, "max_export_kw": 7.0},
        "terminal_value_per_kwh": round(0.5 * (median(buy) + median(sell)), 5),
    }


def problems(quick: bool) -> list[tuple[str, dict[str, Any]]]:
    """Return (label, problem) pairs: cases x slot lengths x horizons x batteries."""
    result = []
    horizons = (24, 48) if quick else (24, 48, 168)
    batteries = BATTERIES[1:2] if quick else BATTERIES
    for case in CASES:
        for slot_minutes in (15, 30, 60):
            if case.market.path.find("15min") >= 0 and slot_minutes != 15:
                continue
            for hours in horizons:
                if hours > case.max_hours:
                    continue
                for battery in batteries:
                    label = f"{case.name} | {slot_minutes} min | {hours} h | {battery[0]:g} kWh"
                    result.append(
                        (label, build_problem(case, slot_minutes, hours, battery))
                    )
    return result


def shift(moment: str, hours: int) -> str:
    """Return an ISO instant `hours` later (for labels)."""
    return (datetime.fromisoformat(moment) + timedelta(hours=hours)).isoformat()
