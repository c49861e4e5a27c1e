"""What one replan inside Home Assistant costs at 48 h x 15 min with 4 weeks of history.

`python -m bench.replan`: situations at 14:00 on 24 days of the replay's year, at
15-minute slots (each half-hour value held over its two quarter hours, the next day's
prices repeated to fill 48 h). Times, median and 95th percentile over the days:
- *event loop*: what the coordinator does outside the executor to build the Situation
  from what the sources read (hourly statistics onto slots, the remembered PV forecast);
- *executor*: `plan_situation` (load forecast, PV calibration, the scenarios, the MILP,
  the steady-mode check), which Home Assistant runs in its executor.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
import platform
from statistics import median, quantiles
import time

from custom_components.ems.core.inputs.series import hourly_on_slots
from custom_components.ems.core.situation import (
    ForecastMemory,
    History,
    Prices,
    Situation,
    plan_situation,
)
from custom_components.ems.planner import Grid

from .closed_loop import Knowledge, battery
from .replay_data import load_year

DAYS = 24


def _quarters(values: tuple[float | None, ...]) -> tuple[float | None, ...]:
    return tuple(value for value in values for _ in range(2))


def _hourly(start: datetime, halves: tuple[float | None, ...]) -> dict[datetime, float]:
    """Return the hourly means the recorder's statistics would hold."""
    result: dict[datetime, float] = {}
    for hour in range(len(halves) // 2):
        pair = halves[2 * hour : 2 * hour + 2]
        if None not in pair:
            result[start + timedelta(hours=hour)] = (pair[0] + pair[1]) / 2  # type: ignore[operator]
    return result


def _one(knowledge: Knowledge, index: int) -> tuple[float, float, int]:
    """Return (event-loop ms, executor ms, slots) for the situation at slot `index`."""
    half_hourly = knowledge.situation(index, 5.0)
    prices = half_hourly.prices
    buy = tuple(float(price or 0.0) for price in _quarters(prices.import_price))
    sell = tuple(float(price or 0.0) for price in _quarters(prices.export_price))
    slots = 48 * 4
    buy = (buy + buy[-96:] * 2)[:slots]
    sell = (sell + sell[-96:] * 2)[:slots]
    history = half_hourly.history
    begin = history.start.astimezone(UTC)
    first = half_hourly.now.astimezone(UTC)
    load_hourly = _hourly(begin, history.load_kw)
    pv_hourly = _hourly(begin, history.pv_kw)
    coming = tuple(
        value or 0.0 for value in _quarters(half_hourly.pv_forecast.p50)[-len(buy) :]
    )
    memory = ForecastMemory()
    started = time.perf_counter()
    situation = Situation(
        now=half_hourly.now,
        slot_minutes=15,
        battery=battery(5.0),
        grid=Grid(max_import_kw=11.0),
        prices=Prices(start=first, import_price=buy, export_price=sell),
        pv_forecast=memory.forecast(
            history_start=begin, first=first, minutes=15, coming=coming
        ),
        history=History(
            start=begin,
            load_kw=hourly_on_slots(load_hourly, begin, first, 15),
            pv_kw=hourly_on_slots(pv_hourly, begin, first, 15),
        ),
        time_zone="Europe/Paris",
        mode_caps=False,
    )
    built = time.perf_counter()
    plan_situation(situation)
    done = time.perf_counter()
    return (built - started) * 1000, (done - built) * 1000, slots


def main() -> None:
    """Print the medians and 95th percentiles."""
    year = load_year()
    knowledge = Knowledge(year)
    first_day = 40
    loop_ms, executor_ms = [], []
    for day in range(first_day, first_day + DAYS * 14, 14):
        index = day * 48 + 28  # 14:00 UTC
        loop, executor, _ = _one(knowledge, index)
        loop_ms.append(loop)
        executor_ms.append(executor)
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    print(f"{cpu}, Python {platform.python_version()}, {len(loop_ms)} situations")
    for name, values in (("event loop", loop_ms), ("executor", executor_ms)):
        p95 = quantiles(values, n=20)[-1]
        print(f"{name}: median {median(values):.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()
