"""Invalid problems: ProblemError with one line, CLI exit status 2, never a traceback."""

from __future__ import annotations

from datetime import timedelta
import json
import math
from pathlib import Path
import subprocess
import sys
from typing import Any

import pytest

from custom_components.ems.planner import ProblemError, SocTarget, problem_to_json
from custom_components.ems.planner.__main__ import main

from .helpers import START, battery, problem

ROOT = Path(__file__).resolve().parents[2]


def _valid() -> dict[str, Any]:
    return problem_to_json(problem([0.1, 0.3], load_kw=[0.5, 1.0]))


def _with(path: str, value: Any) -> dict[str, Any]:
    data = _valid()
    *parents, key = path.split(".")
    target = data
    for parent in parents:
        target = target[parent]
    target[key] = value
    return data


INVALID = {
    "lengths differ": (_with("pv_kw", [0.0]), "series lengths differ"),
    "NaN price": (
        _with("import_price", [0.1, math.nan]),
        "import_price[1] is not a finite",
    ),
    "negative capacity": (
        _with("battery.capacity_kwh", -5.0),
        "capacity_kwh must be positive",
    ),
    "min SoC above max": (_with("battery.min_soc_percent", 95.0), "min (95.0) <= max"),
    "infeasible target": (
        _with(
            "target",
            {"soc_percent": 100.0, "by": (START + timedelta(hours=1)).isoformat()},
        ),
        "infeasible target",
    ),
    "missing battery field": (
        _with("battery", {"capacity_kwh": 10.0}),
        "missing field",
    ),
    "naive start": (_with("start", "2026-03-10T00:00:00"), "UTC offset"),
    "bad slot length": (_with("slot_minutes", 20), "slot_minutes"),
}
INVALID["min SoC above max"][0]["battery"]["max_soc_percent"] = 90.0  # below min


@pytest.mark.parametrize("name", INVALID)
def test_cli_rejects_invalid_problems_with_one_line(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit status 2 and a single explanatory line on stderr, nothing on stdout."""
    data, expected = INVALID[name]
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main([str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("error: ")
    assert "Traceback" not in captured.err
    if expected is not None:
        assert expected in captured.err


def test_cli_rejects_unreadable_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing file and broken JSON are one-line errors too."""
    assert main([str(tmp_path / "missing.json")]) == 2
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert main([str(broken)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert "cannot read" in lines[0]
    assert "not valid JSON" in lines[1]


def test_cli_process_prints_the_plan_and_errors_without_traceback(
    tmp_path: Path,
) -> None:
    """Run as `python -m custom_components.ems.planner` from the repository root."""
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_valid()), encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "custom_components.ems.planner",
            str(good),
            "--method",
            "dp",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    plan_json = json.loads(done.stdout)
    assert plan_json["method"] == "dp"
    assert len(plan_json["slots"]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(INVALID["NaN price"][0]), encoding="utf-8")  # JSON NaN
    failed = subprocess.run(
        [sys.executable, "-m", "custom_components.ems.planner", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert failed.stderr.count("\n") == 1
    assert "Traceback" not in failed.stderr


def test_problem_validates_on_construction() -> None:
    """The dataclass itself raises ProblemError, with a message fit for a user."""
    with pytest.raises(ProblemError, match="min \\(95.0\\) <= max \\(90.0\\)"):
        problem([0.1], battery=battery(min_soc_percent=95.0, max_soc_percent=90.0))
    with pytest.raises(ProblemError, match="at most 5.75 kWh can be stored by then"):
        problem(
            [0.1, 0.1],
            target=SocTarget(soc_percent=80.0, by=START + timedelta(hours=1)),
        )


def test_cli_reader_that_stops_early_is_no_error(tmp_path: Path) -> None:
    """`python -m ... problem.json | head` ends quietly: no traceback, status 0."""
    # A week of quarter-hours prints far more than a pipe buffers (64 KiB).
    prices = [0.1, 0.3] * 336
    week = problem_to_json(problem(prices, load_kw=[0.5] * len(prices)))
    good = tmp_path / "week.json"
    good.write_text(json.dumps(week), encoding="utf-8")
    with subprocess.Popen(
        [sys.executable, "-m", "custom_components.ems.planner", str(good)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.read(1) == b"{"
        process.stdout.close()
        errors = process.stderr.read().decode()
        assert process.wait(timeout=60) == 0
    assert "Traceback" not in errors


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


_TINY_PROBLEM = """
from datetime import UTC, datetime
from custom_components.ems.planner import Battery, Grid, Problem, plan
case = Problem(
    start=datetime(2026, 3, 10, tzinfo=UTC), slot_minutes=60,
    import_price=[0.1, 0.3, 0.1, 0.4] * 6, export_price=[0.0] * 24,
    pv_kw=[0.0] * 24, load_kw=[0.5] * 24,
    battery=Battery(capacity_kwh=10.0, soc_percent=10.0, min_soc_percent=10.0,
        max_soc_percent=100.0, max_charge_kw=5.0, max_discharge_kw=5.0,
        charge_efficiency=0.95, discharge_efficiency=0.95),
    grid=Grid(),
)
"""


def test_planning_prints_nothing_on_stdout() -> None:
    """A fresh process that plans writes nothing to stdout (HiGHS's banner included)."""
    done = _run_python(
        _TINY_PROBLEM
        + "result = plan(case, 'milp')\n"
        + "assert (result.method, result.status) == ('milp', 'optimal'), result.reason\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


def test_milp_after_another_highs_user_in_the_process() -> None:
    """A default-options HiGHS MIP solved first (another library) leaves the MILP working."""
    done = _run_python(
        """
import highspy
import numpy as np
other = highspy.Highs()
other.setOptionValue("output_flag", False)
other.addVar(0.0, 10.0)
other.addVar(0.0, 1.0)
other.changeColIntegrality(1, highspy.HighsVarType.kInteger)
other.changeColCost(0, -1.0)
other.addRow(-highspy.kHighsInf, 5.0, 2, np.array([0, 1], dtype=np.int32),
    np.array([1.0, 2.0]))
other.run()
assert other.getModelStatus() == highspy.HighsModelStatus.kOptimal
"""
        + _TINY_PROBLEM
        + "result = plan(case, 'milp')\n"
        + "print(result.method, result.status)\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "milp optimal"
