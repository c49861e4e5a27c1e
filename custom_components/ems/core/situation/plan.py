"""Plan from a Situation: the one path from what is known to a Plan.

The command line (`--situation`), the closed-loop benchmark and Home Assistant all call
`plan_situation`. It forecasts the load from the history, calibrates the PV forecast
against what was measured, values what is left in the battery at the horizon's end,
describes how wrong the forecasts may be (scenarios) and plans.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from zoneinfo import ZoneInfo

import numpy as np

from custom_components.ems.core.inputs.load_model import (
    FloatArray,
    LoadModel,
    SlotHistory,
    forecast_slots,
    slot_keys,
)
from custom_components.ems.core.inputs.pv_model import calibrate, fade_in, recent_level
from custom_components.ems.core.inputs.series import floor_instant
from custom_components.ems.planner import (
    Method,
    Plan,
    PlanSlot,
    Problem,
    ProblemError,
    ReserveWindow,
    Scenario,
    Strategy,
    plan,
)
from custom_components.ems.planner.explain import SlotMode, first_slot_kw, same_mode
from custom_components.ems.planner.limits import derive

from .demand import demand_charge
from .model import Command, Situation
from .policy import Policy
from .uncertainty import recent_days

DEFAULT_LOAD_KW = 0.5
"""Load assumed with no history at all."""


def _floats(values: FloatArray) -> tuple[float, ...]:
    return tuple(float(value) for value in values)


def _zone(situation: Situation) -> tzinfo:
    if situation.time_zone is not None:
        try:
            return ZoneInfo(situation.time_zone)
        except (KeyError, ValueError) as err:
            raise ProblemError(f"unknown time zone {situation.time_zone!r}") from err
    zone = situation.now.tzinfo
    assert zone is not None  # checked by Situation
    return zone


def _on_grid(
    start: datetime,
    values: tuple[float | None, ...],
    *,
    first: datetime,
    past: int,
    count: int,
    slot: timedelta,
) -> FloatArray:
    """Return a series starting at `start` on the slots first - past .. first + count.

    NaN where the series has no value.
    """
    offset = round((first - start.astimezone(UTC)) / slot) - past
    result = np.full(past + count, np.nan)
    begin, end = max(offset, 0), min(offset + past + count, len(values))
    if begin < end:
        result[begin - offset : end - offset] = [
            np.nan if value is None else value for value in values[begin:end]
        ]
    return result


def forecast_load(
    situation: Situation, first: datetime, count: int, model: LoadModel
) -> tuple[float, ...]:
    """Mean load per slot from `first` for `count` slots, from the history only."""
    slot = situation.slot
    history = situation.history
    history_start = history.start.astimezone(UTC)
    known_until = min(round((first - history_start) / slot), len(history.load_kw))
    values = history.load_kw[: max(known_until, 0)]
    known = [value for value in values if value is not None and value >= 0.0]
    fallback = sum(known[-4:]) / len(known[-4:]) if known else DEFAULT_LOAD_KW
    lag = round((first - history_start) / slot) - len(values)
    forecast = forecast_slots(
        SlotHistory(start=history_start, minutes=situation.slot_minutes, values=values),
        count=count + lag,
        zone=_zone(situation),
        fallback_kw=fallback,
        model=model,
    )
    return forecast[lag:]


@dataclass(frozen=True, kw_only=True, slots=True)
class _Pv:
    """The PV to plan with, and the past forecasts next to what was measured."""

    coming: FloatArray
    past_forecast: FloatArray
    past_measured: FloatArray


def _pv(situation: Situation, first: datetime, count: int, policy: Policy) -> _Pv:
    """PV per slot from `first`: the p50, gaps filled, scaled by its past accuracy.

    A slot without a forecast takes the PV measured a whole number of days (of 24 h)
    earlier, the latest one measured before `first`.
    """
    slot = situation.slot
    minutes = situation.slot_minutes
    history = situation.history
    past = max(round((first - history.start.astimezone(UTC)) / slot), 0)
    forecast = _on_grid(
        situation.pv_forecast.start,
        situation.pv_forecast.p50,
        first=first,
        past=past,
        count=count,
        slot=slot,
    )
    measured = _on_grid(
        history.start, history.pv_kw, first=first, past=past, count=0, slot=slot
    )
    coming = forecast[past:]
    per_day = round(timedelta(days=1) / slot)
    leads = np.arange(count)
    back = past + leads - per_day * (leads // per_day + 1)
    previous = np.where(back >= 0, measured[np.maximum(back, 0)], 0.0)
    coming = np.where(np.isnan(coming), np.nan_to_num(previous), coming)
    past_forecast = forecast[:past]
    if policy.calibrate_pv and past > 0:
        zone = _zone(situation)
        ratio = calibrate(
            start=first - past * slot,
            minutes=minutes,
            forecast=past_forecast,
            measured=measured,
            zone=zone,
        )
        coming = coming * ratio[slot_keys(first, count, minutes, zone)[0]]
        past_forecast = (
            past_forecast
            * ratio[slot_keys(first - past * slot, past, minutes, zone)[0]]
        )
    level = (
        recent_level(forecast=past_forecast, measured=measured, minutes=minutes)
        if policy.pv_level_half_life_hours > 0.0 and past > 0
        else None
    )
    if level is not None:
        coming = coming * fade_in(
            level, count, minutes, policy.pv_level_half_life_hours
        )
    return _Pv(coming=coming, past_forecast=past_forecast, past_measured=measured)


def _reserve(
    situation: Situation, first: datetime, end: datetime
) -> ReserveWindow | None:
    """Return the reserve window within [first, end), if it raises the floor."""
    battery = situation.battery
    window = situation.reserve
    if window is None:
        floor = situation.reserve_soc_percent
        if floor is None:
            return None
        window = ReserveWindow(start=first, end=end, min_soc_percent=floor)
    begin = max(window.start.astimezone(UTC), first)
    until = min(window.end.astimezone(UTC), end)
    if window.min_soc_percent <= battery.min_soc_percent or until <= begin:
        return None
    return ReserveWindow(
        start=begin,
        end=until,
        min_soc_percent=min(window.min_soc_percent, battery.max_soc_percent),
    )


def _prepare(
    situation: Situation, policy: Policy
) -> tuple[Problem, tuple[Scenario, ...]]:
    """Return the deterministic Problem (forecast PV and load) and its scenarios."""
    slot = situation.slot
    first = floor_instant(situation.now, slot)
    prices = situation.prices
    offset = round((first - prices.start.astimezone(UTC)) / slot)
    count = len(prices.import_price) - offset
    if offset < 0 or count <= 0:
        raise ProblemError(f"no price for the slot at {first.isoformat()}")
    import_price = prices.import_price[offset:]
    battery = situation.battery
    reserve = _reserve(situation, first, first + count * slot)
    pv = _pv(situation, first, count, policy)
    load = forecast_load(situation, first, count, policy.load_model)
    problem = Problem(
        start=first.astimezone(situation.now.tzinfo),
        slot_minutes=situation.slot_minutes,
        import_price=import_price,
        export_price=prices.export_price[offset:],
        pv_kw=_floats(pv.coming),
        load_kw=load,
        battery=battery,
        grid=situation.grid,
        terminal_value_per_kwh=max(min(import_price), 0.0)
        * battery.discharge_efficiency,
        reserve=reserve,
        loads=situation.loads,
        strategy=situation.strategy,
        demand_charge=None
        if situation.demand_charge is None
        else demand_charge(
            situation.demand_charge, first, count, slot, _zone(situation)
        ),
    )
    # Smoothing weighs grid variation, not money: its MILP is hard enough for one
    # future (seconds at 48 h x 15 min), the recent days would take it past its limit.
    if policy.scenario_days == 0 or situation.strategy is Strategy.SMOOTHING:
        return problem, ()
    history = situation.history
    past = pv.past_measured.size
    return problem, recent_days(
        first=first,
        minutes=situation.slot_minutes,
        zone=_zone(situation),
        days=policy.scenario_days,
        load_kw=np.array(problem.load_kw, dtype=float),
        pv_kw=np.array(problem.pv_kw, dtype=float),
        past_load=_on_grid(
            history.start, history.load_kw, first=first, past=past, count=0, slot=slot
        ),
        past_pv=pv.past_measured,
        past_pv_forecast=pv.past_forecast,
    )


def situation_problem(situation: Situation, policy: Policy | None = None) -> Problem:
    """Return the deterministic Problem the Situation leads to (forecast PV and load)."""
    return _prepare(situation, policy or Policy())[0]


def _told(command: Command | PlanSlot) -> SlotMode:
    """Return the mode and caps a command (or a plan's slot) tells the inverter."""
    return SlotMode(
        mode=command.mode,
        max_charge_kw=command.max_charge_kw,
        max_discharge_kw=command.max_discharge_kw,
    )


def _hedged_first_kw(
    problem: Problem, futures: tuple[Scenario, ...], solve: Callable[..., Plan]
) -> tuple[Plan, float | None]:
    """Return the plan for the forecast and the first slot's kW chosen for the scenarios.

    The MILP with the loads' binaries in every scenario is too slow for Home Assistant
    (it reached 10 s on 48 h x 15 min): the loads are placed for the forecast first,
    then held as house load while the scenarios choose the first slot (None if that
    fails).
    """
    placed = solve(problem, "milp")
    if placed.method != "milp":
        return placed, None
    fixed = np.array([sum(slot.loads_kw.values()) for slot in placed.slots])
    around = replace(
        problem, load_kw=tuple(np.asarray(problem.load_kw) + fixed), loads=()
    )
    hedged = solve(
        around,
        "milp",
        scenarios=tuple(
            replace(future, load_kw=tuple(np.asarray(future.load_kw) + fixed))
            for future in futures
        ),
    )
    return placed, hedged.slots[0].battery_kw if hedged.method == "milp" else None


def running_command(previous: Command | None, plan: Plan, now: datetime) -> Command:
    """Return the command the plan's first slot gives, and since when its mode runs.

    The next Situation's `previous`: the mode keeps its start while a new plan gives
    the same mode (caps may change), and starts `now` when the mode changes.
    """
    first = plan.slots[0]
    same = previous is not None and same_mode(_told(first), _told(previous))
    return Command(
        mode=first.mode,
        battery_kw=first.battery_kw,
        max_charge_kw=first.max_charge_kw,
        max_discharge_kw=first.max_discharge_kw,
        since=previous.since if previous is not None and same else now,
    )


def plan_situation(
    situation: Situation,
    *,
    method: Method = "milp",
    policy: Policy | None = None,
    time_limit: float = 10.0,
) -> tuple[Problem, Plan]:
    """Plan from what the Situation knows; return the Problem and the Plan.

    The Problem is the deterministic one (forecast PV and load), for explanations and
    charts; the Plan's first slot is also chosen for the scenarios (see `Policy`).
    A plan that would change the inverter's mode is kept only if it is expected to
    save more than `Policy.switch_cost` over keeping the previous command for a slot
    (with the cost strategy; the others follow their plan from the first slot).
    With controllable loads the scenarios choose the first slot's battery power around
    the loads as the forecast places them (`_hedged_first_kw`); the plan then places
    the loads with the battery exactly, that first slot given.
    """
    policy = policy or Policy()
    problem, futures = _prepare(situation, policy)
    solve = partial(
        plan,
        time_limit=time_limit,
        caps=policy.caps and situation.mode_caps,
        hurdle=policy.margin,
    )

    def planned(first_kw: float | None = None) -> Plan:
        if problem.loads and futures and first_kw is None and method == "milp":
            placed, first_kw = _hedged_first_kw(problem, futures, solve)
            if first_kw is None or abs(first_kw - placed.slots[0].battery_kw) < 1e-6:
                return placed
        return solve(
            problem,
            method,
            scenarios=() if problem.loads else futures,
            first_kw=first_kw,
        )

    result = planned()
    previous = situation.previous
    # The switch cost and the dwell weigh money: only the cost strategy keeps a mode.
    steady = situation.strategy is Strategy.COST and (
        policy.switch_cost > 0.0 or policy.dwell > timedelta()
    )
    if previous is None or not steady or result.expected_cost is None:
        return problem, result
    running = _told(previous)
    if same_mode(_told(result.slots[0]), running):
        return problem, result
    kept = planned(
        first_slot_kw(problem, derive(problem), running, previous.battery_kw)
    )
    young = (
        previous.since is not None
        and situation.now.astimezone(UTC) - previous.since.astimezone(UTC)
        < policy.dwell
    )
    if not young and (
        kept.expected_cost is None
        or kept.expected_cost - result.expected_cost >= policy.switch_cost
    ):
        return problem, result
    slot = replace(
        kept.slots[0],
        mode=running.mode,
        max_charge_kw=running.max_charge_kw,
        max_discharge_kw=running.max_discharge_kw,
    )
    return problem, replace(kept, slots=(slot, *kept.slots[1:]))
