"""Growatt through Home Assistant's `growatt_server`: the plan as time-of-use tables.

MIN/TLX inverters take up to 9 time segments (`update_time_segment`, read back with
`read_time_segments`) plus four number entities of the same device: charge power, charge
stop SoC, discharge power, discharge stop SoC (unique ids `<serial>_battery_charge_power_limit`,
`..._charge_soc_limit`, `..._discharge_power_limit`, `..._discharge_soc_limit`) and the
`<serial>_ac_charge` switch. SPH inverters take 3 AC charge and 3 AC discharge periods
with their power and stop SoC (`write_ac_charge_times` / `write_ac_discharge_times`, read
back with `read_ac_charge_times` / `read_ac_discharge_times`).

The pure planners in `control.growatt` and `control.growatt_sph` decide what changed and
what is due; this module only calls the services, reads back and compares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from homeassistant.const import ATTR_ENTITY_ID, STATE_ON, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from custom_components.ems.const import LOGGER
from custom_components.ems.core.control import ControlSettings, min_soc_floor
from custom_components.ems.core.control.growatt import (
    BatteryNumbers,
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
from custom_components.ems.core.control.link import ControlRun, LinkError
from custom_components.ems.planner import Plan

GROWATT_DOMAIN = "growatt_server"
MIN_SERVICES = ("update_time_segment", "read_time_segments")
SPH_SERVICES = (
    "write_ac_charge_times",
    "read_ac_charge_times",
    "write_ac_discharge_times",
    "read_ac_discharge_times",
)
# BatteryNumbers field -> the unique-id suffix of the growatt_server number entity.
NUMBER_KEYS: Mapping[str, str] = {
    "charge_power_percent": "battery_charge_power_limit",
    "charge_stop_soc": "battery_charge_soc_limit",
    "discharge_power_percent": "battery_discharge_power_limit",
    "discharge_stop_soc": "battery_discharge_soc_limit",
}
AC_CHARGE_KEY = "ac_charge"
NUMBER_NAMES: Mapping[str, str] = {
    "charge_power_percent": "charge power {} %",
    "charge_stop_soc": "charge stop SoC {} %",
    "discharge_power_percent": "discharge power {} %",
    "discharge_stop_soc": "discharge stop SoC {} %",
}


class GrowattError(LinkError):
    """A growatt_server service failed, is missing, or did not read back what was written."""


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

    def __init__(self, hass: HomeAssistant, device_id: str) -> None:
        """Drive the growatt_server device `device_id` (a device registry id)."""
        self.hass = hass
        self.device_id = device_id
        self.family: GrowattFamily | None = None

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
        entities = self._entities()
        numbers = numbers_to_write(schedule.numbers, self._numbers_now(entities))
        numbers = {name: v for name, v in numbers.items() if name in entities}
        ac_charge = self._ac_charge_change(schedule.numbers, entities)
        writes = [describe_segment(s) for s in segments]
        writes += [NUMBER_NAMES[name].format(v) for name, v in numbers.items()]
        if ac_charge is not None:
            writes.append(f"AC charge {'on' if ac_charge else 'off'}")
        if write:
            await self._async_write_segments(segments)
            for name, value in numbers.items():
                await self._async_set_number(entities[name], value)
            if ac_charge is not None:
                await self._async_set_switch(entities[AC_CHARGE_KEY], on=ac_charge)
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

    def _entities(self) -> dict[str, str]:
        """Return the device's number and switch entity ids by BatteryNumbers field name."""
        fields = {suffix: name for name, suffix in NUMBER_KEYS.items()}
        fields[AC_CHARGE_KEY] = AC_CHARGE_KEY
        found: dict[str, str] = {}
        registry = er.async_get(self.hass)
        for entry in er.async_entries_for_device(registry, self.device_id):
            if entry.platform != GROWATT_DOMAIN:
                continue
            for suffix, name in fields.items():
                if entry.unique_id.endswith(f"_{suffix}"):
                    found[name] = entry.entity_id
        return found

    def _numbers_now(self, entities: Mapping[str, str]) -> BatteryNumbers:
        values: dict[str, int | None] = {}
        for name in NUMBER_KEYS:
            state = self.hass.states.get(entities.get(name, ""))
            try:
                values[name] = round(float(state.state)) if state else None
            except ValueError:
                values[name] = None
        return BatteryNumbers(
            charge_power_percent=values["charge_power_percent"],
            charge_stop_soc=values["charge_stop_soc"],
            discharge_power_percent=values["discharge_power_percent"],
            discharge_stop_soc=values["discharge_stop_soc"],
        )

    def _ac_charge_change(
        self, wanted: BatteryNumbers, entities: Mapping[str, str]
    ) -> bool | None:
        """Return the AC charge switch state to set, None when it is right (or missing)."""
        entity_id = entities.get(AC_CHARGE_KEY)
        state = self.hass.states.get(entity_id) if entity_id else None
        if state is None:
            return None
        return (
            None if (state.state == STATE_ON) == wanted.ac_charge else wanted.ac_charge
        )

    async def _async_set_number(self, entity_id: str, value: int) -> None:
        for _attempt in (1, 2):
            LOGGER.info("EMS writes to the Growatt: %s = %s", entity_id, value)
            await self._async_service(
                Platform.NUMBER,
                "set_value",
                {ATTR_ENTITY_ID: entity_id, "value": value},
            )
            state = self.hass.states.get(entity_id)
            try:
                if state is not None and round(float(state.state)) == value:
                    return
            except ValueError:
                pass
        raise GrowattError(
            f"{entity_id} reads back {state.state if state else None}, not {value}"
        )

    async def _async_set_switch(self, entity_id: str, *, on: bool) -> None:
        service = "turn_on" if on else "turn_off"
        for _attempt in (1, 2):
            LOGGER.info("EMS writes to the Growatt: %s %s", entity_id, service)
            await self._async_service(
                Platform.SWITCH, service, {ATTR_ENTITY_ID: entity_id}
            )
            state = self.hass.states.get(entity_id)
            if state is not None and (state.state == STATE_ON) == on:
                return
        raise GrowattError(f"{entity_id} did not turn {'on' if on else 'off'}")

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
        result = await self._async_service(
            GROWATT_DOMAIN,
            service,
            {**(data or {}), "device_id": self.device_id},
            response=response,
        )
        return dict(result or {})

    async def _async_service(
        self,
        domain: str,
        service: str,
        data: Mapping[str, Any],
        *,
        response: bool = False,
    ) -> Mapping[str, Any] | None:
        try:
            return await self.hass.services.async_call(
                domain, service, dict(data), blocking=True, return_response=response
            )
        except HomeAssistantError as err:
            raise GrowattError(f"{domain}.{service} failed: {err}") from err
        except Exception as err:  # noqa: BLE001 - growatt_server lets network and library errors through
            raise GrowattError(
                f"{domain}.{service} failed: {type(err).__name__}: {err}"
            ) from err
