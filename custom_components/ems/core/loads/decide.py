"""Switch the loads now: the plan, within the rules a person expects (pure).

Rules, highest first:
1. A switch that reads unknown is not switched (nothing on a guess).
2. Emergency brake: below the emergency SoC every load stops, the lowest priority first.
3. A switch changed by hand is left alone for the load's `manual_hold`.
4. The user's mode for the load: off, on, boost (SG-Ready); `auto` follows on.
5. An EV that is not plugged in stays off.
6. `auto`: on while the plan gives the load power in this slot; without a plan for it,
   a load with an export threshold starts when the house has exported more than the
   threshold for `on_delay` (higher priority first, each start using up surplus) and
   stops when the house has imported for `off_delay` (the lowest priority first).
7. A load does not start below its SoC gate; it runs at least `min_run` once started
   and rests at least `min_off` once stopped (the brake, the user and a missing car
   excepted).
An EV's current follows its planned power, within its limits and what the inverter's
AC output leaves after the rest of the house. An EV told to charge that draws nothing
for `IDLE_AFTER` is reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .model import (
    HouseNow,
    LoadCommand,
    LoadKind,
    LoadMemory,
    LoadMode,
    LoadReading,
    LoadsDecision,
    LoadSpec,
    LoadStatus,
    SgReady,
)

IDLE_AFTER = timedelta(minutes=5)
DRAWING_KW = 0.2
PLANNED_KW = 0.05
_SETTLE = timedelta(seconds=30)  # a switch reads its new state within this


@dataclass(kw_only=True)
class _Want:
    on: bool
    reason: str
    power_kw: float = 0.0
    firm: bool = False  # the brake, the user or a missing car: no minimum times
    sg_ready: SgReady | None = None


def decide_loads(
    specs: Sequence[LoadSpec],
    *,
    readings: Mapping[str, LoadReading],
    planned_kw: Mapping[str, float],
    modes: Mapping[str, LoadMode],
    house: HouseNow,
    memory: Mapping[str, LoadMemory],
    now: datetime,
    emergency_soc_percent: float,
) -> LoadsDecision:
    """Return the switch commands for now, every load's status and the memory to keep."""
    commands: list[LoadCommand] = []
    status: list[LoadStatus] = []
    kept: dict[str, LoadMemory] = {}
    exported = max(-(house.grid_kw or 0.0), 0.0)
    braking = (
        house.soc_percent is not None and house.soc_percent < emergency_soc_percent
    )
    # On a lasting import the running surplus loads stop one at a time, last first.
    running = [
        s
        for s in specs
        if s.export_start_kw is not None
        and (reading := readings.get(s.load_id)) is not None
        and reading.switched_on
    ]
    stops_first = max(running, key=lambda s: s.priority).load_id if running else None
    for spec in sorted(specs, key=lambda s: s.priority):
        reading = readings.get(spec.load_id)
        mem = memory.get(spec.load_id, LoadMemory())
        planned = max(planned_kw.get(spec.load_id, 0.0), 0.0)
        if reading is None or reading.switched_on is None:
            kept[spec.load_id] = mem
            status.append(_status(spec, False, "the switch is unavailable", planned))
            continue
        mem, events = _watch(spec, reading, mem, house, now)
        if mem.manual_until is not None and now < mem.manual_until:
            kept[spec.load_id] = mem
            until = mem.manual_until.strftime("%H:%M")
            reason = f"switched by hand; EMS leaves it alone until {until}"
            status.append(_status(spec, reading.switched_on, reason, planned, events))
            continue
        want = _wanted(
            spec,
            reading,
            planned=planned,
            mode=modes.get(spec.load_id),
            house=house,
            braking=braking,
        )
        if want is None:
            want, mem = _opportunistic(
                spec, reading, mem=mem, house=house, exported=exported, now=now
            )
            if not want.on and reading.switched_on and spec.load_id != stops_first:
                want = _Want(on=True, reason="waits: one load stops at a time")
        want = _gated(spec, reading, mem=mem, house=house, want=want, now=now)
        if want.on and not reading.switched_on:
            exported -= want.power_kw or spec.power_kw
        command = _command(spec, reading, want, house)
        if command is not None:
            commands.append(command)
            mem = replace(mem, commanded_on=command.on, changed_at=now)
        elif mem.commanded_on is None:
            mem = replace(mem, commanded_on=reading.switched_on)
        kept[spec.load_id] = mem
        status.append(_status(spec, want.on, want.reason, planned, events))
    # Stop the lowest priority first, start the highest first.
    commands.sort(key=lambda c: _priority(specs, c.load_id) * (1 if c.on else -1))
    return LoadsDecision(commands=tuple(commands), status=tuple(status), memory=kept)


