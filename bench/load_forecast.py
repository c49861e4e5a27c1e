"""How good is the load forecast? MAE and bias per season against naive baselines.

`python -m bench.load_forecast`: forecasts the FR household's load from past actuals
only (what the recorder held at the time, gaps included), at two lead times:
- day ahead: issued at every local midnight for the 48 half-hours of the day (what
  `sensor.ems_load_forecast_error` reports for yesterday);
- next hour: issued at every slot for its first two slots (what a replan acts on).
Errors count only slots with a measured value.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
import sys
import time

import numpy as np

from custom_components.ems.core.inputs.load_model import (
    LoadModel,
    SlotHistory,
    forecast_slots,
)

from .replay_data import PARIS, Floats, Year, load_year
from .report import write_section

HISTORY_DAYS = 28
PER_DAY = 48
SEASONS = {
    3: "spring",
    4: "spring",
    5: "spring",
    6: "summer",
    7: "summer",
    8: "summer",
    9: "autumn",
    10: "autumn",
    11: "autumn",
    12: "winter",
    1: "winter",
    2: "winter",
}
SEASON_ORDER = ("spring", "summer", "autumn", "winter", "year")

type Forecaster = Callable[[Year, int, int], Floats]


def last_week(year: Year, issued: int, count: int) -> Floats:
    """Return the same slot one week earlier."""
    seen = year.load_seen
    leads = np.arange(count)
    source = issued + leads - 7 * PER_DAY
    result: Floats = seen[source]
    return result


def seven_day_mean(year: Year, issued: int, count: int) -> Floats:
    """Mean of the same slot over the last 7 days (the issue's baseline)."""
    seen = year.load_seen
    leads = np.arange(count)
    days = np.arange(1, 8)[:, None]
    back = issued + leads[None, :] - days * PER_DAY
    with np.errstate(all="ignore"):
        result: Floats = np.nanmean(seen[back], axis=0)
    return result


def model_forecaster(model: LoadModel) -> Forecaster:
    """Return the project's forecaster with `model`'s settings."""

    def forecast(year: Year, issued: int, count: int) -> Floats:
        begin = max(0, issued - HISTORY_DAYS * PER_DAY)
        seen = year.load_seen[begin:issued]
        known = seen[~np.isnan(seen)]
        history = SlotHistory(
            start=year.moment(begin),
            minutes=30,
            values=tuple(None if np.isnan(v) else float(v) for v in seen),
        )
        result = forecast_slots(
            history,
            count=count,
            zone=PARIS,
            fallback_kw=float(known[-1]) if known.size else 0.0,
            model=model,
        )
        return np.array(result)

    return forecast


@dataclass(frozen=True, kw_only=True, slots=True)
class Score:
    """Mean absolute error and bias (forecast - actual) in kW."""

    mae: float
    bias: float
    slots: int


def score(
    year: Year, forecaster: Forecaster, *, first_day: int, lead: str
) -> dict[str, Score]:
    """Return the forecaster's score per season (and the year) at one lead."""
    errors: defaultdict[str, list[float]] = defaultdict(list)
    if lead == "day_ahead":
        midnights = [
            year.index(
                (year.start + timedelta(days=day)).astimezone(PARIS).replace(hour=0)
            )
            for day in range(first_day, year.size // PER_DAY)
        ]
        issues = [(index, PER_DAY) for index in midnights if index >= first_day * 48]
    else:
        issues = [(index, 2) for index in range(first_day * PER_DAY, year.size - 2)]
    for issued, count in issues:
        actual = year.load_seen[issued : issued + count]
        guess = forecaster(year, issued, count)
        month = year.moment(issued).astimezone(PARIS).month
        mask = ~np.isnan(actual) & ~np.isnan(guess)
        errors[SEASONS[month]].extend((guess[mask] - actual[mask]).tolist())
    errors["year"] = [e for season in list(errors.values()) for e in season]
    return {
        season: Score(
            mae=float(np.mean(np.abs(values))),
            bias=float(np.mean(values)),
            slots=len(values),
        )
        for season, values in errors.items()
    }


FORMER = LoadModel(half_life_days=3.0, day_type_weight=0.0, level_half_life_hours=0.0)
CANDIDATES: dict[str, LoadModel] = {
    "profile, half-life 3 d (former)": FORMER,
    "profile, half-life 1.5 d": replace(FORMER, half_life_days=1.5),
    "profile, half-life 7 d": replace(FORMER, half_life_days=7.0),
    "half-life 3 d + day type": replace(FORMER, day_type_weight=0.5),
    "half-life 3 d + recent level (2 h)": replace(FORMER, level_half_life_hours=2.0),
    "half-life 3 d + day type + level (1 h)": replace(
        FORMER, day_type_weight=0.5, level_half_life_hours=1.0
    ),
    "half-life 3 d + day type + level (4 h)": replace(
        FORMER, day_type_weight=0.5, level_half_life_hours=4.0
    ),
    "default: half-life 1.5 d + day type + level (2 h)": LoadModel(),
}


def main() -> None:
    """Print the tables (and with --write, record them in docs/benchmarks.md)."""
    parser = argparse.ArgumentParser(prog="python -m bench.load_forecast")
    parser.add_argument("--write", action="store_true", help="into docs/benchmarks.md")
    args = parser.parse_args()
    year = load_year()
    started = time.perf_counter()
    forecasters: dict[str, Forecaster] = {
        "last week (naive)": last_week,
        "7-day mean (naive)": seven_day_mean,
        **{name: model_forecaster(model) for name, model in CANDIDATES.items()},
    }
    lines: list[str] = []
    for lead in ("day_ahead", "next_hour"):
        lines += [
            f"{lead.replace('_', ' ')}: MAE kW (bias kW)",
            "",
            "| method | " + " | ".join(SEASON_ORDER) + " |",
            "|---" * (len(SEASON_ORDER) + 1) + "|",
        ]
        for name, forecaster in forecasters.items():
            scores = score(year, forecaster, first_day=8, lead=lead)
            cells = " | ".join(
                f"{scores[s].mae:.3f} ({scores[s].bias:+.3f})" for s in SEASON_ORDER
            )
            lines.append(f"| {name} | {cells} |")
            print(lines[-1], file=sys.stderr, flush=True)
        lines.append("")
    text = "\n".join(lines)
    print(text)
    print(f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
    if args.write:
        write_section("load-forecast", text)


if __name__ == "__main__":
    main()
