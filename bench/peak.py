"""Peak memory of one plan: `python -m bench.peak METHOD < problem.json` prints MiB.

Reports the process's peak resident set (VmHWM) after planning minus the resident set
after imports and parsing, so it counts what planning itself adds (solver included).
"""

from __future__ import annotations

import json
from pathlib import Path
import sys

from custom_components.ems.planner import plan, problem_from_json


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def main() -> None:
    """Plan the problem on stdin with the method in argv[1]; print the peak in MiB."""
    problem = problem_from_json(json.load(sys.stdin))
    plan(problem, "dp")  # load numpy paths, so that only planning is counted below
    Path("/proc/self/clear_refs").write_text("5", encoding="utf-8")  # reset VmHWM
    baseline = _status_kib("VmRSS")
    plan(problem, "dp" if sys.argv[1] == "dp" else "milp")
    print(f"{(_status_kib('VmHWM') - baseline) / 1024:.1f}")


if __name__ == "__main__":
    main()
