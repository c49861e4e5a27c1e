"""Carry out one slot's mode on the actual PV and load (FORMAT.md, closed-loop replay).

The replay's ground truth: a small implementation of FORMAT.md's "How a slot's mode is
carried out", sharing no code with the planner, so that the planner's own idea of its
modes cannot flatter it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True, slots=True)
class Pack:
    """The battery and grid connection as the replay's inverter knows them."""

    capacity_kwh: float
    min_soc_percent: float
    max_soc_percent: float
    max_charge_kw: float
    max_discharge_kw: float
    charge_efficiency: float
    discharge_efficiency: float
    cycle_cost_per_kwh: float
    max_import_kw: float | None
    max_export_kw: float | None


@dataclass(frozen=True, kw_only=True, slots=True)
class Command:
    """What the inverter is told for one slot."""

    mode: str
    battery_kw: float = 0.0  # force_charge / force_discharge power (+ charging)
    max_charge_kw: float | None = None  # self_use / zero_export caps
    max_discharge_kw: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """What happened in the slot."""

    battery_kw: float
    grid_kw: float  # + import, after curtailment
    curtailed_kw: float
    cost: float  # import cost - export revenue + wear, in currency
    stored_kwh: float  # at the slot's end


def _cap(limit: float, cap: float | None) -> float:
    return limit if cap is None else max(min(limit, cap), 0.0)


def execute(
    pack: Pack,
    command: Command,
    *,
    stored_kwh: float,
    pv_kw: float,
    load_kw: float,
    import_price: float,
    export_price: float,
    hours: float,
) -> Outcome:
    """Return the slot's outcome when `command` meets the actual `pv_kw` and `load_kw`."""
    top = pack.capacity_kwh * pack.max_soc_percent / 100.0
    bottom = pack.capacity_kwh * pack.min_soc_percent / 100.0
    can_charge = min(
        pack.max_charge_kw,
        max(top - stored_kwh, 0.0) / (pack.charge_efficiency * hours),
    )
    can_discharge = min(
        pack.max_discharge_kw,
        max(stored_kwh - bottom, 0.0) * pack.discharge_efficiency / hours,
    )
    net = load_kw - pv_kw
    mode = command.mode
    if mode in ("self_use", "zero_export"):
        if net < 0.0:
            battery = min(-net, _cap(can_charge, command.max_charge_kw))
        else:
            battery = -min(net, _cap(can_discharge, command.max_discharge_kw))
    elif mode == "force_charge":
        battery = min(max(command.battery_kw, 0.0), can_charge)
        if pack.max_import_kw is not None:
            battery = min(battery, max(pack.max_import_kw - net, 0.0))
    elif mode == "force_discharge":
        battery = -min(max(-command.battery_kw, 0.0), can_discharge)
    elif mode == "hold":
        battery = 0.0
    else:
        raise ValueError(f"unknown mode {mode!r}")
    grid = net + battery
    curtailed = 0.0
    if grid < 0.0:
        exported = -grid
        unwanted = mode == "zero_export" or (mode == "hold" and export_price < 0.0)
        if unwanted:
            curtailed = min(pv_kw, exported)
        elif pack.max_export_kw is not None and exported > pack.max_export_kw:
            curtailed = min(pv_kw, exported - pack.max_export_kw)
        if mode == "force_discharge" and pack.max_export_kw is not None:
            over = exported - curtailed - pack.max_export_kw
            if over > 0.0:  # the limit holds: discharge less
                battery = min(battery + over, 0.0)
        grid = net + battery + curtailed
    if battery >= 0.0:
        stored = stored_kwh + battery * pack.charge_efficiency * hours
    else:
        stored = stored_kwh + battery / pack.discharge_efficiency * hours
    cost = hours * (
        import_price * max(grid, 0.0)
        + export_price * min(grid, 0.0)
        + pack.cycle_cost_per_kwh * max(-battery, 0.0)
    )
    return Outcome(
        battery_kw=battery,
        grid_kw=grid,
        curtailed_kw=curtailed,
        cost=cost,
        stored_kwh=min(max(stored, min(bottom, stored_kwh)), max(top, stored_kwh)),
    )
