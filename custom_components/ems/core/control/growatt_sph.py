"""Growatt SPH through Home Assistant's `growatt_server`: 3 AC charge and 3 AC discharge periods.

`growatt_server.write_ac_charge_times` takes `charge_power` (%), `charge_stop_soc`,
`mains_enabled` and `period_{1,2,3}_{start,end,enabled}`; `write_ac_discharge_times` the
same with `discharge_power` and `discharge_stop_soc` and no mains flag. The read services
answer `{"charge_power", "charge_stop_soc", "mains_enabled", "periods": [{"start_time",
"end_time", "enabled"}, ...]}` (and `discharge_*`). Each write sends all three periods.

Battery-first blocks (force charge and hold) become charge periods, grid-first blocks
(force discharge) discharge periods. Beyond three of a kind, the nearest three are kept
and the later ones dropped (reported in `dropped`); the window moves on every run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from custom_components.ems.planner.result import Plan

from .growatt import DEFAULT_WRITE_AHEAD, BatteryNumbers, battery_numbers
from .tou import (
    BattMode,
    TouBlock,
    assign,
    clock,
    covers,
    parse_clock,
    plan_blocks,
    starts_soon,
)

PERIODS = 3


class SphKind(StrEnum):
    """AC charge or AC discharge periods."""

    CHARGE = "charge"
    DISCHARGE = "discharge"


@dataclass(frozen=True, kw_only=True, slots=True)
class SphPeriod:
    """One AC charge or discharge period."""

    start: time
    end: time
    enabled: bool

    def same_effect(self, other: SphPeriod) -> bool:
        """Return True when both do the same: two disabled periods do nothing alike."""
        if not self.enabled and not other.enabled:
            return True
        return (self.start, self.end, self.enabled) == (
            other.start,
            other.end,
            other.enabled,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class SphTimes:
    """The three periods of one kind with their power (%), stop SoC and, for charging, mains."""

    kind: SphKind
    power_percent: int
    stop_soc: int
    periods: tuple[SphPeriod, ...]
    mains_enabled: bool = False

    def same_effect(self, other: SphTimes) -> bool:
        """Return True when writing `self` over `other` would change nothing."""
        return (
            (self.power_percent, self.stop_soc) == (other.power_percent, other.stop_soc)
            and (
                self.kind is SphKind.DISCHARGE
                or self.mains_enabled == other.mains_enabled
            )
            and all(
                a.same_effect(b)
                for a, b in zip(self.periods, other.periods, strict=True)
            )
        )

    def service_data(self) -> dict[str, Any]:
        """Return the `write_ac_charge_times` / `write_ac_discharge_times` fields (add `device_id`)."""
        data: dict[str, Any] = {
            f"{self.kind.value}_power": self.power_percent,
            f"{self.kind.value}_stop_soc": self.stop_soc,
        }
        if self.kind is SphKind.CHARGE:
            data["mains_enabled"] = self.mains_enabled
        for number, period in enumerate(self.periods, start=1):
            data[f"period_{number}_start"] = clock(period.start)
            data[f"period_{number}_end"] = clock(period.end)
            data[f"period_{number}_enabled"] = period.enabled
        return data


@dataclass(frozen=True, kw_only=True, slots=True)
class SphSchedule:
    """Wanted charge and discharge periods (in time order) and the blocks left out."""

    charge: tuple[TouBlock, ...]
    discharge: tuple[TouBlock, ...]
    numbers: BatteryNumbers
    dropped: tuple[TouBlock, ...]


def sph_times_from_response(kind: SphKind, response: Mapping[str, Any]) -> SphTimes:
    """Parse a `read_ac_charge_times` / `read_ac_discharge_times` response."""
    raw_periods = list(response.get("periods", ()))[:PERIODS]
    periods = [
        SphPeriod(
            start=parse_clock(raw.get("start_time", "00:00")),
            end=parse_clock(raw.get("end_time", "00:00")),
            enabled=bool(raw.get("enabled", False)),
        )
        for raw in raw_periods
    ]
    periods += [_idle()] * (PERIODS - len(periods))
    return SphTimes(
        kind=kind,
        power_percent=int(response.get(f"{kind.value}_power", 100)),
        stop_soc=int(response.get(f"{kind.value}_stop_soc", 100)),
        mains_enabled=bool(response.get("mains_enabled", False)),
        periods=tuple(periods),
    )


def sph_schedule(
    plan: Plan,
    now: datetime,
    tz: tzinfo,
    *,
    max_charge_kw: float,
    max_discharge_kw: float,
    min_soc_percent: float = 0.0,
    max_soc_percent: float = 100.0,
) -> SphSchedule:
    """Turn the plan's day ahead into at most 3 charge and 3 discharge periods."""
    blocks, overlapping = plan_blocks(plan, now, tz)
    charge = [b for b in blocks if b.mode is BattMode.BATTERY_FIRST]
    discharge = [b for b in blocks if b.mode is BattMode.GRID_FIRST]
    kept = sorted(charge[:PERIODS] + discharge[:PERIODS], key=lambda b: b.begins)
    dropped = [*overlapping, *charge[PERIODS:], *discharge[PERIODS:]]
    return SphSchedule(
        charge=tuple(charge[:PERIODS]),
        discharge=tuple(discharge[:PERIODS]),
        numbers=battery_numbers(
            kept,
            max_charge_kw=max_charge_kw,
            max_discharge_kw=max_discharge_kw,
            min_soc_percent=min_soc_percent,
            max_soc_percent=max_soc_percent,
        ),
        dropped=tuple(sorted(dropped, key=lambda b: b.begins)),
    )


