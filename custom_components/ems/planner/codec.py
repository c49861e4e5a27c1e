"""JSON shapes of FORMAT.md: problem in, plan out (plus optional planner options)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from .errors import ProblemError
from .loads import DeferrableLoad, DemandCharge, Load, ModulatingLoad, OptionalLoad
from .model import Battery, ChargeTaper, Grid, Problem, ReserveWindow, SocTarget
from .result import Plan, PlanSlot
from .strategy import Strategy


def _field[T](data: Mapping[str, Any], key: str, convert: Callable[[Any], T]) -> T:
    if key not in data:
        raise ProblemError(f"missing field {key!r}")
    try:
        return convert(data[key])
    except (TypeError, ValueError) as err:
        raise ProblemError(f"field {key!r}: {err}") from err


def _moment(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError("expected an ISO 8601 string")
    return datetime.fromisoformat(value)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _optional_number(data: Mapping[str, Any], key: str, default: float) -> float:
    return default if data.get(key) is None else _field(data, key, _number)


def _series(value: Any) -> tuple[float, ...]:
    if not isinstance(value, list):
        raise TypeError("expected a list of numbers")
    return tuple(_number(item) for item in value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _whole(value: Any) -> int:
    number = _number(value)
    if number != int(number):
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(number)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def _flags(value: Any) -> tuple[bool, ...]:
    if not isinstance(value, list):
        raise TypeError("expected a list of true/false")
    return tuple(_boolean(item) for item in value)


def _optional[T](
    data: Mapping[str, Any], key: str, convert: Callable[[Any], T], default: T
) -> T:
    return default if data.get(key) is None else _field(data, key, convert)


def _strategy(value: Any) -> Strategy:
    if value not in set(Strategy):
        raise ValueError(f"unknown strategy {value!r}: use " + ", ".join(Strategy))
    return Strategy(value)


def _load_from_json(data: Any) -> Load:
    if not isinstance(data, Mapping):
        raise ProblemError("each load must be an object")
    kind = data.get("kind")
    name = _field(data, "id", _text)
    if kind == "modulating":
        return ModulatingLoad(
            id=name,
            min_kw=_optional(data, "min_kw", _number, 0.0),
            max_kw=_field(data, "max_kw", _number),
            energy_kwh=_field(data, "energy_kwh", _number),
            earliest=_field(data, "earliest", _moment),
            latest=_field(data, "latest", _moment),
        )
    if kind == "deferrable":
        return DeferrableLoad(
            id=name,
            power_kw=_field(data, "power_kw", _number),
            energy_kwh=_field(data, "energy_kwh", _number),
            earliest=_field(data, "earliest", _moment),
            latest=_field(data, "latest", _moment),
            min_run_minutes=_optional(data, "min_run_minutes", _number, 0.0),
            one_block=_optional(data, "one_block", _boolean, False),
        )
    if kind == "optional":
        return OptionalLoad(
            id=name,
            power_kw=_field(data, "power_kw", _number),
            max_energy_kwh=_field(data, "max_energy_kwh", _number),
            value_per_kwh=_field(data, "value_per_kwh", _number),
            min_run_minutes=_optional(data, "min_run_minutes", _number, 0.0),
            earliest=_optional(data, "earliest", _moment, None),
            latest=_optional(data, "latest", _moment, None),
        )
    raise ProblemError(f"unknown kind {kind!r}: use deferrable, modulating or optional")


def loads_from_json(value: Any) -> tuple[Load, ...]:
    """Return FORMAT.md's `loads` section (none when absent)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ProblemError("field 'loads' must be a list")
    loads = []
    for number, data in enumerate(value):
        try:
            loads.append(_load_from_json(data))
        except ProblemError as err:
            name = data.get("id") if isinstance(data, Mapping) else None
            label = f"loads[{number}]" + (f" ({name})" if name else "")
            raise ProblemError(f"{label}: {err}") from err
    return tuple(loads)


