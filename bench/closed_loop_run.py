"""Run the closed-loop replay: `python -m bench.closed_loop_run [--windows] [--write]`.

Strategies, all on the same actual PV and load and all judged by `bench.execute`:
- perfect: the exact MILP over the whole period with actual PV, load and every price
  known (the reference: 1.00);
- ems: `plan_situation` every slot with the default Policy, its mode carried out;
- before (with `--before`): the planner as it was (deterministic plan on the raw PV
  forecast and the former load profile, no self-use caps, no switching cost);
- emhass: EMHASS's MPC every slot on ems's inputs (`bench.emhass_loop`), on the first
  days of each month (it is about 20 times slower), next to ems on the same days;
- self_use: plain self use; idle: the battery never moves (the zero of savings).
`--windows` replays four 28-day windows with the ablations in VARIANTS instead.
"""

from __future__ import annotations

import argparse
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime, timedelta
import itertools
import sys
import time

import numpy as np

from custom_components.ems.core.inputs.load_model import LoadModel
from custom_components.ems.core.situation import Policy
from custom_components.ems.planner import Grid, Problem, plan

from .closed_loop import (
    PACK,
    START_SOC_PERCENT,
    Decide,
    Knowledge,
    Run,
    battery,
    ems,
    fixed,
    oracle,
    replay,
    setpoint_of,
)
from .closed_loop_report import Figures, figures, groupings, render
from .emhass_loop import EMHASS_PYTHON, Emhass, emhass
from .replay_data import PARIS, Year, load_year, retail
from .report import machine, write_section

FULL = ("2024-03-08", None)
"""The data's first week (from 2024-02-29) is history only, as FORMAT.md asks."""
WINDOWS = {
    "spring": ("2024-04-01", "2024-04-29"),
    "summer": ("2024-07-01", "2024-07-29"),
    "autumn": ("2024-10-01", "2024-10-29"),
    "winter": ("2024-12-01", "2024-12-29"),
}
START_KWH = PACK.capacity_kwh * START_SOC_PERCENT / 100.0
YEAR_PARTS = 4
"""The year's replay runs as this many spans at once (two cores, EMHASS beside)."""
BEFORE = Policy(
    load_model=LoadModel(
        half_life_days=3.0, day_type_weight=0.0, level_half_life_hours=0.0
    ),
    calibrate_pv=False,
    pv_level_half_life_hours=0.0,
    scenario_days=0,
    caps=False,
    switch_cost=0.0,
    dwell=timedelta(),
)
VARIANTS: dict[str, Policy] = {
    "ems": Policy(),
    "before": BEFORE,
    "deterministic": Policy(scenario_days=0),
    "no_switch_cost": Policy(switch_cost=0.0, dwell=timedelta()),
    "dwell_only": Policy(switch_cost=0.0),
    "no_caps": Policy(caps=False),
    "raw_pv": Policy(calibrate_pv=False, pv_level_half_life_hours=0.0),
    "no_pv_level": Policy(pv_level_half_life_hours=0.0),
    "former_load": Policy(load_model=BEFORE.load_model),
    "oracle": Policy(),
}
"""Ablations of the default Policy; oracle is ems given the actual PV and load."""


def _index(year: Year, day: str | None) -> int:
    if day is None:
        return year.size
    return year.index(datetime.fromisoformat(day).replace(tzinfo=PARIS))


def value_per_kwh(year: Year, first: int, last: int) -> float:
    """Return what a stored kWh is worth when periods are compared (mid price)."""
    buy = retail(year.spot[first:last])
    return 0.5 * (float(np.median(buy)) + float(np.median(year.spot[first:last])))


def perfect(year: Year, first: int, last: int, value: float) -> Run:
    """Return the exact optimum with everything known, carried out as setpoints."""
    problem = Problem(
        start=year.moment(first).astimezone(PARIS),
        slot_minutes=30,
        import_price=tuple(float(p) for p in retail(year.spot[first:last])),
        export_price=tuple(float(p) for p in year.spot[first:last]),
        pv_kw=tuple(float(kw) for kw in year.pv[first:last]),
        load_kw=tuple(float(kw) for kw in year.load[first:last]),
        battery=battery(START_KWH),
        grid=Grid(max_import_kw=PACK.max_import_kw, max_export_kw=PACK.max_export_kw),
        terminal_value_per_kwh=value,
    )
    slots = plan(problem, "milp", time_limit=600.0).slots
    return replay(
        "perfect",
        year,
        lambda index, _stored: (setpoint_of(slots[index - first]), 0.0),
        first=first,
        last=last,
        start_kwh=START_KWH,
    )


def _chain(name: str, policy: Policy, spans: list[tuple[int, int]]) -> list[Run]:
    """One strategy over each span, each from the same starting charge."""
    year = load_year()
    knowledge = Knowledge(year)
    runner = Emhass.start() if name == "emhass" else None
    decide: Decide = (
        emhass(knowledge, policy, runner)
        if runner is not None
        else oracle(knowledge, policy)
        if name == "oracle"
        else ems(knowledge, policy)
    )
    try:
        return [
            replay(name, year, decide, first=first, last=last, start_kwh=START_KWH)
            for first, last in spans
        ]
    finally:
        if runner is not None:
            runner.close()


def _month_starts(
    year: Year, first: int, last: int, days: int
) -> list[tuple[int, int]]:
    starts: list[tuple[int, int]] = []
    for index in range(first, last):
        local = year.moment(index).astimezone(PARIS)
        if local.day == 1 and local.hour == 0 and local.minute == 0:
            starts.append((index, min(index + days * 48, last)))
    return starts