def wanted_times(schedule: SphSchedule, current: SphTimes) -> SphTimes:
    """Return the wanted periods of `current`'s kind, placed to change as few as possible."""
    charging = current.kind is SphKind.CHARGE
    blocks = schedule.charge if charging else schedule.discharge
    numbers = schedule.numbers
    power = (
        numbers.charge_power_percent if charging else numbers.discharge_power_percent
    )
    stop = numbers.charge_stop_soc if charging else numbers.discharge_stop_soc
    mode = BattMode.BATTERY_FIRST if charging else BattMode.GRID_FIRST
    keys = assign(
        [(b.mode, b.start, b.end) for b in blocks],
        [(mode, p.start, p.end) if p.enabled else None for p in current.periods],
    )
    periods = tuple(
        replace(held, enabled=False)
        if key is None
        else SphPeriod(start=key[1], end=key[2], enabled=True)
        for held, key in zip(current.periods, keys, strict=True)
    )
    return replace(
        current,
        power_percent=current.power_percent if power is None else power,
        stop_soc=current.stop_soc if stop is None else stop,
        mains_enabled=numbers.ac_charge if charging else current.mains_enabled,
        periods=periods,
    )


def sph_times_to_write(
    schedule: SphSchedule,
    current: SphTimes,
    now: datetime,
    tz: tzinfo,
    *,
    write_ahead: timedelta = DEFAULT_WRITE_AHEAD,
) -> SphTimes | None:
    """Return the periods to write now (all three, as the service wants), None when not yet due.

    Due when a changed period takes effect within `write_ahead`, when what is in force now
    is wrong, or when power, stop SoC or mains changed and a period is in force or near.
    """
    wanted = wanted_times(schedule, current)
    if wanted.same_effect(current):
        return None
    moment = now.astimezone(tz).time().replace(second=0, microsecond=0)
    wrong_now = _active(current, moment) != _active(wanted, moment)
    for held, want in zip(current.periods, wanted.periods, strict=True):
        if held.same_effect(want):
            continue
        live = [p for p in (held, want) if p.enabled]
        if any(covers(p.start, p.end, moment) for p in live):
            if wrong_now:
                return wanted
        elif any(starts_soon(p.start, now, tz, write_ahead) for p in live):
            return wanted
    near = any(
        p.enabled
        and (
            covers(p.start, p.end, moment) or starts_soon(p.start, now, tz, write_ahead)
        )
        for p in wanted.periods
    )
    return wanted if near and not _same_numbers(wanted, current) else None


def _same_numbers(a: SphTimes, b: SphTimes) -> bool:
    return (a.power_percent, a.stop_soc, a.mains_enabled) == (
        b.power_percent,
        b.stop_soc,
        b.mains_enabled,
    )


def _active(times: SphTimes, moment: time) -> bool:
    return any(p.enabled and covers(p.start, p.end, moment) for p in times.periods)


def _idle() -> SphPeriod:
    return SphPeriod(start=time(0), end=time(0), enabled=False)
