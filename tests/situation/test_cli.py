"""`python -m custom_components.ems.planner --situation FILE`: the same path, no Home Assistant."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
import json
from pathlib import Path
import subprocess
import sys
from typing import Any

from custom_components.ems.core.situation import (
    History,
    Prices,
    PvForecast,
    Situation,
    plan_situation,
    situation_to_json,
)
from custom_components.ems.planner import plan_to_json

from .real_day import situation

ROOT = Path(__file__).resolve().parents[2]


def _cli(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "custom_components.ems.planner",
            "--situation",
            str(path),
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def _without_timing(plan: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in plan.items() if key != "solve_seconds"}


def test_the_cli_plans_as_the_integration_does(tmp_path: Path) -> None:
    """Same Situation, same plan as `plan_situation` in-process; nothing else on stdout."""
    known = situation()
    path = tmp_path / "situation.json"
    path.write_text(json.dumps(situation_to_json(known)), encoding="utf-8")
    completed = _cli(path)
    assert completed.returncode == 0, completed.stderr
    printed = json.loads(completed.stdout)
    expected = plan_to_json(plan_situation(known)[1])
    assert _without_timing(printed) == json.loads(json.dumps(_without_timing(expected)))
    imported = [
        line for line in completed.stderr.splitlines() if "import time:" in line
    ]
    assert imported, "no import trace"
    assert not [line for line in imported if "homeassistant" in line]


def _quarter_hours(known: Situation) -> Situation:
    """Return the real day at 15 minutes over 48 hours (prices and PV repeated)."""

    def halves(values: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(value for value in values for _ in (0, 1))

    prices = known.prices
    return replace(
        known,
        slot_minutes=15,
        prices=Prices(
            start=prices.start,
            import_price=halves(prices.import_price * 4)[:192],
            export_price=halves(prices.export_price * 4)[:192],
        ),
        pv_forecast=PvForecast(
            start=known.pv_forecast.start,
            p50=halves(known.pv_forecast.p50 + known.pv_forecast.p50[-48:] * 2),
        ),
        history=History(
            start=known.history.start,
            load_kw=halves(known.history.load_kw),
            pv_kw=halves(known.history.pv_kw),
        ),
    )


def test_a_two_day_quarter_hour_situation(tmp_path: Path) -> None:
    """48 h x 15 min: 192 slots planned, the first at 10:00."""
    known = _quarter_hours(situation())
    assert len(known.prices.import_price) == 192
    path = tmp_path / "situation.json"
    path.write_text(json.dumps(situation_to_json(known)), encoding="utf-8")
    completed = _cli(path)
    assert completed.returncode == 0, completed.stderr
    printed = json.loads(completed.stdout)
    assert len(printed["slots"]) == 192
    assert printed["slots"][0]["start"] == "2024-10-27T10:00:00+01:00"
    assert printed["status"] == "optimal"


def test_a_bad_situation_is_one_line_and_status_two(tmp_path: Path) -> None:
    """Invalid JSON content: a one-line error on stderr, nothing on stdout."""
    data = situation_to_json(situation())
    data["prices"]["start"] = (situation().prices.start + timedelta(days=2)).isoformat()
    path = tmp_path / "late.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    completed = _cli(path)
    assert completed.returncode == 2
    assert completed.stdout == ""
    errors = [
        line for line in completed.stderr.splitlines() if "import time:" not in line
    ]
    assert errors == [
        (
            "error: cannot plan the situation: no price for the slot at "
            "2024-10-27T09:00:00+00:00"
        )
    ]
