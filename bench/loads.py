"""Benchmark: 48 h x 15 min real-data problems with three controllable loads.

`python -m bench.loads [--demand-charge]`: the problems of `bench.data` (48 h, 15-minute
slots) with a dishwasher (deferrable, one block, 08:00-18:00 on the first day), an EV
(modulating 1.4-7.4 kW, 18 kWh from 18:00 to 07:00) and a heat pump boost (optional,
3 kW, 6 kWh, worth 0.8 x the median import price). Prints the MILP's and the DP's
median plan time and capture; the reference (best) cost is the MILP's, idle is the
battery idle around the DP's fixed load schedule, every cost from the evaluator.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
import statistics
import sys
import time
from typing import Any

from custom_components.ems.planner import Plan, evaluate, plan, problem_from_json

from .data import problems
from .report import machine


def with_loads(data: dict[str, Any], *, demand_charge: bool) -> dict[str, Any]:
    """Return the problem with the three loads (and a demand charge if asked)."""
    start = datetime.fromisoformat(data["start"])
    day = start.replace(hour=0, minute=0)
    typical = statistics.median(data["import_price"])

    def at(hours: float) -> str:
        return (day + timedelta(hours=hours)).isoformat()

    loads = [
        {"id": "dishwasher", "kind": "deferrable", "power_kw": 2.0, "energy_kwh": 1.5,
         "earliest": at(8), "latest": at(18), "min_run_minutes": 45, "one_block": True},
        {"id": "ev", "kind": "modulating", "min_kw": 1.4, "max_kw": 7.4,
         "energy_kwh": 18.0, "earliest": at(18), "latest": at(31)},
        {"id": "heat_pump_boost", "kind": "optional", "power_kw": 3.0,
         "max_energy_kwh": 6.0, "value_per_kwh": round(0.8 * typical, 5),
         "min_run_minutes": 30},
    ]  # fmt: skip
    result = data | {"loads": loads}
    if demand_charge:
        result["demand_charge"] = {
            "price_per_kw": round(5.0 * typical, 4),
            "peak_so_far_kw": 3.0,
            "measure_minutes": 15,
        }
    return result


def _judge(problem: Any, result: Plan, *, idle: bool = False) -> Any:
    loads = {
        name: [slot.loads_kw[name] for slot in result.slots]
        for name in result.slots[0].loads_kw
    }
    battery = [0.0 if idle else slot.battery_kw for slot in result.slots]
    return evaluate(problem, battery, loads)


def main() -> None:
    """Plan every problem with milp and dp; print times and captures."""
    parser = argparse.ArgumentParser(prog="python -m bench.loads")
    parser.add_argument("--demand-charge", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    seconds: dict[str, list[float]] = {"milp": [], "dp": []}
    captures: list[float] = []
    violations = {"milp": 0, "dp": 0}
    cases = [
        (label, data)
        for label, data in problems(quick=False)
        if data["slot_minutes"] == 15 and len(data["import_price"]) == 192
    ]
    for label, data in cases:
        problem = problem_from_json(with_loads(data, demand_charge=args.demand_charge))
        results: dict[str, Plan] = {}
        for method in ("milp", "dp"):
            times = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                results[method] = plan(problem, method)
                times.append(time.perf_counter() - started)
            seconds[method].append(statistics.median(times))
            if results[method].method != method:
                print(f"warning: {label}: {method} fell back", file=sys.stderr)
            violations[method] += len(_judge(problem, results[method]).violations)
        best = _judge(problem, results["milp"]).cost
        fixed = _judge(problem, results["dp"]).cost
        idle = _judge(problem, results["dp"], idle=True).cost
        if idle - best > 1e-6:
            captures.append((idle - fixed) / (idle - best))
        print(
            f"{label}: milp {seconds['milp'][-1] * 1000:.0f} ms, "
            f"dp {seconds['dp'][-1] * 1000:.0f} ms",
            file=sys.stderr,
        )
    milp_ms = sorted(1000 * s for s in seconds["milp"])
    print(f"Machine: {machine()}")
    print(f"Problems: {len(cases)} (48 h x 15 min, three loads"
          f"{', demand charge' if args.demand_charge else ''})")  # fmt: skip
    print(
        f"milp: median {statistics.median(milp_ms):.0f} ms, slowest {milp_ms[-1]:.0f} "
        f"ms, capture 1 (the reference), violations {violations['milp']}"
    )
    print(
        f"dp around the fixed schedule: median "
        f"{statistics.median(1000 * s for s in seconds['dp']):.0f} ms, capture mean "
        f"{statistics.mean(captures):.4f} (min {min(captures):.4f}), "
        f"violations {violations['dp']}"
    )


if __name__ == "__main__":
    main()
