"""Figures of a closed-loop replay: savings, mode changes, A-B-A flips, solve times.

Saving = what an idle battery's house pays - what the strategy's house pays + the
change of stored energy valued at one price for everyone (so that a month that ends
with a fuller battery is not counted as a loss).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
import statistics
import time

import numpy as np
import numpy.typing as npt

from .closed_loop import Run
from .load_forecast import SEASONS
from .replay_data import PARIS, Year

FLIP_SLOTS = 1
"""An A-B-A flip: B lasts less than an hour (one half-hour slot) between two A."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Figures:
    """One strategy over one period."""

    saving: float
    share_of_perfect: float | None
    versus_self_use: float | None
    changes_per_day_median: float
    changes_per_day_mean: float
    flips: int
    solve_ms_median: float
    solve_ms_p95: float
    days: int


def _days(year: Year, run: Run) -> list[date]:
    return [year.moment(int(slot)).astimezone(PARIS).date() for slot in run.slots]


def _changes(run: Run, days: list[date]) -> dict[date, int]:
    per_day: defaultdict[date, int] = defaultdict(int)
    labels = run.labels
    for offset, day in enumerate(days):
        changed = (
            offset > 0
            and offset not in run.breaks
            and labels[offset] != labels[offset - 1]
        )
        per_day[day] += int(changed)
    return per_day


def _flips(run: Run) -> npt.NDArray[np.bool_]:
    """Return True at the offsets where an A-B-A flip's B starts."""
    runs: list[list[int | str]] = []  # label, first offset, length
    for offset, name in enumerate(run.labels):
        if runs and runs[-1][0] == name and offset not in run.breaks:
            runs[-1][2] = int(runs[-1][2]) + 1
        else:
            runs.append([name, offset, 1])
    flips = np.zeros(len(run.labels), dtype=bool)
    for before, middle, after in zip(runs, runs[1:], runs[2:], strict=False):
        joined = int(middle[1]) not in run.breaks and int(after[1]) not in run.breaks
        if joined and before[0] == after[0] and int(middle[2]) <= FLIP_SLOTS:
            flips[int(middle[1])] = True
    return flips


def figures(
    year: Year,
    runs: dict[str, Run],
    *,
    group_of: dict[date, str],
    value_per_kwh: float,
) -> dict[str, dict[str, Figures]]:
    """Per group (month, season, year) and strategy: the figures."""
    idle = runs["idle"]
    days = _days(year, idle)
    groups = np.array([group_of[day] for day in days])
    result: dict[str, dict[str, Figures]] = {}
    for group in dict.fromkeys(groups.tolist()):
        mask = groups == group
        savings = {
            name: float(
                idle.costs[mask].sum()
                - run.costs[mask].sum()
                + value_per_kwh * (run.end_kwh[mask] - run.start_kwh[mask]).sum()
            )
            for name, run in runs.items()
        }
        perfect, plain = savings.get("perfect"), savings.get("self_use")
        result[group] = {}
        for name, run in runs.items():
            per_day = [
                count
                for day, count in _changes(run, days).items()
                if group_of[day] == group
            ]
            solve = run.seconds[mask] * 1000.0
            result[group][name] = Figures(
                saving=savings[name],
                share_of_perfect=savings[name] / perfect if perfect else None,
                versus_self_use=savings[name] / plain if plain else None,
                changes_per_day_median=statistics.median(per_day),
                changes_per_day_mean=statistics.fmean(per_day),
                flips=int(_flips(run)[mask].sum()),
                solve_ms_median=float(np.median(solve)),
                solve_ms_p95=float(np.percentile(solve, 95)),
                days=len(per_day),
            )
    return result


def groupings(year: Year, run: Run) -> dict[str, dict[date, str]]:
    """Month, season and whole-period labels of each day of the run."""
    days = sorted(set(_days(year, run)))
    return {
        "month": {day: day.strftime("%Y-%m") for day in days},
        "season": {day: SEASONS[day.month] for day in days},
        "all": dict.fromkeys(days, "year"),
    }


def _ratio(value: float | None, suffix: str = "") -> str:
    return "–" if value is None else f"{value:.2f}{suffix}"


def savings_table(
    rows: dict[str, dict[str, Figures]], names: list[str], first: str
) -> list[str]:
    """Markdown: per group, each strategy's share of perfect and ratio to self use."""
    header = [first, "days", "perfect EUR"]
    for name in names:
        header += [f"{name} share", f"{name} vs self-use"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for group, by_name in rows.items():
        cells = [
            group,
            str(by_name["perfect"].days),
            f"{by_name['perfect'].saving:.2f}",
        ]
        for name in names:
            found = by_name.get(name)
            cells += (
                ["–", "–"]
                if found is None
                else [
                    _ratio(found.share_of_perfect),
                    _ratio(found.versus_self_use, "×"),
                ]
            )
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def behaviour_table(
    rows: dict[str, dict[str, Figures]], names: list[str], first: str
) -> list[str]:
    """Markdown: mode changes per day (median, mean), A-B-A flips, solve times."""
    header = [first]
    for name in names:
        header += [
            f"{name} changes/day median (mean)",
            f"{name} A-B-A",
            f"{name} ms median / p95",
        ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for group, by_name in rows.items():
        cells = [group]
        for name in names:
            found = by_name[name]
            cells += [
                f"{found.changes_per_day_median:.1f} ({found.changes_per_day_mean:.1f})",
                str(found.flips),
                f"{found.solve_ms_median:.0f} / {found.solve_ms_p95:.0f}",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render(
    *,
    machine: str,
    year: tuple[dict[str, dict[str, Figures]], ...] | None = None,
    windows: dict[str, dict[str, Figures]] | None = None,
    names: list[str] | None = None,
    emhass_days: int = 0,
    elapsed: float = 0.0,
) -> str:
    """Return the Markdown of a full run (`year`) or of the windows' ablations."""
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if windows is not None:
        shown = names or []
        return "\n".join(
            [
                f"Ablations on four 28-day windows ({stamp}, {machine}):",
                "",
                *savings_table(windows, [*shown, "self_use"], "window"),
                "",
                *behaviour_table(
                    windows, [n for n in shown if n != "oracle"], "window"
                ),
                "",
            ]
        )
    assert year is not None
    months, seasons, whole, *peers = year
    planned = names or ["ems"]
    lines = [
        f"Run {stamp} on {machine}, {elapsed:.0f} s in all.",
        "",
        *savings_table(
            {**months, **seasons, **whole}, [*planned, "self_use"], "period"
        ),
        "",
        *behaviour_table({**months, **seasons, **whole}, planned, "period"),
        "",
    ]
    if peers:
        lines += [
            (
                f"EMHASS in the same loop, on the first {emhass_days} days of each "
                "month (ems replayed over the same days from the same state):"
            ),
            "",
            *savings_table(peers[0], ["ems", "emhass"], "sampled"),
            "",
            *behaviour_table(peers[0], ["ems", "emhass"], "sampled"),
            "",
        ]
    return "\n".join(lines)
