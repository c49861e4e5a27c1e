"""The real public series in ../shared/data, read by path, and payload builders."""

from __future__ import annotations

from collections import defaultdict
import csv
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from statistics import fmean
from zoneinfo import ZoneInfo

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
PARIS = ZoneInfo("Europe/Paris")

SE3_15MIN = "ha-core-nordpool/price_SE3_2025-10-01_15min_SEK-MWh.csv"
SE3_HOURLY = "energinet-elspot/price_SE3_2023-2024_hourly_EUR-MWh.csv"
EMHASS_LOAD = (
    "emhass-household-fr/load_no_deferrable_2024-02-29_2025-02-27_30min_kW.csv"
)
EMHASS_PV = "emhass-household-fr/pv_2024-02-29_2025-02-27_30min_kW.csv"
EMHASS_PV_FORECAST = (
    "emhass-household-fr/pv_forecast_2024-02-29_2025-02-27_30min_kW.csv"
)


@cache
def read_series(name: str) -> tuple[tuple[datetime, float | None], ...]:
    """Return (start, value) rows of a shared CSV; empty values are None."""
    with (DATA / name).open(newline="", encoding="utf-8") as handle:
        return tuple(
            (
                datetime.fromisoformat(row["start"]),
                float(row["value"]) if row["value"] else None,
            )
            for row in csv.DictReader(handle)
        )


def local_day(name: str, day: date, zone: ZoneInfo) -> list[tuple[datetime, float]]:
    """Return the complete rows of one local day."""
    begin = datetime.combine(day, datetime.min.time(), zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    rows = [
        (start, value)
        for start, value in read_series(name)
        if begin <= start < end and value is not None
    ]
    assert rows, f"no data for {day} in {name}"
    return rows


def window(name: str, begin: datetime, end: datetime) -> list[tuple[datetime, float]]:
    """Return the known rows with begin <= start < end."""
    return [
        (start, value)
        for start, value in read_series(name)
        if begin <= start < end and value is not None
    ]


def hourly_means(begin: datetime, end: datetime) -> list[tuple[datetime, float]]:
    """Return what the recorder's hourly statistics of the emhass load hold.

    (hour start in UTC, mean kW), for hours whose two half-hours are both known.
    """
    halves: defaultdict[datetime, list[float]] = defaultdict(list)
    for start, kw in window(EMHASS_LOAD, begin, end):
        halves[start.astimezone(UTC).replace(minute=0)].append(kw)
    return [
        (hour, fmean(values))
        for hour, values in sorted(halves.items())
        if len(values) == 2
    ]
