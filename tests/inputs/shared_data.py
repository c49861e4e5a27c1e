"""Slices of the real public series, committed under tests/data, and their readers.

The slices are cut unchanged from the project's shared data (see tests/data/README.md),
so the tests run on a fresh clone. A series is the tuple of its slices, oldest first;
a day outside them reads as no data.
"""

from __future__ import annotations

from collections import defaultdict
import csv
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from statistics import fmean
from zoneinfo import ZoneInfo

DATA = Path(__file__).resolve().parents[1] / "data"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
PARIS = ZoneInfo("Europe/Paris")

type Series = tuple[str, ...]

SE3_15MIN: Series = ("ha-core-nordpool/price_SE3_2025-10-01_15min_SEK-MWh.csv",)
SE3_HOURLY: Series = (
    "energinet-elspot/price_SE3_2024-01-05_hourly_EUR-MWh.csv",
    "energinet-elspot/price_SE3_2024-03-31_hourly_EUR-MWh.csv",
    "energinet-elspot/price_SE3_2024-10-01_hourly_EUR-MWh.csv",
    "energinet-elspot/price_SE3_2024-10-27_hourly_EUR-MWh.csv",
    "energinet-elspot/price_SE3_2024-12-11_2024-12-12_hourly_EUR-MWh.csv",
)
DE_LU: Series = (
    "green-dcc-prices/price_DE-LU_2024-11-05_2024-11-06_hourly_EUR-MWh.csv",
    "green-dcc-prices/price_DE-LU_2024-11-14_2024-11-15_hourly_EUR-MWh.csv",
)
EMHASS_LOAD: Series = (
    "emhass-household-fr/load_no_deferrable_2024-09-17_2024-10-01_30min_kW.csv",
    "emhass-household-fr/load_no_deferrable_2024-10-11_2024-11-08_30min_kW.csv",
    "emhass-household-fr/load_no_deferrable_2024-11-14_2024-11-15_30min_kW.csv",
)
EMHASS_PV: Series = (
    "emhass-household-fr/pv_2024-10-21_2024-10-28_30min_kW.csv",
    "emhass-household-fr/pv_2024-11-05_2024-11-06_30min_kW.csv",
    "emhass-household-fr/pv_2024-11-14_2024-11-15_30min_kW.csv",
)
EMHASS_PV_FORECAST: Series = (
    "emhass-household-fr/pv_forecast_2024-07-26_30min_kW.csv",
    "emhass-household-fr/pv_forecast_2024-10-01_2024-10-02_30min_kW.csv",
    "emhass-household-fr/pv_forecast_2024-10-26_2024-10-27_30min_kW.csv",
)


@cache
def _read_slice(piece: str) -> tuple[tuple[datetime, float | None], ...]:
    with (DATA / piece).open(newline="", encoding="utf-8") as handle:
        return tuple(
            (
                datetime.fromisoformat(row["start"]),
                float(row["value"]) if row["value"] else None,
            )
            for row in csv.DictReader(handle)
        )


@cache
def read_series(series: Series) -> tuple[tuple[datetime, float | None], ...]:
    """Return (start, value) rows of a series' slices; empty values are None."""
    rows = tuple(row for piece in series for row in _read_slice(piece))
    starts = [start for start, _ in rows]
    assert starts == sorted(set(starts)), f"slices overlap or out of order: {series}"
    return rows


def _check_covered(series: Series, begin: datetime, end: datetime) -> None:
    """Fail unless one slice holds the whole of [begin, end): no silently short reads.

    A slice is whole local days: from its first row to the next midnight after its last.
    """
    for piece in series:
        rows = _read_slice(piece)
        first, last = rows[0][0], rows[-1][0]
        after = last.replace(hour=0, minute=0) + timedelta(days=1)
        if first <= begin and end <= after:
            return
    msg = f"{begin}..{end} lies outside the committed slices {series}; see tests/data"
    raise AssertionError(msg)


def local_day(
    series: Series, day: date, zone: ZoneInfo
) -> list[tuple[datetime, float]]:
    """Return the complete rows of one local day."""
    begin = datetime.combine(day, datetime.min.time(), zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    _check_covered(series, begin, end)
    rows = [
        (start, value)
        for start, value in read_series(series)
        if begin <= start < end and value is not None
    ]
    assert rows, f"no data for {day} in {series}"
    return rows


def window(
    series: Series, begin: datetime, end: datetime
) -> list[tuple[datetime, float]]:
    """Return the known rows with begin <= start < end."""
    _check_covered(series, begin, end)
    return [
        (start, value)
        for start, value in read_series(series)
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