def _watch(
    spec: LoadSpec,
    reading: LoadReading,
    mem: LoadMemory,
    house: HouseNow,
    now: datetime,
) -> tuple[LoadMemory, tuple[str, ...]]:
    """Notice a switch changed by hand, and an EV told to charge that draws nothing."""
    events: list[str] = []
    settled = mem.changed_at is None or now - mem.changed_at >= _SETTLE
    if (
        mem.commanded_on is not None
        and reading.switched_on != mem.commanded_on
        and settled
        and (mem.manual_until is None or now >= mem.manual_until)
    ):
        state = "on" if reading.switched_on else "off"
        mem = replace(
            mem,
            manual_until=now + spec.manual_hold,
            commanded_on=reading.switched_on,
        )
        events.append(f"{spec.name} was switched {state} by hand")
    elif mem.manual_until is not None and now >= mem.manual_until:
        mem = replace(mem, manual_until=None)
    idle = (
        spec.kind is LoadKind.MODULATING
        and reading.switched_on
        and reading.power_kw is not None
        and reading.power_kw < DRAWING_KW
    )
    if not idle:
        mem = replace(mem, idle_since=None)
    elif mem.idle_since is None:
        mem = replace(mem, idle_since=now)
    elif (
        now - mem.idle_since >= IDLE_AFTER
        and now - mem.idle_since < IDLE_AFTER + _SETTLE
    ):
        events.append(f"{spec.name} is told to charge but the car draws no power")
    return mem, tuple(events)


def _wanted(
    spec: LoadSpec,
    reading: LoadReading,
    *,
    planned: float,
    mode: LoadMode | None,
    house: HouseNow,
    braking: bool,
) -> _Want | None:
    """Return what the brake, the user, the car or the plan want; None: no plan for it."""
    if braking:
        soc = house.soc_percent
        return _Want(
            on=False, reason=f"emergency brake: battery at {soc:g} %", firm=True
        )
    if mode is LoadMode.OFF:
        return _Want(on=False, reason="mode off", firm=True)
    if spec.kind is LoadKind.MODULATING and reading.plugged_in is False:
        return _Want(on=False, reason="the car is not plugged in", firm=True)
    if mode is LoadMode.ON:
        return _Want(on=True, reason="mode on", power_kw=_full_power(spec), firm=True)
    if mode is LoadMode.BOOST:
        return _Want(
            on=True,
            reason="mode boost",
            power_kw=spec.power_kw,
            firm=True,
            sg_ready=SgReady.BOOST,
        )
    if planned > PLANNED_KW:
        return _Want(on=True, reason=f"planned at {planned:.2f} kW", power_kw=planned)
    if spec.export_start_kw is None:
        return _Want(on=False, reason="not planned now")
    return None


