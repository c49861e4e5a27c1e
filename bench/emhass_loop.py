"""EMHASS as the peer in the closed loop: the same inputs, the same execution.

Each slot EMHASS's MPC (`bench.emhass_runner --stream`, in .venv-emhass) plans from
the Problem ems would plan from (prices as published, the project's load forecast,
the calibrated PV forecast), with the final SoC of ems's own plan of that Problem as
its terminal target (EMHASS has no value of stored energy; an oracle in its favour).
Its first slot becomes a mode the way a user's automation would (below) and
`bench.execute` carries it out.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path
import subprocess
import time
from typing import IO, Any

from custom_components.ems.core.situation import Policy, situation_problem
from custom_components.ems.planner import Problem, plan, problem_to_json

from .closed_loop import Decide, Knowledge
from .execute import Command

ROOT = Path(__file__).resolve().parents[1]
EMHASS_PYTHON = ROOT / ".venv-emhass" / "bin" / "python"
_KW = 1e-3


def mode_of(problem: Problem, battery_kw: float) -> Command:
    """Return a battery power as an inverter mode, judged by the forecast house.

    More charge than the forecast surplus is grid charging, more discharge than the
    forecast deficit is export; an idle battery with PV or load to serve is hold; the
    rest is self use.
    """
    surplus = problem.pv_kw[0] - problem.load_kw[0]
    if battery_kw > max(surplus, 0.0) + _KW:
        return Command(mode="force_charge", battery_kw=battery_kw)
    if -battery_kw > max(-surplus, 0.0) + _KW:
        return Command(mode="force_discharge", battery_kw=battery_kw)
    if abs(battery_kw) <= _KW and abs(surplus) > _KW:
        return Command(mode="hold")
    return Command(mode="self_use")


@dataclass(kw_only=True)
class Emhass:
    """One EMHASS process answering one problem at a time."""

    process: subprocess.Popen[str]

    @classmethod
    def start(cls) -> Emhass:
        """Start the runner in EMHASS's environment."""
        process = subprocess.Popen(  # noqa: S603 - our own runner
            [str(EMHASS_PYTHON), "-m", "bench.emhass_runner", "--stream"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        return cls(process=process)

    def solve(self, problem: Problem, soc_final_percent: float) -> dict[str, Any]:
        """Return EMHASS's answer for one problem."""
        pipe_in: IO[str] | None = self.process.stdin
        pipe_out: IO[str] | None = self.process.stdout
        assert pipe_in is not None and pipe_out is not None
        job = {
            "problem": problem_to_json(problem),
            "soc_final_percent": soc_final_percent,
        }
        pipe_in.write(json.dumps(job) + "\n")
        pipe_in.flush()
        answer: dict[str, Any] = json.loads(pipe_out.readline())
        return answer

    def close(self) -> None:
        """End the process."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def emhass(knowledge: Knowledge, policy: Policy, runner: Emhass) -> Decide:
    """EMHASS deciding each slot from what ems would plan from."""

    def decide(index: int, stored_kwh: float) -> tuple[Command, float]:
        problem = situation_problem(knowledge.situation(index, stored_kwh), policy)
        target = plan(problem).slots[-1].soc_percent
        started = time.perf_counter()
        answer = runner.solve(problem, target)
        seconds = time.perf_counter() - started
        return mode_of(problem, answer["battery_kw"][0]), seconds

    return decide