def _demand_charge_from_json(data: Mapping[str, Any]) -> DemandCharge:
    try:
        return DemandCharge(
            price_per_kw=_field(data, "price_per_kw", _number),
            peak_so_far_kw=_optional(data, "peak_so_far_kw", _number, 0.0),
            measure_minutes=_optional(data, "measure_minutes", _whole, 15),
            counted=_optional(data, "counted", _flags, None),
        )
    except ProblemError as err:
        raise ProblemError(f"demand_charge: {err}") from err


def _section(data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    section = data.get(key)
    if section is None:
        return None
    if not isinstance(section, Mapping):
        raise ProblemError(f"field {key!r} must be an object")
    return section


def battery_from_json(data: Mapping[str, Any]) -> Battery:
    """Build a Battery from FORMAT.md's battery object (checked where it is used)."""
    return Battery(
        capacity_kwh=_field(data, "capacity_kwh", _number),
        soc_percent=_field(data, "soc_percent", _number),
        min_soc_percent=_optional_number(data, "min_soc_percent", 0.0),
        max_soc_percent=_optional_number(data, "max_soc_percent", 100.0),
        max_charge_kw=_field(data, "max_charge_kw", _number),
        max_discharge_kw=_field(data, "max_discharge_kw", _number),
        charge_efficiency=_optional_number(data, "charge_efficiency", 1.0),
        discharge_efficiency=_optional_number(data, "discharge_efficiency", 1.0),
        cycle_cost_per_kwh=_optional_number(data, "cycle_cost_per_kwh", 0.0),
    )


def grid_from_json(data: Mapping[str, Any]) -> Grid:
    """Build a Grid from FORMAT.md's grid object; a missing or null limit is no limit."""
    if not isinstance(data, Mapping):
        raise ProblemError("field 'grid' must be an object")
    return Grid(
        max_import_kw=None
        if data.get("max_import_kw") is None
        else _field(data, "max_import_kw", _number),
        max_export_kw=None
        if data.get("max_export_kw") is None
        else _field(data, "max_export_kw", _number),
    )


def problem_from_json(data: Mapping[str, Any]) -> Problem:
    """Build a validated Problem from FORMAT.md's problem object."""
    if not isinstance(data, Mapping):
        raise ProblemError("the problem must be a JSON object")
    battery_data = _section(data, "battery")
    if battery_data is None:
        raise ProblemError("missing field 'battery'")
    battery = battery_from_json(battery_data)
    grid = grid_from_json(_section(data, "grid") or {})
    reserve = target = taper = None
    if (section := _section(data, "reserve")) is not None:
        reserve = ReserveWindow(
            start=_field(section, "start", _moment),
            end=_field(section, "end", _moment),
            min_soc_percent=_field(section, "min_soc_percent", _number),
        )
    if (section := _section(data, "target")) is not None:
        target = SocTarget(
            soc_percent=_field(section, "soc_percent", _number),
            by=_field(section, "by", _moment),
        )
    if (section := _section(data, "charge_taper")) is not None:
        taper = ChargeTaper(
            above_soc_percent=_field(section, "above_soc_percent", _number),
            kw_at_max_soc=_field(section, "kw_at_max_soc", _number),
        )
    charge = _section(data, "demand_charge")
    slot_minutes = _field(data, "slot_minutes", _number)
    if slot_minutes != int(slot_minutes):
        raise ProblemError("slot_minutes must be a whole number")
    return Problem(
        start=_field(data, "start", _moment),
        slot_minutes=int(slot_minutes),
        import_price=_field(data, "import_price", _series),
        export_price=_field(data, "export_price", _series),
        pv_kw=_field(data, "pv_kw", _series),
        load_kw=_field(data, "load_kw", _series),
        battery=battery,
        grid=grid,
        terminal_value_per_kwh=_optional_number(data, "terminal_value_per_kwh", 0.0),
        reserve=reserve,
        target=target,
        charge_taper=taper,
        zero_export=bool(data.get("zero_export", False)),
        loads=loads_from_json(data.get("loads")),
        demand_charge=None if charge is None else _demand_charge_from_json(charge),
        strategy=_optional(data, "strategy", _strategy, Strategy.COST),
    )


def problem_to_json(problem: Problem) -> dict[str, Any]:
    """Return FORMAT.md's problem object (optional sections only when set)."""
    battery = problem.battery
    data: dict[str, Any] = {
        "start": problem.start.isoformat(),
        "slot_minutes": problem.slot_minutes,
        "import_price": list(problem.import_price),
        "export_price": list(problem.export_price),
        "pv_kw": list(problem.pv_kw),
        "load_kw": list(problem.load_kw),
        "battery": {
            name: getattr(battery, name) for name in Battery.__dataclass_fields__
        },
        "grid": {
            "max_import_kw": problem.grid.max_import_kw,
            "max_export_kw": problem.grid.max_export_kw,
        },
        "terminal_value_per_kwh": problem.terminal_value_per_kwh,
    }
    if (reserve := problem.reserve) is not None:
        data["reserve"] = {
            "start": reserve.start.isoformat(),
            "end": reserve.end.isoformat(),
            "min_soc_percent": reserve.min_soc_percent,
        }
    if (target := problem.target) is not None:
        data["target"] = {
            "soc_percent": target.soc_percent,
            "by": target.by.isoformat(),
        }
    if (taper := problem.charge_taper) is not None:
        data["charge_taper"] = {
            "above_soc_percent": taper.above_soc_percent,
            "kw_at_max_soc": taper.kw_at_max_soc,
        }
    if problem.zero_export:
        data["zero_export"] = True
    if problem.loads:
        data["loads"] = [load_to_json(load) for load in problem.loads]
    if (charge := problem.demand_charge) is not None:
        data["demand_charge"] = {
            "price_per_kw": charge.price_per_kw,
            "peak_so_far_kw": charge.peak_so_far_kw,
            "measure_minutes": charge.measure_minutes,
        }
        if charge.counted is not None:
            data["demand_charge"]["counted"] = list(charge.counted)
    if problem.strategy is not Strategy.COST:
        data["strategy"] = problem.strategy.value
    return data


def load_to_json(load: Load) -> dict[str, Any]:
    """Return one load as FORMAT.md's `loads` section has it."""
    data: dict[str, Any] = {"id": load.id, "kind": load.kind}
    for name in load.__dataclass_fields__:
        value = getattr(load, name)
        if name != "id" and value is not None:
            data[name] = value.isoformat() if isinstance(value, datetime) else value
    return data


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """Return FORMAT.md's plan object, with totals, reasons and the aligned inputs."""
    return {
        "method": plan.method,
        "status": plan.status,
        "reason": plan.reason,
        "solve_seconds": round(plan.solve_seconds, 6),
        "objective": round(plan.objective, 6),
        "cost_idle": round(plan.cost_idle, 6),
        "cost_self_use": round(plan.cost_self_use, 6),
        "expected_saving": round(plan.expected_saving, 6),
        **(
            {"load_issues": list(plan.load_issues)}
            if plan.load_issues or any(slot.loads_kw for slot in plan.slots)
            else {}
        ),
        "slots": [_slot_json(slot) for slot in plan.slots],
    }


def _slot_json(slot: PlanSlot) -> dict[str, Any]:
    data: dict[str, Any] = {
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "battery_kw": slot.battery_kw,
        "grid_kw": slot.grid_kw,
        "soc_percent": slot.soc_percent,
        "mode": slot.mode.value,
        "reason": slot.reason,
        "import_price": slot.import_price,
        "export_price": slot.export_price,
        "pv_kw": slot.pv_kw,
        "load_kw": slot.load_kw,
        "curtailed_kw": slot.curtailed_kw,
    }
    if slot.max_charge_kw is not None:
        data["max_charge_kw"] = slot.max_charge_kw
    if slot.max_discharge_kw is not None:
        data["max_discharge_kw"] = slot.max_discharge_kw
    if slot.loads_kw:
        data["loads_kw"] = dict(slot.loads_kw)
    return data
