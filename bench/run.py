"""Run the benchmark: our MILP and DP, and EMHASS, on problems from real series.

`python -m bench.run [--quick] [--no-emhass] [--write]`: prints a table; with --write
also replaces docs/benchmarks.md. Capture and limit checks come from the independent
evaluator; the reference (best) cost is the exact MILP's evaluated cost.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass, field
import json
from pathlib import Path
import statistics
import subprocess
import sys
import time
from typing import Any

from custom_components.ems.planner import Method, evaluate, plan, problem_from_json

from .data import problems
from .report import keep_sections, machine, render

ROOT = Path(__file__).resolve().parents[1]
EMHASS_PYTHON = ROOT / ".venv-emhass" / "bin" / "python"


@dataclass(kw_only=True)
class Outcome:
    """One method on one problem."""

    capture: float | None
    violations: int
    seconds: float


@dataclass(kw_only=True)
class Row:
    """One problem with every method's outcome."""

    label: str
    slot_minutes: int
    hours: int
    slots: int
    idle_cost: float = 0.0
    best_cost: float = 0.0
    outcomes: dict[str, Outcome] = field(default_factory=dict)


def _capture(idle: float, best: float, cost: float) -> float | None:
    return None if idle - best < 1e-6 else (idle - cost) / (idle - best)


def _timed_plan(problem: Any, method: Method, repeats: int) -> tuple[Any, float]:
    times = []
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = plan(problem, method)
        times.append(time.perf_counter() - started)
    return result, statistics.median(times)


def run_ours(quick: bool) -> tuple[list[Row], list[dict[str, Any]]]:
    """Solve every problem with milp and dp; return rows and EMHASS jobs."""
    rows: list[Row] = []
    jobs: list[dict[str, Any]] = []
    for label, data in problems(quick):
        problem = problem_from_json(data)
        row = Row(
            label=label,
            slot_minutes=problem.slot_minutes,
            hours=problem.horizon * problem.slot_minutes // 60,
            slots=problem.horizon,
        )
        repeats = 1 if problem.horizon > 400 else 3
        idle = evaluate(problem, [0.0] * problem.horizon).cost
        best = None
        methods: tuple[Method, ...] = ("milp", "dp")
        for method in methods:
            result, seconds = _timed_plan(problem, method, repeats)
            if result.method != method:
                print(f"warning: {label}: {method} fell back: {result.reason}")
            evaluation = evaluate(problem, [slot.battery_kw for slot in result.slots])
            if method == "milp":
                best = evaluation.cost
                final_soc = result.slots[-1].soc_percent
                row.idle_cost, row.best_cost = idle, best
            assert best is not None
            row.outcomes[method] = Outcome(
                capture=_capture(idle, best, evaluation.cost),
                violations=len(evaluation.violations),
                seconds=seconds,
            )
        rows.append(row)
        jobs.append({"problem": data, "soc_final_percent": final_soc})
        print(
            f"{label}: milp {row.outcomes['milp'].seconds * 1000:.0f} ms, dp "
            f"{row.outcomes['dp'].seconds * 1000:.0f} ms",
            file=sys.stderr,
        )
    return rows, jobs


def run_emhass(rows: list[Row], jobs: list[dict[str, Any]]) -> None:
    """Solve the same problems with EMHASS in its own environment (JSON via a pipe)."""
    warm_up = [jobs[0]]
    completed = subprocess.run(
        [str(EMHASS_PYTHON), "-m", "bench.emhass_runner"],
        input=json.dumps(warm_up + jobs),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    results = json.loads(completed.stdout)[1:]
    for row, job, result in zip(rows, jobs, results, strict=True):
        problem = problem_from_json(job["problem"])
        evaluation = evaluate(problem, result["battery_kw"])
        row.outcomes["emhass"] = Outcome(
            capture=_capture(row.idle_cost, row.best_cost, evaluation.cost),
            violations=len(evaluation.violations),
            seconds=result["seconds"],
        )


def peak_memory(quick: bool) -> dict[str, str]:
    """Peak memory (MiB) of planning the largest 15-minute problem, per method."""
    largest = max(
        (data for _, data in problems(quick) if data["slot_minutes"] == 15),
        key=lambda data: len(data["import_price"]),
    )
    peaks = {"slots": str(len(largest["import_price"]))}
    for method in ("milp", "dp"):
        completed = subprocess.run(
            [sys.executable, "-m", "bench.peak", method],
            input=json.dumps(largest),
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        peaks[method] = completed.stdout.strip()
    return peaks


def main() -> None:
    """Run the benchmark and print (and optionally write) the table."""
    parser = argparse.ArgumentParser(prog="scripts/bench")
    parser.add_argument("--quick", action="store_true", help="fewer problems")
    parser.add_argument("--no-emhass", action="store_true", help="skip EMHASS")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    started = time.perf_counter()
    rows, jobs = run_ours(args.quick)
    with_emhass = not args.no_emhass and EMHASS_PYTHON.exists()
    if with_emhass:
        run_emhass(rows, jobs)
    groups: dict[tuple[int, int], list[Row]] = defaultdict(list)
    for row in rows:
        groups[(row.slot_minutes, row.hours)].append(row)
    text = render(
        groups,
        peaks=peak_memory(args.quick),
        machine=machine(),
        quick=args.quick,
        elapsed=time.perf_counter() - started,
    )
    print(text)
    if args.write:
        (ROOT / "docs" / "benchmarks.md").write_text(
            keep_sections(text), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
