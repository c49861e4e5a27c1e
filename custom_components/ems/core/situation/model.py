"""What is known at a moment (FORMAT.md "Situation"), read from JSON or built by the glue.

A Situation holds only knowledge: the battery's state and limits, the published prices,
the PV forecast, the measured history and temperatures. How load is forecast, how
uncertainty is handled and what stored energy is worth at the horizon's end are the
planner's choice (`core.planning_policy.plan_situation`), the same for the command line,
the benchmark and Home Assistant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
import math
from typing import Any

from custom_components.ems.core.inputs.series import floor_instant
from custom_components.ems.planner import (
    Battery,
    Grid,
    InverterMode,
    Load,
    ProblemError,
    ReserveWindow,
    Strategy,
)
from custom_components.ems.planner.codec import (
    battery_from_json,
    grid_from_json,
    load_to_json,
    loads_from_json,
)
from custom_components.ems.planner.loads import validate_loads
from custom_components.ems.planner.model import validate_battery

from .demand import DemandTariff, demand_from_json, demand_to_json


@dataclass(frozen=True, kw_only=True, slots=True)
class Prices:
    """Retail prices per kWh, one per slot from `start`, as far as published."""

    start: datetime
    import_price: tuple[float, ...]
    export_price: tuple[float, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class PvForecast:
    """PV forecast in kW per slot from `start`: median and, when known, p10 and p90.

    It may start before the current slot: the forecast past slots had then (what the
    planner calibrates against the measured history). None: no forecast for that slot.
    """

    start: datetime
    p50: tuple[float | None, ...]
    p10: tuple[float | None, ...] | None = None
    p90: tuple[float | None, ...] | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class History:
    """Measured mean kW per slot from `start` up to the current slot; None = not measured."""

    start: datetime
    load_kw: tuple[float | None, ...]
    pv_kw: tuple[float | None, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Temperatures:
    """Temperatures in °C per slot from `start`, past and forecast; None = unknown."""

    start: datetime
    values: tuple[float | None, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Command:
    """What the inverter was told for the slot before (a plan slot's mode and caps)."""

    mode: InverterMode
    battery_kw: float = 0.0
    max_charge_kw: float | None = None
    max_discharge_kw: float | None = None
    since: datetime | None = None
    """When this mode began (None: long enough ago)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Situation:
    """Everything known at `now` (see FORMAT.md).

    Beyond FORMAT.md: `time_zone` (IANA name; without it the offset of `now` is taken
    as the local clock of the load profile), `reserve_soc_percent` (a floor kept over
    the whole horizon), `reserve` (a floor kept from its start to its end, such as a
    storm warning's; it takes the place of `reserve_soc_percent`), `previous` (the
    command the inverter carries out now, which a new plan replaces only when that
    pays), `mode_caps` (False: the inverter is driven with hold and plain self use
    only, no charge or discharge limit in self use), `loads` (FORMAT.md's problem
    `loads`, planned with the battery), `strategy` (what the plan minimises before its
    cost, planner/strategy.py) and `demand_charge` (the bill's demand charge and the
    peak this billing period so far, see .demand).
    """

    now: datetime
    slot_minutes: int
    battery: Battery
    grid: Grid
    prices: Prices
    pv_forecast: PvForecast
    history: History
    temperatures: Temperatures | None = None
    time_zone: str | None = None
    reserve_soc_percent: float | None = None
    reserve: ReserveWindow | None = None
    previous: Command | None = None
    mode_caps: bool = True
    loads: tuple[Load, ...] = ()
    strategy: Strategy = Strategy.COST
    demand_charge: DemandTariff | None = None

    def __post_init__(self) -> None:
        """Reject what cannot be planned from, with ProblemError."""
        object.__setattr__(self, "loads", tuple(self.loads))
        _validate(self)

    @property
    def slot(self) -> timedelta:
        """Return the slot length."""
        return timedelta(minutes=self.slot_minutes)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ProblemError(message)


def _validate(situation: Situation) -> None:
    validate_battery(situation.battery)
    validate_loads(situation.loads)
    moments = [
        ("now", situation.now),
        ("prices start", situation.prices.start),
        ("pv_forecast start", situation.pv_forecast.start),
        ("history start", situation.history.start),
    ]
    for name, moment in moments:
        _check(
            moment.tzinfo is not None and moment.utcoffset() is not None,
            f"{name} must carry a UTC offset",
        )
    _check(situation.slot_minutes in (15, 30, 60), "slot_minutes must be 15, 30 or 60")
    prices = situation.prices
    _check(
        len(prices.import_price) == len(prices.export_price),
        "prices import and export differ in length",
    )
    pv = situation.pv_forecast
    for name, series in (("p10", pv.p10), ("p90", pv.p90)):
        _check(
            series is None or len(series) == len(pv.p50),
            f"pv_forecast {name} and p50 differ in length",
        )
    history = situation.history
    _check(
        len(history.load_kw) == len(history.pv_kw),
        "history load_kw and pv_kw differ in length",
    )
    for name, start in (
        ("prices", prices.start),
        ("pv_forecast", pv.start),
        ("history", history.start),
    ):
        _check(
            floor_instant(start, situation.slot).timestamp() == start.timestamp(),
            f"{name} start {start.isoformat()} is not a slot boundary",
        )


def _moment(data: Mapping[str, Any], key: str) -> datetime:
    value = data.get(key)
    if not isinstance(value, str):
        raise ProblemError(f"field {key!r}: expected an ISO 8601 string")
    try:
        return datetime.fromisoformat(value)
    except ValueError as err:
        raise ProblemError(f"field {key!r}: {err}") from err


def _numbers(data: Mapping[str, Any], key: str, *, gaps: bool = False) -> Any:
    values = data.get(key)
    if not isinstance(values, list):
        raise ProblemError(f"field {key!r}: expected a list of numbers")
    result: list[float | None] = []
    for index, value in enumerate(values):
        if value is None and gaps:
            result.append(None)
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ProblemError(f"{key}[{index}] is not a number")
        if not math.isfinite(value):
            raise ProblemError(f"{key}[{index}] is not a finite number")
        result.append(float(value))
    return tuple(result)


def _optional(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProblemError(f"field {key!r} must be a number")
    return float(value)


def _object(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    section = data.get(key)
    if not isinstance(section, Mapping):
        raise ProblemError(f"missing object {key!r}")
    return section


def situation_from_json(data: Mapping[str, Any]) -> Situation:
    """Build a validated Situation from FORMAT.md's situation object."""
    if not isinstance(data, Mapping):
        raise ProblemError("the situation must be a JSON object")
    prices = _object(data, "prices")
    pv = _object(data, "pv_forecast")
    history = _object(data, "history")
    temperatures = None
    if (section := data.get("temperature_c")) is not None:
        if not isinstance(section, Mapping):
            raise ProblemError("field 'temperature_c' must be an object")
        temperatures = Temperatures(
            start=_moment(section, "start"),
            values=_numbers(section, "values", gaps=True),
        )
    slot_minutes = data.get("slot_minutes")
    if not isinstance(slot_minutes, int) or isinstance(slot_minutes, bool):
        raise ProblemError("field 'slot_minutes' must be a whole number")
    previous = None
    if (section := data.get("previous")) is not None:
        if not isinstance(section, Mapping) or section.get("mode") not in set(
            InverterMode
        ):
            raise ProblemError("field 'previous' needs a known 'mode'")
        previous = Command(
            mode=InverterMode(section["mode"]),
            battery_kw=_optional(section, "battery_kw") or 0.0,
            max_charge_kw=_optional(section, "max_charge_kw"),
            max_discharge_kw=_optional(section, "max_discharge_kw"),
            since=None if section.get("since") is None else _moment(section, "since"),
        )
    zone = data.get("time_zone")
    reserve = data.get("reserve_soc_percent")
    if reserve is not None and not isinstance(reserve, int | float):
        raise ProblemError("field 'reserve_soc_percent' must be a number")
    window = None
    if (section := data.get("reserve")) is not None:
        if not isinstance(section, Mapping):
            raise ProblemError("field 'reserve' must be an object")
        floor = _optional(section, "min_soc_percent")
        if floor is None:
            raise ProblemError("field 'reserve' needs 'min_soc_percent'")
        window = ReserveWindow(
            start=_moment(section, "start"),
            end=_moment(section, "end"),
            min_soc_percent=floor,
        )
    strategy = data.get("strategy", Strategy.COST)
    if strategy not in set(Strategy):
        raise ProblemError(f"unknown strategy {strategy!r}: use " + ", ".join(Strategy))
    charge = data.get("demand_charge")
    return Situation(
        now=_moment(data, "now"),
        slot_minutes=slot_minutes,
        battery=battery_from_json(_object(data, "battery")),
        grid=grid_from_json(data.get("grid") or {}),
        prices=Prices(
            start=_moment(prices, "start"),
            import_price=_numbers(prices, "import"),
            export_price=_numbers(prices, "export"),
        ),
        pv_forecast=PvForecast(
            start=_moment(pv, "start"),
            p50=_numbers(pv, "p50", gaps=True),
            p10=None if pv.get("p10") is None else _numbers(pv, "p10", gaps=True),
            p90=None if pv.get("p90") is None else _numbers(pv, "p90", gaps=True),
        ),
        history=History(
            start=_moment(history, "start"),
            load_kw=_numbers(history, "load_kw", gaps=True),
            pv_kw=_numbers(history, "pv_kw", gaps=True),
        ),
        temperatures=temperatures,
        time_zone=zone if isinstance(zone, str) else None,
        reserve_soc_percent=None if reserve is None else float(reserve),
        reserve=window,
        previous=previous,
        mode_caps=data.get("mode_caps", True) is not False,
        loads=loads_from_json(data.get("loads")),
        strategy=Strategy(strategy),
        demand_charge=None if charge is None else demand_from_json(charge),
    )


def _listed(values: Sequence[float | None]) -> list[float | None]:
    return list(values)


def situation_to_json(situation: Situation) -> dict[str, Any]:
    """Return FORMAT.md's situation object (optional parts only when set)."""
    battery = situation.battery
    pv = situation.pv_forecast
    data: dict[str, Any] = {
        "now": situation.now.isoformat(),
        "slot_minutes": situation.slot_minutes,
        "battery": {
            name: getattr(battery, name) for name in Battery.__dataclass_fields__
        },
        "grid": {
            "max_import_kw": situation.grid.max_import_kw,
            "max_export_kw": situation.grid.max_export_kw,
        },
        "prices": {
            "start": situation.prices.start.isoformat(),
            "import": list(situation.prices.import_price),
            "export": list(situation.prices.export_price),
        },
        "pv_forecast": {"start": pv.start.isoformat(), "p50": list(pv.p50)}
        | ({} if pv.p10 is None else {"p10": list(pv.p10)})
        | ({} if pv.p90 is None else {"p90": list(pv.p90)}),
        "history": {
            "start": situation.history.start.isoformat(),
            "load_kw": _listed(situation.history.load_kw),
            "pv_kw": _listed(situation.history.pv_kw),
        },
    }
    if (temperatures := situation.temperatures) is not None:
        data["temperature_c"] = {
            "start": temperatures.start.isoformat(),
            "values": _listed(temperatures.values),
        }
    if situation.time_zone is not None:
        data["time_zone"] = situation.time_zone
    if situation.reserve_soc_percent is not None:
        data["reserve_soc_percent"] = situation.reserve_soc_percent
    if not situation.mode_caps:
        data["mode_caps"] = False
    if situation.strategy is not Strategy.COST:
        data["strategy"] = situation.strategy.value
    if situation.demand_charge is not None:
        data["demand_charge"] = demand_to_json(situation.demand_charge)
    if (window := situation.reserve) is not None:
        data["reserve"] = {
            "start": window.start.isoformat(),
            "end": window.end.isoformat(),
            "min_soc_percent": window.min_soc_percent,
        }
    if situation.loads:
        data["loads"] = [load_to_json(load) for load in situation.loads]
    if (previous := situation.previous) is not None:
        data["previous"] = {
            "mode": previous.mode.value,
            "battery_kw": previous.battery_kw,
        } | {
            key: value
            for key, value in (
                ("max_charge_kw", previous.max_charge_kw),
                ("max_discharge_kw", previous.max_discharge_kw),
                ("since", previous.since and previous.since.isoformat()),
            )
            if value is not None
        }
    return data
