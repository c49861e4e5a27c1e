"""Offline planner: `python -m custom_components.ems.planner PROBLEM.json [--method]`.

Prints FORMAT.md's plan JSON on stdout. An unreadable or invalid problem prints one
line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import sys

from . import plan
from .codec import plan_to_json, problem_from_json
from .dp import DEFAULT_SOC_STEP_PERCENT
from .model import ProblemError


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.ems.planner",
        description="Plan a home battery for the least cost (FORMAT.md JSON in and out).",
    )
    parser.add_argument("problem", type=Path, help="problem JSON file ('-' for stdin)")
    parser.add_argument("--method", choices=("milp", "dp"), default="milp")
    parser.add_argument("--time-limit", type=float, default=10.0, help="MILP seconds")
    parser.add_argument(
        "--soc-step",
        type=float,
        default=DEFAULT_SOC_STEP_PERCENT,
        help="DP grid step in percent of capacity",
    )
    args = parser.parse_args(argv)
    try:
        text = (
            sys.stdin.read()
            if str(args.problem) == "-"
            else args.problem.read_text(encoding="utf-8")
        )
        problem = problem_from_json(json.loads(text))
    except OSError as err:
        print(f"error: cannot read {args.problem}: {err.strerror}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as err:
        print(f"error: {args.problem} is not valid JSON: {err}", file=sys.stderr)
        return 2
    except ProblemError as err:
        print(f"error: invalid problem: {err}", file=sys.stderr)
        return 2
    if args.time_limit <= 0 or args.soc_step <= 0:
        print("error: --time-limit and --soc-step must be positive", file=sys.stderr)
        return 2
    result = plan(
        problem,
        args.method,
        time_limit=args.time_limit,
        soc_step_percent=args.soc_step,
    )
    try:
        json.dump(plan_to_json(result), sys.stdout, indent=1)
        sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped early (`| head`): not an error of the planner. Point
        # stdout at /dev/null so the interpreter's final flush does not fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