def _opportunistic(
    spec: LoadSpec,
    reading: LoadReading,
    *,
    mem: LoadMemory,
    house: HouseNow,
    exported: float,
    now: datetime,
) -> tuple[_Want, LoadMemory]:
    """Start on a lasting export surplus, stop on a lasting import (no plan for it)."""
    threshold = spec.export_start_kw or 0.0
    importing = (house.grid_kw or 0.0) > 0.0
    mem = replace(
        mem,
        surplus_since=(mem.surplus_since or now) if exported >= threshold else None,
        deficit_since=(mem.deficit_since or now) if importing else None,
    )
    if reading.switched_on:
        if mem.deficit_since is not None and now - mem.deficit_since >= spec.off_delay:
            return _Want(on=False, reason="importing: surplus gone"), mem
        return _Want(on=True, reason="running on surplus", power_kw=spec.power_kw), mem
    if mem.surplus_since is not None and now - mem.surplus_since >= spec.on_delay:
        reason = f"exporting over {threshold:g} kW"
        return _Want(on=True, reason=reason, power_kw=spec.power_kw), mem
    return _Want(on=False, reason="waiting for surplus"), mem


def _gated(
    spec: LoadSpec,
    reading: LoadReading,
    *,
    mem: LoadMemory,
    house: HouseNow,
    want: _Want,
    now: datetime,
) -> _Want:
    """Apply the SoC gate and the minimum run and rest times."""
    if want.firm:
        return want
    changed = mem.changed_at
    if reading.switched_on and not want.on and changed and now < changed + spec.min_run:
        until = (changed + spec.min_run).strftime("%H:%M")
        return _Want(
            on=True, reason=f"minimum run time until {until}", power_kw=want.power_kw
        )
    if want.on and not reading.switched_on:
        gate, soc = spec.soc_gate_percent, house.soc_percent
        if gate is not None and (soc is None or soc < gate):
            return _Want(on=False, reason=f"battery below the {gate:g} % gate")
        if changed and now < changed + spec.min_off:
            return _Want(on=False, reason="resting after its last run")
    return want


def _command(
    spec: LoadSpec, reading: LoadReading, want: _Want, house: HouseNow
) -> LoadCommand | None:
    """Return the command that makes the load do `want`, None when it already does."""
    current = _current(spec, want, reading, house) if want.on else None
    if want.on == reading.switched_on and (
        current is None
        or (reading.current_a is not None and abs(reading.current_a - current) < 1.0)
    ):
        if spec.kind is not LoadKind.OPTIONAL or want.sg_ready is None:
            return None
    return LoadCommand(
        load_id=spec.load_id,
        on=want.on,
        current_a=current,
        sg_ready=want.sg_ready
        if want.on
        else (SgReady.NORMAL if spec.kind is LoadKind.OPTIONAL else None),
    )


def _current(
    spec: LoadSpec, want: _Want, reading: LoadReading, house: HouseNow
) -> float | None:
    """Return an EV's charging current for the wanted power, within every limit."""
    if spec.kind is not LoadKind.MODULATING:
        return None
    per_amp_kw = spec.volts * spec.phases / 1000.0
    power = want.power_kw or _full_power(spec)
    if house.inverter_ac_kw is not None and house.load_kw is not None:
        rest = house.load_kw - (reading.power_kw or 0.0)
        power = min(power, max(house.inverter_ac_kw - rest, 0.0))
    amps = power / per_amp_kw
    return float(round(min(max(amps, spec.min_current_a), spec.max_current_a)))


def _full_power(spec: LoadSpec) -> float:
    if spec.kind is LoadKind.MODULATING:
        return spec.max_kw or spec.max_current_a * spec.volts * spec.phases / 1000.0
    return spec.power_kw


def _priority(specs: Sequence[LoadSpec], load_id: str) -> int:
    return next(s.priority for s in specs if s.load_id == load_id)


def _status(
    spec: LoadSpec,
    on: bool,
    reason: str,
    planned: float,
    events: tuple[str, ...] = (),
) -> LoadStatus:
    return LoadStatus(
        load_id=spec.load_id, on=on, reason=reason, planned_kw=planned, events=events
    )
