"""Offline planner: `python -m custom_components.ems.planner PROBLEM.json [--method]`.

`--situation FILE` plans from FORMAT.md's Situation instead, exactly as Home Assistant
does (`core.situation.plan_situation`). Prints FORMAT.md's plan JSON on stdout and
nothing else: whatever a solver prints on the process's stdout while planning goes to
stderr. An unreadable or invalid input prints one line on stderr and exits with
status 2. Nothing here imports Home Assistant.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import sys
from typing import TextIO

from custom_components.ems.core.situation import plan_situation, situation_from_json

from . import plan
from .codec import plan_to_json, problem_from_json
from .dp import DEFAULT_SOC_STEP_PERCENT
from .errors import ProblemError


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.ems.planner",
        description="Plan a home battery for the least cost (FORMAT.md JSON in and out).",
    )
    parser.add_argument(
        "problem", type=Path, nargs="?", help="problem JSON file ('-' for stdin)"
    )
    parser.add_argument(
        "--situation", type=Path, help="plan from a Situation JSON file ('-' for stdin)"
    )
    parser.add_argument("--method", choices=("milp", "dp"), default="milp")
    parser.add_argument("--time-limit", type=float, default=10.0, help="MILP seconds")
    parser.add_argument(
        "--soc-step",
        type=float,
        default=DEFAULT_SOC_STEP_PERCENT,
        help="DP grid step in percent of capacity",
    )
    args = parser.parse_args(argv)
    source: Path | None = args.situation or args.problem
    if source is None or (args.situation and args.problem):
        parser.error("give either a problem file or --situation FILE")
    try:
        text = (
            sys.stdin.read()
            if str(source) == "-"
            else source.read_text(encoding="utf-8")
        )
        data = json.loads(text)
        situation = situation_from_json(data) if args.situation else None
        problem = None if situation else problem_from_json(data)
    except OSError as err:
        print(f"error: cannot read {source}: {err.strerror}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as err:
        print(f"error: {source} is not valid JSON: {err}", file=sys.stderr)
        return 2
    except ProblemError as err:
        kind = "situation" if args.situation else "problem"
        print(f"error: invalid {kind}: {err}", file=sys.stderr)
        return 2
    if args.time_limit <= 0 or args.soc_step <= 0:
        print("error: --time-limit and --soc-step must be positive", file=sys.stderr)
        return 2
    plan_out = _stdout_for_the_plan_only()
    if situation is not None:
        try:
            _, result = plan_situation(
                situation, method=args.method, time_limit=args.time_limit
            )
        except ProblemError as err:
            print(f"error: cannot plan the situation: {err}", file=sys.stderr)
            return 2
    else:
        assert problem is not None
        result = plan(
            problem,
            args.method,
            time_limit=args.time_limit,
            soc_step_percent=args.soc_step,
        )
    try:
        json.dump(plan_to_json(result), plan_out, indent=1)
        plan_out.write("\n")
        plan_out.flush()
    except BrokenPipeError:
        # The reader stopped early (`| head`): not an error of the planner. Point
        # stdout at /dev/null so the interpreter's final flush does not fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), plan_out.fileno())
    return 0


def _stdout_for_the_plan_only() -> TextIO:
    """Return a stream on the real stdout; point descriptor 1 at stderr from now on.

    Solvers write to descriptor 1 from C code (banners, logs); they must not mix with
    the JSON a reader parses.
    """
    sys.stdout.flush()
    plan_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    return plan_out


if __name__ == "__main__":
    sys.exit(main())