def _references(year: Year, first: int, last: int, value: float) -> dict[str, Run]:
    """Perfect foresight, plain self use and the idle battery over [first, last)."""
    return {
        "perfect": perfect(year, first, last, value),
        "self_use": replay(
            "self_use",
            year,
            fixed("self_use"),
            first=first,
            last=last,
            start_kwh=START_KWH,
        ),
        "idle": replay(
            "idle", year, fixed("hold"), first=first, last=last, start_kwh=START_KWH
        ),
    }


def _parts(year: Year, first: int, last: int, count: int) -> list[tuple[int, int]]:
    """Split [first, last) into `count` spans of about equal length at local midnights."""
    cuts = [first]
    for number in range(1, count):
        index = first + (last - first) * number // count
        while (
            year.moment(index).astimezone(PARIS).hour
            or year.moment(index).astimezone(PARIS).minute
        ):
            index += 1
        cuts.append(index)
    return list(itertools.pairwise([*cuts, last]))


def run_year(
    pool: ProcessPoolExecutor, *, emhass_days: int, names: tuple[str, ...]
) -> tuple[dict[str, dict[str, Figures]], ...]:
    """Replay the year (`names`: ems, before) and EMHASS's sampled days; figures per month.

    Each strategy's year is replayed as YEAR_PARTS spans at once, each from the same
    starting charge (every slot's stored energy is valued, so a span's start costs
    nothing extra), and EMHASS's sampled days as two halves: the two cores stay busy.
    """
    year = load_year()
    first, last = _index(year, FULL[0]), _index(year, FULL[1])
    value = value_per_kwh(year, first, last)
    sample = _month_starts(year, first, last, emhass_days)
    peers: dict[str, list[Future[list[Run]]]] = {}
    if emhass_days and EMHASS_PYTHON.exists():
        # The slowest jobs first, so that the shorter ones fill the other core.
        half = len(sample) // 2
        peers["emhass"] = [
            pool.submit(_chain, "emhass", VARIANTS["ems"], spans)
            for spans in (sample[:half], sample[half:])
        ]
    jobs = {
        name: [
            pool.submit(_chain, name, VARIANTS[name], [span])
            for span in _parts(year, first, last, YEAR_PARTS)
        ]
        for name in names
    }
    if peers:
        peers["ems"] = [pool.submit(_chain, "ems", VARIANTS["ems"], sample)]
    whole = _references(year, first, last, value)
    whole.update({name: _joined(parts) for name, parts in jobs.items()})
    by = groupings(year, whole["idle"])
    tables = [
        figures(year, whole, group_of=by[key], value_per_kwh=value)
        for key in ("month", "season", "all")
    ]
    if peers:
        sampled = {name: _joined(parts) for name, parts in peers.items()}
        for name in ("perfect", "self_use", "idle"):
            sampled[name] = whole[name].part(sampled["ems"].slots)
        by = groupings(year, sampled["idle"])
        tables.append(
            {
                "all sampled days" if key == "year" else key: row
                for group in ("month", "all")
                for key, row in figures(
                    year, sampled, group_of=by[group], value_per_kwh=value
                ).items()
            }
        )
    return tuple(tables)


def _joined(parts: list[Future[list[Run]]]) -> Run:
    return Run.joined([run for part in parts for run in part.result()])


def run_windows(
    pool: ProcessPoolExecutor, names: list[str]
) -> dict[str, dict[str, Figures]]:
    """Each variant over each 28-day window; figures per window."""
    year = load_year()
    rows: dict[str, dict[str, Figures]] = {}
    spans = {
        label: (_index(year, begin), _index(year, end))
        for label, (begin, end) in WINDOWS.items()
    }
    jobs = {
        name: pool.submit(_chain, name, VARIANTS[name], list(spans.values()))
        for name in names
    }
    results = {name: job.result() for name, job in jobs.items()}
    for number, (label, (first, last)) in enumerate(spans.items()):
        value = value_per_kwh(year, first, last)
        runs = _references(year, first, last, value)
        runs.update({name: results[name][number] for name in names})
        group = dict.fromkeys(groupings(year, runs["idle"])["all"], label)
        rows.update(figures(year, runs, group_of=group, value_per_kwh=value))
    return rows


def main() -> None:
    """Replay and print (and with --write, record) the tables."""
    parser = argparse.ArgumentParser(prog="scripts/bench --closed-loop")
    parser.add_argument("--windows", action="store_true", help="ablations, 4 windows")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="with --windows")
    parser.add_argument("--emhass-days", type=int, default=3, help="per month; 0: none")
    parser.add_argument("--no-emhass", action="store_true")
    parser.add_argument(
        "--before", action="store_true", help="also the former planner over the year"
    )
    parser.add_argument("--write", action="store_true", help="into docs/benchmarks.md")
    args = parser.parse_args()
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        if args.windows:
            names = args.variants.split(",")
            text = render(
                windows=run_windows(pool, names), names=names, machine=machine()
            )
        else:
            days = 0 if args.no_emhass else args.emhass_days
            names = ("ems", "before") if args.before else ("ems",)
            text = render(
                year=run_year(pool, emhass_days=days, names=names),
                names=list(names),
                emhass_days=days,
                machine=machine(),
                elapsed=time.perf_counter() - started,
            )
    print(text)
    print(f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
    if args.write:
        write_section("windows" if args.windows else "closed-loop", text)


if __name__ == "__main__":
    main()
