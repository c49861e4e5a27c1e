"""The benchmark's Markdown report (printed, and written to docs/benchmarks.md)."""

from __future__ import annotations

import os
from pathlib import Path
import platform
import statistics
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .run import Row

METHODS = ("milp", "dp", "emhass")
DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def machine() -> str:
    """Name the machine: CPU model and core count."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_section(name: str, text: str) -> None:
    """Put `text` between the `<!-- name -->` markers of docs/benchmarks.md.

    The planner benchmark (bench.run) owns the part before the first marker.
    """
    begin, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    current = DOCS.read_text(encoding="utf-8")
    if begin not in current:
        raise ValueError(f"docs/benchmarks.md has no {begin} marker")
    head, _, rest = current.partition(begin)
    _, _, tail = rest.partition(end)
    DOCS.write_text(f"{head}{begin}\n{text.strip()}\n{end}{tail}", encoding="utf-8")


def keep_sections(text: str) -> str:
    """Return the planner benchmark's report followed by the marked sections kept."""
    current = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    marker = current.find("<!-- ")
    return text if marker < 0 else text.rstrip() + "\n\n" + current[marker:]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _cell(rows: list[Row], method: str) -> str:
    outcomes = [row.outcomes[method] for row in rows if method in row.outcomes]
    if not outcomes:
        return "–"
    captures = [o.capture for o in outcomes if o.capture is not None]
    seconds = [o.seconds * 1000.0 for o in outcomes]
    violations = sum(o.violations for o in outcomes)
    capture = (
        f"{statistics.mean(captures):.4f} (min {min(captures):.4f})"
        if captures
        else "n/a"
    )
    return (
        f"{capture} | {violations} | {statistics.median(seconds):.0f} / "
        f"{_p95(seconds):.0f}"
    )


def _speedup(rows: list[Row]) -> str:
    pairs = [
        row.outcomes["emhass"].seconds / row.outcomes["milp"].seconds
        for row in rows
        if "emhass" in row.outcomes
    ]
    return f"{statistics.median(pairs):.1f}×" if pairs else "–"


def _targets(groups: dict[tuple[int, int], list[Row]], every: list[Row]) -> list[str]:
    """Check the issue's targets against this run."""

    def captures(method: str) -> list[float]:
        return [
            capture
            for row in every
            if method in row.outcomes
            and (capture := row.outcomes[method].capture) is not None
        ]

    def median_ms(key: tuple[int, int], method: str) -> str:
        rows = groups.get(key, [])
        return (
            f"{statistics.median(r.outcomes[method].seconds for r in rows) * 1000:.0f} ms"
            if rows
            else "n/a"
        )

    def worst_ms(key: tuple[int, int], method: str) -> str:
        rows = groups.get(key, [])
        return (
            f"{max(r.outcomes[method].seconds for r in rows) * 1000:.0f} ms"
            if rows
            else "n/a"
        )

    violations = sum(
        outcome.violations
        for row in every
        for name, outcome in row.outcomes.items()
        if name != "emhass"
    )
    return [
        "## Targets",
        "",
        (
            f"- capture: milp min {min(captures('milp')):.4f} (target ≥ 0.999), "
            f"dp min {min(captures('dp')):.4f} (target ≥ 0.995); limits broken by our "
            f"plans: {violations}."
        ),
        (
            f"- 48 h × 15 min median: milp {median_ms((15, 48), 'milp')} (target ≤ 100 ms), "
            f"dp {median_ms((15, 48), 'dp')} (target ≤ 30 ms)."
        ),
        (
            f"- 7 d × 15 min slowest: milp {worst_ms((15, 168), 'milp')}, dp "
            f"{worst_ms((15, 168), 'dp')} (target ≤ 2 s)."
        ),
    ]


def render(
    groups: dict[tuple[int, int], list[Row]],
    *,
    peaks: dict[str, str],
    machine: str,
    quick: bool,
    elapsed: float,
) -> str:
    """Return the report: one table row per (slot length, horizon)."""
    header = " | ".join(
        f"{m} capture mean (min) | {m} violations | {m} ms median / p95"
        for m in METHODS
    )
    lines = [
        "# Planner benchmark",
        "",
        "Reproduce with `scripts/bench --write` (`--quick` for a short run).",
        "",
        (
            f"Machine: {machine}. Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
            f"{' (--quick)' if quick else ''}, {elapsed:.0f} s in all. The CPU is shared "
            "with other engineers' work: times are medians (each problem of up to 400 slots "
            "planned 3 times, its median kept) and vary between runs."
        ),
        "",
        (
            "Problems: real day-ahead prices (DE-LU, DK1, SE3, AU-NSW1 hourly; SE3 15-min) "
            "turned retail with the planner's price formula, paired with real household PV "
            "and load (FR, DE-KN, AU), at 15/30/60-minute slots, 24 h / 48 h / 7 d, with "
            "5/10/20 kWh batteries (2.5/5/10 kW), fuse 11 kW, export limit 7 kW. See "
            "`bench/data.py`."
        ),
        "",
        (
            "Capture = (idle cost − plan cost) / (idle cost − best cost), every cost "
            "recomputed from `battery_kw` alone by the independent evaluator "
            "(`planner/evaluate.py`); best = the exact MILP. Violations = limits broken, "
            "counted over all problems of the row. Times are wall-clock per plan: for ours "
            "`plan()` end to end (model, solve, reasons); for EMHASS its Optimization "
            "object plus `perform_naive_mpc_optim`, timed inside its own process."
        ),
        "",
        f"| slot | horizon | problems | {header} | EMHASS / milp time |",
        "|" + "---|" * (4 + 3 * len(METHODS)),
    ]
    for (slot_minutes, hours), rows in sorted(groups.items()):
        cells = " | ".join(_cell(rows, method) for method in METHODS)
        lines.append(
            f"| {slot_minutes} min | {hours} h | {len(rows)} | {cells} | {_speedup(rows)} |"
        )
    every = [row for rows in groups.values() for row in rows]
    lines += ["", *_targets(groups, every)]
    lines += [
        "",
        f"Overall EMHASS / milp time ratio (median over problems): {_speedup(every)}.",
        "",
        (
            f"Peak memory planning the largest 15-minute problem ({peaks['slots']} slots), "
            f"resident set added by planning: milp {peaks['milp']} MiB, dp {peaks['dp']} MiB."
        ),
        "",
        "## EMHASS mapping (0.18.7, `bench/emhass_runner.py`)",
        "",
        (
            "- costfun `profit`, one battery, no deferrable loads, PV curtailment on, "
            "battery export allowed, grid limits as W; cycle cost as "
            "`weight_battery_discharge`."
        ),
        (
            "- EMHASS has no terminal value of stored energy; it is given the final SoC of "
            "the exact MILP plan instead (an oracle in its favour)."
        ),
        "- EMHASS's own MIP gap default (1 %) is kept, as users run it.",
        (
            "- EMHASS runs in `.venv-emhass` (Python 3.12); its first solve is a warm-up "
            "and is not counted."
        ),
    ]
    return "\n".join(lines) + "\n"
