"""The MILP's column layout and its lazy charge/discharge binaries (see `milp.py`).

Per block (forecast or scenario) 6N columns: charge, discharge, import, export,
curtailment and stored energy, each N slots long. `LazyBinaries.solve` runs HiGHS and
adds a binary for every slot whose solution charges and discharges at once, until
none does; the binaries stay for a later solve of the same model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import time
from typing import Any

import numpy as np

from .limits import FloatArray
from .milp_loads import HIGHS_INF

CHARGE, DISCHARGE, IMPORT, EXPORT, CURTAIL, STORED = range(6)
_SIMULTANEOUS_KW = 1e-6


class SolverFailed(RuntimeError):
    """The MILP solver did not return an optimal schedule."""


def add_binaries(
    highs: Any, pairs: list[tuple[int, int, float, float]], first_column: int
) -> None:
    """For each (a, b, cap_a, cap_b) add y in {0,1}: a <= cap_a y, b <= cap_b (1 - y)."""
    count = len(pairs)
    highs.addCols(
        count,
        np.zeros(count),
        np.zeros(count),
        np.ones(count),
        0,
        np.zeros(0, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0),
    )
    new = np.arange(first_column, first_column + count, dtype=np.int32)
    highs.changeColsIntegrality(count, new, np.ones(count, dtype=np.uint8))
    index: list[int] = []
    value: list[float] = []
    upper: list[float] = []
    for (a, b, cap_a, cap_b), binary in zip(pairs, new.tolist(), strict=True):
        index += [a, binary, b, binary]
        value += [1.0, -cap_a, 1.0, cap_b]
        upper += [0.0, cap_b]
    highs.addRows(
        2 * count,
        np.full(2 * count, -HIGHS_INF),
        np.array(upper),
        4 * count,
        np.arange(0, 4 * count, 2, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(value),
    )


@dataclass(kw_only=True)
class LazyBinaries:
    """Solves a passed model, adding binaries where charge and discharge overlap."""

    highspy: Any
    highs: Any
    columns: int  # columns in the model so far
    size: int  # slots
    blocks: int
    max_charge_kw: float
    max_discharge_kw: float
    deadline: float
    binaries: int = 0
    bound: set[int] = field(default_factory=set)  # charge columns with a binary

    def solve(self, pending: list[tuple[int, int, float, float]]) -> FloatArray:
        """Solve until no slot charges and discharges at once; return the solution."""
        highs, highspy, size = self.highs, self.highspy, self.size
        while True:
            if pending:
                add_binaries(highs, pending, self.columns)
                self.columns += len(pending)
                self.binaries += len(pending)
            remaining = self.deadline - time.perf_counter()
            if remaining <= 0.0:
                raise SolverFailed("time limit reached")
            highs.setOptionValue("time_limit", remaining)
            highs.run()
            status = highs.getModelStatus()
            if status == highspy.HighsModelStatus.kInfeasible:
                # MIP presolve can misjudge near-degenerate data (values near
                # tolerances): the model always has a solution (an idle battery), so
                # solve without it.
                highs.setOptionValue("presolve", "off")
                highs.run()
                status = highs.getModelStatus()
            if status != highspy.HighsModelStatus.kOptimal:
                raise SolverFailed(highs.modelStatusToString(status).lower())
            solution = np.asarray(highs.getSolution().col_value)
            charge, discharge = self.battery(solution)
            # A slot that has its binary already shows at most the solver's
            # integrality tolerance times the power cap: that is noise, and the net
            # power is exact.
            both = [
                column
                for block, t in np.argwhere(
                    np.minimum(charge, discharge) > _SIMULTANEOUS_KW
                )
                if (column := 6 * size * int(block) + CHARGE * size + int(t))
                not in self.bound
            ]
            self.bound.update(both)
            if not both:
                return solution
            pending = self._pairs(both)

    def every_battery_pair(self) -> list[tuple[int, int, float, float]]:
        """Return the charge/discharge binaries of every slot not bound yet (now bound)."""
        size = self.size
        columns = [
            6 * size * block + CHARGE * size + t
            for block in range(self.blocks)
            for t in range(size)
            if 6 * size * block + CHARGE * size + t not in self.bound
        ]
        self.bound.update(columns)
        return self._pairs(columns)

    def _pairs(self, charge_columns: list[int]) -> list[tuple[int, int, float, float]]:
        """Return the (charge, discharge, caps) pairs that get a binary each."""
        step = (DISCHARGE - CHARGE) * self.size
        return [
            (column, column + step, self.max_charge_kw, self.max_discharge_kw)
            for column in charge_columns
        ]

    def battery(self, solution: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Return charge and discharge per block and slot of a solution."""
        per_block = solution[: 6 * self.size * self.blocks].reshape(
            self.blocks, 6, self.size
        )
        return per_block[:, CHARGE], per_block[:, DISCHARGE]

    def bound_row(self, terms: list[tuple[int, float]], upper: float) -> None:
        """Add the row sum weight * column <= upper."""
        self.highs.addRow(
            -HIGHS_INF,
            upper,
            len(terms),
            np.array([column for column, _ in terms], dtype=np.int32),
            np.array([weight for _, weight in terms]),
        )
