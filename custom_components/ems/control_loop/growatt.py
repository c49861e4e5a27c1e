"""Growatt through Home Assistant's `growatt_server`: the plan as time-of-use tables.

MIN/TLX inverters take up to 9 time segments (`update_time_segment`, read back with
`read_time_segments`) plus number entities of the same device and the AC charge switch
(`growatt_entities`): the on-grid discharge stop SoC is EMS's floor, the off-grid one
(the outage reserve) is left alone; a growatt_server without the on-grid number (before
Home Assistant core pull request #160634) gets no stop SoC from EMS at all. SPH inverters take 3 AC charge and 3 AC discharge periods
with their power and stop SoC (`write_ac_charge_times` / `write_ac_discharge_times`, read
back with `read_ac_charge_times` / `read_ac_discharge_times`).

The pure planners in `control.growatt` and `control.growatt_sph` decide what changed and
what is due; this module only calls the services, reads back and compares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from custom_components.ems.const import LOGGER
from custom_components.ems.core.control import ControlSettings, min_soc_floor
from custom_components.ems.core.control.growatt import (
    TimeSegment,
    mismatched,
    numbers_to_write,
    segments_from_response,
    segments_to_write,
    tou_schedule,
)
from custom_components.ems.core.control.growatt_plan import (
    describe_segment,
    describe_times,
    plan_to_follow,
)
from custom_components.ems.core.control.growatt_sph import (
    SphKind,
    SphSchedule,
    SphTimes,
    sph_schedule,
    sph_times_from_response,
    sph_times_to_write,
)
from custom_components.ems.core.control.link import ControlRun
from custom_components.ems.core.control.verify import Execution, Measured
from custom_components.ems.planner import Plan

from .growatt_entities import (
    AC_CHARGE_KEY,
    GROWATT_DOMAIN,
    NUMBER_KEYS,
    NUMBER_NAMES,
    GrowattError,
    ac_charge_change,
    async_service,
    async_set_number,
    async_set_switch,
    device_entities,
    numbers_now,
)

MIN_SERVICES = ("update_time_segment", "read_time_segments")
SPH_SERVICES = (
    "write_ac_charge_times",
    "read_ac_charge_times",
    "write_ac_discharge_times",
    "read_ac_discharge_times",
)


class GrowattFamily(StrEnum):
    """Which set of growatt_server services drives the inverter."""

    MIN = "min"  # 9 time segments (MIN/TLX)
    SPH = "sph"  # 3 AC charge + 3 AC discharge periods


@dataclass(frozen=True, kw_only=True, slots=True)
class _Targets:
    """What a run wants of the inverter."""

    plan: Plan
    settings: ControlSettings
    now: datetime


class GrowattLink:
    """Writes the plan into a Growatt inverter through the growatt_server services."""

    issue_key = "growatt_unreachable"
    # Growatt's readings come through the cloud every 5 minutes; battery first may
    # store surplus PV during a hold, and zero export is the default load first.
    execution = Execution(
        settle=timedelta(minutes=10),
        hold_stores_pv=True,
        zero_export_checked=False,
        pulse_testable=False,
    )

    def __init__(self, hass: HomeAssistant, device_id: str) -> None:
        """Drive the growatt_server device `device_id` (a device registry id)."""
        self.hass = hass
        self.device_id = device_id
        self.family: GrowattFamily | None = None
        self._warned_no_on_grid_soc = False

    async def async_apply(self, run: ControlRun, *, write: bool) -> tuple[str, ...]:
        """Bring the inverter's tables in line with the plan; return what was (or would be) written.

        A layer above the plan (override, safety, reserve) is written into the plan first.
        With `write` False nothing is written; the read services are still used, so the
        dry run lists only what differs.
        """
        plan = plan_to_follow(
            run.plan, run.decision, run.override, run.now, run.settings
        )
        if plan is None:
            return ()
        family = await self._async_family()
        targets = _Targets(plan=plan, settings=run.settings, now=run.now)
        if family is GrowattFamily.MIN:
            return await self._async_apply_min(targets, write=write)
        return await self._async_apply_sph(targets, write=write)

    async def async_hand_back(self) -> str | None:
        """Disable every segment/period (read back), so load first (self use) rules."""
        family = await self._async_family()
        if family is GrowattFamily.MIN:
            current = await self._async_read_segments()
            off = [replace(s, enabled=False) for s in current if s.enabled]
            await self._async_write_segments(off)
            return f"{len(off)} time segments disabled" if off else None
        written = 0
        for kind in SphKind:
            times = await self._async_read_times(kind)
            if any(p.enabled for p in times.periods):
                periods = tuple(replace(p, enabled=False) for p in times.periods)
                await self._async_write_times(replace(times, periods=periods))
                written += 1
        return "AC charge and discharge periods disabled" if written else None

    async def async_start(self, *, control_enabled: bool) -> str | None:
        """Touch nothing at start-up; with Control on the first run reconciles the tables.

        The tables carry no mark of who wrote them, so a table EMS did not write is
        never disabled on a guess.
        """
        return None

    async def async_measure(self) -> Measured | None:
        """Return None: the house sensors are all EMS has of a Growatt."""
        return None

    def memory(self) -> dict[str, Any]:
        """Return nothing: the tables in the inverter are all there is to remember."""
        return {}

    def remember(self, memory: Mapping[str, Any]) -> None:
        """Nothing to take back."""

    async def async_close(self) -> None:
        """Nothing to close: the growatt_server integration owns the connection."""

    # MIN/TLX: time segments, numbers and the AC charge switch.

    async def _async_apply_min(
        self, targets: _Targets, *, write: bool
    ) -> tuple[str, ...]:
        tz = dt_util.get_default_time_zone()
        limits = targets.settings.limits
        schedule = tou_schedule(
            targets.plan,
            targets.now,
            tz,
            max_charge_kw=limits.max_charge_kw,
            max_discharge_kw=limits.max_discharge_kw,
            min_soc_percent=float(min_soc_floor(targets.settings)),
            max_soc_percent=limits.max_soc_percent,
        )
        current = await self._async_read_segments()
        segments = segments_to_write(schedule, current, targets.now, tz)
        entities = device_entities(self.hass, self.device_id)
        numbers = numbers_to_write(schedule.numbers, numbers_now(self.hass, entities))
        self._warn_without_on_grid_soc(numbers, entities)
        numbers = {name: v for name, v in numbers.items() if name in entities}
        ac_charge = ac_charge_change(self.hass, schedule.numbers, entities)
        writes = [describe_segment(s) for s in segments]
        writes += [NUMBER_NAMES[name].format(v) for name, v in numbers.items()]
        if ac_charge is not None:
            writes.append(f"AC charge {'on' if ac_charge else 'off'}")
        if write:
            await self._async_write_segments(segments)
            for name, value in numbers.items():
                await async_set_number(self.hass, entities[name], value)
            if ac_charge is not None:
                await async_set_switch(self.hass, entities[AC_CHARGE_KEY], on=ac_charge)
        return tuple(writes)

    async def _async_read_segments(self) -> tuple[TimeSegment, ...]:
        response = await self._async_call("read_time_segments", response=True)
        return segments_from_response(response)

    async def _async_write_segments(self, segments: Sequence[TimeSegment]) -> None:
        """Write segments, read them back, rewrite mismatches once, then give up."""
        pending = list(segments)
        for attempt in (1, 2):
            if not pending:
                return
            for segment in pending:
                LOGGER.info("EMS writes to the Growatt: %s", describe_segment(segment))
                await self._async_call("update_time_segment", segment.service_data())
            pending = mismatched(pending, await self._async_read_segments())
            if pending and attempt == 1:
                LOGGER.warning(
                    "Growatt segments read back different, writing again: %s",
                    "; ".join(describe_segment(s) for s in pending),
                )
        if pending:
            raise GrowattError(
                "segments read back different: "
                + "; ".join(describe_segment(s) for s in pending)
            )

    def _warn_without_on_grid_soc(
        self, numbers: Mapping[str, int], entities: Mapping[str, str]
    ) -> None:
        """Say once that the floor cannot be written: only the outage reserve exists."""
        if "discharge_stop_soc" not in numbers or "discharge_stop_soc" in entities:
            return
        if not self._warned_no_on_grid_soc:
            LOGGER.warning(
                "The Growatt integration has no on-grid discharge stop SoC (a newer "
                "Home Assistant adds it); EMS leaves the off-grid one, the outage "
                "reserve, alone, so on grid the battery stops at your own setting"
            )
            self._warned_no_on_grid_soc = True

    # SPH: AC charge and discharge periods.

    async def _async_apply_sph(
        self, targets: _Targets, *, write: bool
    ) -> tuple[str, ...]:
        tz = dt_util.get_default_time_zone()
        limits = targets.settings.limits
        schedule: SphSchedule = sph_schedule(
            targets.plan,
            targets.now,
            tz,
            max_charge_kw=limits.max_charge_kw,
            max_discharge_kw=limits.max_discharge_kw,
            min_soc_percent=float(min_soc_floor(targets.settings)),
            max_soc_percent=limits.max_soc_percent,
        )
        due: list[SphTimes] = []
        for kind in SphKind:
            current = await self._async_read_times(kind)
            wanted = sph_times_to_write(schedule, current, targets.now, tz)
            if wanted is not None:
                due.append(wanted)
        if write:
            for times in due:
                await self._async_write_times(times)
        return tuple(describe_times(t) for t in due)

    async def _async_read_times(self, kind: SphKind) -> SphTimes:
        response = await self._async_call(f"read_ac_{kind.value}_times", response=True)
        return sph_times_from_response(kind, response)

    async def _async_write_times(self, times: SphTimes) -> None:
        """Write one kind of periods, read back, rewrite once on a mismatch, then give up."""
        for attempt in (1, 2):
            LOGGER.info("EMS writes to the Growatt: %s", describe_times(times))
            await self._async_call(
                f"write_ac_{times.kind.value}_times", times.service_data()
            )
            read_back = await self._async_read_times(times.kind)
            if times.same_effect(read_back):
                return
            if attempt == 1:
                LOGGER.warning("Growatt AC %s periods read back different", times.kind)
        raise GrowattError(
            f"AC {times.kind.value} periods read back {describe_times(read_back)}"
        )

    # Which services, and calling them.

    async def _async_family(self) -> GrowattFamily:
        """Return MIN or SPH, from the device's entities, the services offered, or a probe."""
        if self.family is None:
            self.family = await self._async_detect()
            LOGGER.debug(
                "Growatt device %s is driven as %s", self.device_id, self.family
            )
        return self.family

    async def _async_detect(self) -> GrowattFamily:
        registry = er.async_get(self.hass)
        unique_ids = [
            e.unique_id
            for e in er.async_entries_for_device(registry, self.device_id, True)
            if e.platform == GROWATT_DOMAIN
        ]
        if any(
            u.endswith(f"_{NUMBER_KEYS['charge_power_percent']}") for u in unique_ids
        ) or any("-tlx_" in u for u in unique_ids):
            return GrowattFamily.MIN
        if any("-sph_" in u for u in unique_ids):
            return GrowattFamily.SPH
        services = self.hass.services
        has_min = all(services.has_service(GROWATT_DOMAIN, s) for s in MIN_SERVICES)
        has_sph = all(services.has_service(GROWATT_DOMAIN, s) for s in SPH_SERVICES)
        if has_min and not has_sph:
            return GrowattFamily.MIN
        if has_sph and not has_min:
            return GrowattFamily.SPH
        if not has_min:
            raise GrowattError(
                "growatt_server offers no time-of-use services "
                "(they need a recent Home Assistant and token authentication)"
            )
        try:
            await self._async_call("read_time_segments", response=True)
        except GrowattError:
            return GrowattFamily.SPH
        return GrowattFamily.MIN

    async def _async_call(
        self,
        service: str,
        data: Mapping[str, Any] | None = None,
        *,
        response: bool = False,
    ) -> dict[str, Any]:
        """Call a growatt_server service for this device; its response when asked for."""
        result = await async_service(
            self.hass,
            GROWATT_DOMAIN,
            service,
            {**(data or {}), "device_id": self.device_id},
            response=response,
        )
        return dict(result or {})
