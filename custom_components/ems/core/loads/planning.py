"""The configured loads as the planner's loads (FORMAT.md's `loads`), now (pure).

Each load in mode `auto` becomes a planner load over the next occurrence of its window
in local time: from its earliest time (an EV charger without one: its latest time a
day earlier) to its latest time, the next day's when today's has ended. What was
delivered since the window began counts against the energy it needs. An optional load
(heat pump boost, water heater) may take what is left of its energy a day until
midnight. Loads in another mode, done, or waiting for a car or for prices are not
planned; the note says why. A load switched on in mode `on` or `boost` is counted in
the plan at the power it draws for its minimum run from now (one block that the plan
cannot move), so the battery is planned around it.

A window that ends after the last published price is planned for what cannot wait:
an appliance once its run no longer fits after the prices end, an EV charger the
energy its highest power cannot deliver after them. An appliance run in one block that
has begun finishes at once (its window ends when its remaining slots do); an appliance
within five minutes of its energy is done (a run that began a minute or two late); an
EV charger is asked at least one slot at its lowest power, so a small remainder never
becomes a shortfall.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
import math

from custom_components.ems.core.inputs.series import floor_instant
from custom_components.ems.planner import (
    DeferrableLoad,
    Load,
    ModulatingLoad,
    OptionalLoad,
)

from .config import LoadConfig
from .model import LoadKind, LoadMode

_DAY = timedelta(days=1)
_ENOUGH_KWH = 0.01
_ALMOST_DONE_HOURS = 5 / 60


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadNow:
    """What is known of one configured load now."""

    config: LoadConfig
    mode: LoadMode
    plugged_in: bool | None = None  # EV: None without a sensor
    # The power it draws now while switched on (its sensor, else its own); None: off.
    running_kw: float | None = None
    # Energy delivered since a moment: (window start) -> kWh.
    delivered_since: Mapping[datetime, float] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadWindow:
    """The window a load is planned in (its configured one, local times)."""

    earliest: datetime
    latest: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class PlannedLoads:
    """The planner's loads, each one's window, and why any other is not planned."""

    loads: tuple[Load, ...] = ()
    windows: Mapping[str, LoadWindow] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)


def _at(day: datetime, moment: time, zone: tzinfo) -> datetime:
    return datetime.combine(day.date(), moment, tzinfo=zone)


def load_window(config: LoadConfig, now: datetime, zone: tzinfo) -> LoadWindow:
    """Return the window that holds `now` or comes next, in local time."""
    target = config.target
    local = now.astimezone(zone)
    latest_time = target.latest or time(0)
    if target.earliest is None:
        latest = _at(local, latest_time, zone)
        if latest <= local:
            latest = _at(local + _DAY, latest_time, zone)
        return LoadWindow(earliest=_at(latest - _DAY, latest_time, zone), latest=latest)
    earliest = _at(local, target.earliest, zone)
    latest = _at(earliest, latest_time, zone)
    if latest <= earliest:
        latest = _at(earliest + _DAY, latest_time, zone)
        if latest - _DAY > local:  # yesterday's overnight window still runs
            earliest, latest = earliest - _DAY, _at(earliest, latest_time, zone)
    if latest <= local:
        earliest = _at(earliest + _DAY, target.earliest, zone)
        latest = _at(latest + _DAY, latest_time, zone)
    return LoadWindow(earliest=earliest, latest=latest)


def _hours(start: datetime, end: datetime) -> float:
    return max((end.timestamp() - start.timestamp()) / 3600.0, 0.0)


def _planned(
    known: LoadNow, now: datetime, horizon_end: datetime, slot: timedelta, zone: tzinfo
) -> tuple[Load | None, LoadWindow | None, str]:
    """Return the planner load (or None and why not) for one configured load."""
    config = known.config
    spec, target = config.spec, config.target
    if known.mode is not LoadMode.AUTO:
        note = f"mode {known.mode.value}: not planned by EMS"
        running = known.running_kw
        if known.mode is LoadMode.OFF or running is None or running <= 0.0:
            return None, None, note
        first = floor_instant(now, slot)
        runs = math.ceil(spec.min_run / slot - 1e-9) if spec.min_run > slot else 1
        latest = first + runs * slot
        fixed = DeferrableLoad(
            id=spec.load_id,
            power_kw=running,
            energy_kwh=running * _hours(first, latest),
            earliest=first,
            latest=latest,
            one_block=True,
        )
        window = LoadWindow(earliest=first, latest=latest)
        return fixed, window, f"{note}; counted at {running:.2f} kW for its minimum run"
    if spec.kind is LoadKind.OPTIONAL:
        local = now.astimezone(zone)
        midnight = _at(local + _DAY, time(0), zone)
        today = _at(local, time(0), zone)
        left = target.energy_kwh - known.delivered_since.get(today, 0.0)
        if left < _ENOUGH_KWH:
            return None, None, "done: its energy for today is delivered"
        window = LoadWindow(earliest=today, latest=midnight)
        return (
            OptionalLoad(
                id=spec.load_id,
                power_kw=spec.power_kw,
                max_energy_kwh=left,
                value_per_kwh=target.value_per_kwh,
                min_run_minutes=spec.min_run.total_seconds() / 60.0,
                latest=midnight,
            ),
            window,
            "",
        )
    window = load_window(config, now, zone)
    delivered = known.delivered_since.get(window.earliest, 0.0)
    started = window.earliest <= now and delivered > 0.0
    left = target.energy_kwh - delivered if started else target.energy_kwh
    if left < max(_ENOUGH_KWH, spec.power_kw * _ALMOST_DONE_HOURS):
        return None, window, f"done: {delivered:.1f} kWh delivered in this window"
    if spec.kind is LoadKind.MODULATING and known.plugged_in is False:
        return None, window, "the car is not plugged in"
    latest = min(window.latest, horizon_end)
    after = _hours(latest, window.latest)
    slot_hours = slot.total_seconds() / 3600.0
    if spec.kind is LoadKind.MODULATING:
        left -= spec.max_kw * after
        if left < _ENOUGH_KWH:
            return None, window, "waits for prices until its window ends"
        load: Load = ModulatingLoad(
            id=spec.load_id,
            min_kw=spec.min_kw,
            max_kw=spec.max_kw,
            energy_kwh=max(left, spec.min_kw * slot_hours),
            earliest=window.earliest,
            latest=latest,
        )
        return load, window, ""
    if target.one_block and started:
        first = floor_instant(now, slot)
        latest = first + math.ceil(left / (spec.power_kw * slot_hours) - 1e-9) * slot
    elif spec.power_kw * after >= left:
        return None, window, "waits for prices until its window ends"
    run_minutes = min(spec.min_run.total_seconds() / 60.0, left / spec.power_kw * 60.0)
    load = DeferrableLoad(
        id=spec.load_id,
        power_kw=spec.power_kw,
        energy_kwh=left,
        earliest=window.earliest,
        latest=latest,
        min_run_minutes=run_minutes,
        one_block=target.one_block,
    )
    return load, window, ""


def planned_loads(
    loads: Sequence[LoadNow],
    *,
    now: datetime,
    horizon_end: datetime,
    slot: timedelta,
    zone: tzinfo,
) -> PlannedLoads:
    """Return the loads to plan now with the battery, and why the others are not."""
    planned: list[Load] = []
    windows: dict[str, LoadWindow] = {}
    notes: dict[str, str] = {}
    for known in loads:
        load_id = known.config.spec.load_id
        load, window, note = _planned(known, now, horizon_end, slot, zone)
        if load is not None:
            planned.append(load)
        if note:
            notes[load_id] = note
        if window is not None:
            windows[load_id] = window
    return PlannedLoads(loads=tuple(planned), windows=windows, notes=notes)


def window_starts(
    loads: Sequence[LoadConfig], now: datetime, zone: tzinfo
) -> set[datetime]:
    """Return the moments the delivered energy is asked from: windows and midnight."""
    midnight = _at(now.astimezone(zone), time(0), zone)
    return {midnight} | {
        load_window(config, now, zone).earliest
        for config in loads
        if config.spec.kind is not LoadKind.OPTIONAL
    }
