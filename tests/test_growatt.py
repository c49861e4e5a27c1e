"""Growatt control through Home Assistant: a fake `growatt_server` records every call.

The fake answers its read services with the payloads of Home Assistant core's
growatt_server (`read_time_segments` -> {"time_segments": [...]}, `read_ac_*_times` ->
{"charge_power", ..., "periods": [...]}) and exposes the MIN number and switch entities
with core's unique ids, so EMS finds them through the entity registry as it would live.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import ClientConnectionError
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import NumberEntity
from homeassistant.components.switch import SwitchEntity
from homeassistant.config_entries import ConfigEntry, ConfigFlow
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    Platform,
)
from homeassistant.core import HomeAssistant, ServiceCall, SupportsResponse
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    MockPlatform,
    async_fire_time_changed,
    mock_config_flow,
    mock_integration,
    mock_platform,
)

from custom_components.ems.const import CONF_GROWATT_DEVICE, CONF_INVERTER_TYPE, DOMAIN
from custom_components.ems.planner import InverterMode

from .conftest import BATTERY_OPTIONS, SENSOR_OPTIONS, set_house
from .control.helpers import make_plan

GROWATT = "growatt_server"
SERIAL = "MIN0123456"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2025, 10, 1, 13, 5, tzinfo=STOCKHOLM)
ACTION = "sensor.ems_control_action"
S, C, D = InverterMode.SELF_USE, InverterMode.FORCE_CHARGE, InverterMode.FORCE_DISCHARGE
# core's MIN numbers since pull request #160634: the off-grid discharge stop SoC kept
# the old unique id, the on-grid one is new.
NUMBER_KEYS = (
    "battery_charge_power_limit",
    "battery_charge_soc_limit",
    "battery_discharge_power_limit",
    "battery_discharge_soc_limit",
    "battery_discharge_soc_limit_on_grid",
)
MIN_READ = ("read_time_segments",)
SPH_READ = ("read_ac_charge_times", "read_ac_discharge_times")


def _blank_periods() -> list[dict[str, Any]]:
    return [
        {"period_id": i, "start_time": "00:00", "end_time": "00:00", "enabled": False}
        for i in (1, 2, 3)
    ]


@dataclass
class FakeGrowatt:
    """The inverter behind the fake growatt_server: its tables, numbers and every call."""

    segments: dict[int, dict[str, Any]] = field(
        default_factory=lambda: {
            i: {
                "segment_id": i,
                "start_time": "00:00",
                "end_time": "00:00",
                "batt_mode": "load_first",
                "enabled": False,
            }
            for i in range(1, 10)
        }
    )
    sph: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            "charge": {
                "charge_power": 100,
                "charge_stop_soc": 100,
                "mains_enabled": False,
                "periods": _blank_periods(),
            },
            "discharge": {
                "discharge_power": 100,
                "discharge_stop_soc": 10,
                "periods": _blank_periods(),
            },
        }
    )
    numbers: dict[str, int] = field(
        default_factory=lambda: (
            dict.fromkeys(NUMBER_KEYS, 100) | {"battery_discharge_soc_limit": 5}
        )
    )
    number_keys: tuple[str, ...] = NUMBER_KEYS
    ac_charge: bool = False
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failing: bool = False  # every write raises, as the cloud API does when it refuses
    # every write raises this instead: what growatt_server's write path lets through
    failure: Exception | None = None
    forgetful: bool = False  # writes are accepted but not kept (read back differs)

    def writes(self) -> list[tuple[str, dict[str, Any]]]:
        """Return the calls that write."""
        return [c for c in self.calls if not c[0].startswith("read_")]

    def write(self, name: str, data: dict[str, Any]) -> bool:
        """Record a write; return True when it is to be kept."""
        self.calls.append((name, data))
        if self.failure is not None:
            raise self.failure
        if self.failing:
            raise HomeAssistantError(f"API error in {name}: error_code 10012")
        return not self.forgetful


class FakeNumber(NumberEntity):
    """A MIN number entity as growatt_server creates it."""

    _attr_has_entity_name = True

    def __init__(self, fake: FakeGrowatt, key: str) -> None:
        """Expose `fake.numbers[key]`."""
        self._fake, self._key = fake, key
        self._attr_name = key
        self._attr_unique_id = f"{SERIAL}_{key}"
        self._attr_device_info = DeviceInfo(identifiers={(GROWATT, SERIAL)})

    @property
    def native_value(self) -> float:
        """Return what the inverter holds."""
        return self._fake.numbers[self._key]

    async def async_set_native_value(self, value: float) -> None:
        """Write the value (number.set_value)."""
        if self._fake.write(f"number.{self._key}", {"value": value}):
            self._fake.numbers[self._key] = int(value)


class FakeAcCharge(SwitchEntity):
    """The MIN AC charge switch."""

    _attr_has_entity_name = True
    _attr_name = "AC charge"
    _attr_unique_id = f"{SERIAL}_ac_charge"
    _attr_device_info = DeviceInfo(identifiers={(GROWATT, SERIAL)})

    def __init__(self, fake: FakeGrowatt) -> None:
        """Expose `fake.ac_charge`."""
        self._fake = fake

    @property
    def is_on(self) -> bool:
        """Return whether AC charging is on."""
        return self._fake.ac_charge

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn AC charging on."""
        if self._fake.write("switch.ac_charge", {"on": True}):
            self._fake.ac_charge = True

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn AC charging off."""
        if self._fake.write("switch.ac_charge", {"on": False}):
            self._fake.ac_charge = False


def register_services(
    hass: HomeAssistant, fake: FakeGrowatt, *, min_: bool, sph: bool
) -> None:
    """Register growatt_server's services (core registers all six; 2026.2 only MIN's)."""

    async def read_segments(call: ServiceCall) -> dict[str, Any]:
        fake.calls.append(("read_time_segments", dict(call.data)))
        return {"time_segments": [dict(s) for s in fake.segments.values()]}

    async def update_segment(call: ServiceCall) -> None:
        data = dict(call.data)
        if fake.write("update_time_segment", data):
            fields = ("start_time", "end_time", "batt_mode", "enabled")
            fake.segments[int(data["segment_id"])].update({k: data[k] for k in fields})

    def sph_services(kind: str) -> None:
        async def read(call: ServiceCall) -> dict[str, Any]:
            fake.calls.append((f"read_ac_{kind}_times", dict(call.data)))
            table = fake.sph[kind]
            return {**table, "periods": [dict(p) for p in table["periods"]]}

        async def write(call: ServiceCall) -> None:
            data = dict(call.data)
            if not fake.write(f"write_ac_{kind}_times", data):
                return
            table = fake.sph[kind]
            for key in (f"{kind}_power", f"{kind}_stop_soc", "mains_enabled"):
                if key in data:
                    table[key] = data[key]
            for i, period in enumerate(table["periods"], start=1):
                for name, key in (("start_time", "start"), ("end_time", "end")):
                    period[name] = data.get(f"period_{i}_{key}", period[name])
                period["enabled"] = data.get(f"period_{i}_enabled", period["enabled"])

        hass.services.async_register(
            GROWATT,
            f"read_ac_{kind}_times",
            read,
            supports_response=SupportsResponse.ONLY,
        )
        hass.services.async_register(GROWATT, f"write_ac_{kind}_times", write)

    if min_:
        hass.services.async_register(
            GROWATT,
            "read_time_segments",
            read_segments,
            supports_response=SupportsResponse.ONLY,
        )
        hass.services.async_register(GROWATT, "update_time_segment", update_segment)
    if sph:
        sph_services("charge")
        sph_services("discharge")


async def setup_growatt(
    hass: HomeAssistant, fake: FakeGrowatt, *, family: str, all_services: bool = False
) -> str:
    """Load a fake growatt_server with one MIN or SPH device; return its device id."""

    async def setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
        if family == "min":
            await hass.config_entries.async_forward_entry_setups(
                entry, ["number", "switch"]
            )
        return True

    async def add_numbers(
        hass: HomeAssistant, entry: ConfigEntry, add: AddConfigEntryEntitiesCallback
    ) -> None:
        add([FakeNumber(fake, key) for key in fake.number_keys])

    async def add_switch(
        hass: HomeAssistant, entry: ConfigEntry, add: AddConfigEntryEntitiesCallback
    ) -> None:
        add([FakeAcCharge(fake)])

    mock_integration(hass, MockModule(GROWATT, async_setup_entry=setup_entry))
    mock_platform(hass, f"{GROWATT}.config_flow")
    mock_platform(
        hass, f"{GROWATT}.number", MockPlatform(async_setup_entry=add_numbers)
    )
    mock_platform(hass, f"{GROWATT}.switch", MockPlatform(async_setup_entry=add_switch))
    entry = MockConfigEntry(domain=GROWATT, title="Growatt")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(GROWATT, SERIAL)}, name=SERIAL
    )
    if family == "sph":
        # core's SPH sensors: unique ids "<serial>-sph_..." (also when disabled)
        er.async_get(hass).async_get_or_create(
            "sensor", GROWATT, f"{SERIAL}-sph_grid_frequency", device_id=device.id
        )
    both = all_services
    register_services(
        hass, fake, min_=family == "min" or both, sph=family == "sph" or both
    )
    return device.id


class FakeFlow(ConfigFlow):
    """growatt_server's config flow, never used: config entries need a handler."""

    VERSION = 1


@pytest.fixture(autouse=True)
def growatt_flow() -> Iterator[None]:
    """Register the fake growatt_server's config flow handler."""
    with mock_config_flow(GROWATT, FakeFlow):
        yield


@pytest.fixture
async def stockholm(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Put the house in Stockholm at 13:05, importing at night, nothing else special."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to(NOW)
    set_house(hass, soc="50", battery_w="0", pv_w="0", grid_w="800")


async def setup_ems(hass: HomeAssistant, device_id: str) -> MockConfigEntry:
    """Set up EMS driving the Growatt device."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="EMS",
        unique_id="sensor.house_battery_soc",
        data={CONF_INVERTER_TYPE: "growatt", CONF_GROWATT_DEVICE: device_id},
        options={**SENSOR_OPTIONS, **BATTERY_OPTIONS},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def use_plan(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Give EMS an hourly plan from 13:00: charge 14-16 (to 80 %), discharge 17-19 (to 30 %)."""
    plan = make_plan(
        NOW.replace(minute=0),
        [
            (S, 0.0),
            (C, 2.0, 60.0),
            (C, 2.0, 80.0),
            (S, 0.0),
            (D, -3.0, 50.0),
            (D, -3.0, 30.0),
            (S, 0.0),
        ],
        minutes=60,
    )
    coordinator = entry.runtime_data.coordinator
    coordinator.async_set_updated_data(replace(coordinator.data, plan=plan))
    await hass.async_block_till_done()


async def override(hass: HomeAssistant, mode: str, kw: float, **extra: Any) -> None:
    """Ask for an override for an hour."""
    await hass.services.async_call(
        DOMAIN,
        "override",
        {"mode": mode, "power_kw": kw, "duration": {"hours": 1}, **extra},
        blocking=True,
    )
    await hass.async_block_till_done()


async def control(hass: HomeAssistant, service: str) -> None:
    """Turn EMS Control on or off."""
    await hass.services.async_call(
        Platform.SWITCH, service, {ATTR_ENTITY_ID: "switch.ems_control"}, blocking=True
    )
    await hass.async_block_till_done()


async def later(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Let time pass and the control loop run."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def action_attributes(hass: HomeAssistant) -> dict[str, Any]:
    """Return the control action sensor's attributes."""
    state = hass.states.get(ACTION)
    assert state is not None
    return dict(state.attributes)


@pytest.fixture
def fake() -> FakeGrowatt:
    """Return a Growatt with an empty time-of-use table."""
    return FakeGrowatt()


def segment_writes(fake: FakeGrowatt) -> list[dict[str, Any]]:
    """Return the update_time_segment calls' data, without the device id."""
    return [
        {k: v for k, v in data.items() if k != "device_id"}
        for name, data in fake.writes()
        if name == "update_time_segment"
    ]


@pytest.mark.usefixtures("stockholm")
async def test_control_off_is_a_dry_run(hass: HomeAssistant, fake: FakeGrowatt) -> None:
    """With Control off EMS reads the table, says what it would write, and writes nothing."""
    device_id = await setup_growatt(hass, fake, family="min")
    entry = await setup_ems(hass, device_id)
    await use_plan(hass, entry)
    attributes = action_attributes(hass)
    assert attributes["dry_run"] is True
    # The charge block starts within the hour, so the whole table is due, in time
    # order, each segment ending at its last minute; 2 kW of 5 kW is 40 %.
    assert attributes["would_write"] == [
        "segment 1: battery first 14:00-15:59",
        "segment 2: grid first 17:00-18:59",
        "charge power 40 %",
        "charge stop SoC 80 %",
        "discharge power 60 %",
        "discharge stop SoC 30 %",
        "AC charge on",
    ]
    assert fake.writes() == []
    assert ("read_time_segments", {"device_id": device_id}) in fake.calls


@pytest.mark.usefixtures("stockholm")
async def test_segments_are_written_ahead_of_time_once(
    hass: HomeAssistant, fake: FakeGrowatt, freezer: FrozenDateTimeFactory
) -> None:
    """The table is written whole, in time order, when a change is due within the hour.

    Each segment ends at its last minute (no two share one), is read back, and is not
    written again while nothing changes; a segment that is no longer wanted is changed
    the day after, before it would take effect again.
    """
    device_id = await setup_growatt(hass, fake, family="min")
    entry = await setup_ems(hass, device_id)
    await control(hass, SERVICE_TURN_ON)
    await use_plan(hass, entry)
    charge = {
        "segment_id": 1,
        "batt_mode": "battery_first",
        "start_time": "14:00",
        "end_time": "15:59",
        "enabled": True,
    }
    discharge = {
        "segment_id": 2,
        "batt_mode": "grid_first",
        "start_time": "17:00",
        "end_time": "18:59",
        "enabled": True,
    }
    assert segment_writes(fake) == [charge, discharge]
    names = [name for name, _ in fake.calls]
    assert names.index("update_time_segment") < len(names) - 1 - names[::-1].index(
        "read_time_segments"
    ), "the segments are read back after they were written"
    assert fake.numbers == {
        "battery_charge_power_limit": 40,
        "battery_charge_soc_limit": 80,
        "battery_discharge_power_limit": 60,
        "battery_discharge_soc_limit_on_grid": 30,
        "battery_discharge_soc_limit": 5,  # the outage reserve is left alone
    }
    assert fake.ac_charge is True
    assert "wrote" in action_attributes(hass)

    written = len(fake.writes())
    freezer.tick(timedelta(minutes=1))
    await use_plan(hass, entry)
    assert len(fake.writes()) == written, "nothing changed, nothing is rewritten"

    # 16:05: the charge block has passed; the table holds the discharge block from
    # segment 1 on. Between plans the slot clock may replan on its own (no prices
    # here), so look at the table, not the calls.
    freezer.move_to(NOW.replace(hour=16))
    for _ in range(2):
        await later(hass, freezer, timedelta(seconds=1))
    await use_plan(hass, entry)
    enabled = [s for s in fake.segments.values() if s["enabled"]]
    assert enabled == [{**discharge, "segment_id": 1}]
    assert fake.ac_charge is False

    # The next day, without a plan, the discharge segment is disabled before 17:00.
    freezer.move_to(NOW.replace(hour=16) + timedelta(days=1))
    for _ in range(2):
        await later(hass, freezer, timedelta(seconds=1))
    assert not any(s["enabled"] for s in fake.segments.values())


@pytest.mark.usefixtures("stockholm")
async def test_without_an_on_grid_stop_soc_the_outage_reserve_is_left_alone(
    hass: HomeAssistant, fake: FakeGrowatt, caplog: pytest.LogCaptureFixture
) -> None:
    """growatt_server before core #160634 has only the off-grid stop SoC: never written."""
    fake.number_keys = NUMBER_KEYS[:4]
    device_id = await setup_growatt(hass, fake, family="min")
    entry = await setup_ems(hass, device_id)
    await control(hass, SERVICE_TURN_ON)
    await use_plan(hass, entry)
    await use_plan(hass, entry)
    assert fake.numbers["battery_discharge_soc_limit"] == 5
    assert not any(
        name.startswith("number.battery_discharge_soc") for name, _ in fake.writes()
    )
    assert fake.numbers["battery_charge_soc_limit"] == 80, "the rest is written"
    assert caplog.text.count("no on-grid discharge stop SoC") == 1


@pytest.mark.usefixtures("stockholm")
async def test_override_without_plan_and_hand_back(
    hass: HomeAssistant, fake: FakeGrowatt
) -> None:
    """An override becomes a segment now; turning Control off disables it again (self use)."""
    device_id = await setup_growatt(hass, fake, family="min")
    await setup_ems(hass, device_id)
    await control(hass, SERVICE_TURN_ON)
    await override(hass, "force_charge", 2.5, target_soc=90)
    (segment,) = segment_writes(fake)
    assert segment["batt_mode"] == "battery_first"
    assert segment["enabled"] is True
    assert segment["start_time"] <= "13:05" < segment["end_time"]
    assert fake.numbers["battery_charge_power_limit"] == 50
    assert fake.numbers["battery_charge_soc_limit"] == 90

    await control(hass, SERVICE_TURN_OFF)
    assert segment_writes(fake)[-1] == {**segment, "enabled": False}
    assert not any(s["enabled"] for s in fake.segments.values())


@pytest.mark.usefixtures("stockholm")
async def test_read_back_mismatch_raises_a_repair_and_recovers(
    hass: HomeAssistant, fake: FakeGrowatt, freezer: FrozenDateTimeFactory
) -> None:
    """A segment that does not read back is written once more, then the run fails; three in a row raise a repair."""
    device_id = await setup_growatt(hass, fake, family="min")
    entry = await setup_ems(hass, device_id)
    await control(hass, SERVICE_TURN_ON)
    fake.forgetful = True
    await use_plan(hass, entry)
    assert len(segment_writes(fake)) == 4, "two segments, each written twice"
    assert "read back" in action_attributes(hass)["error"]
    for wait in (10, 30):
        await later(hass, freezer, timedelta(seconds=wait))
    issue_id = f"inverter_unreachable_{entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "growatt_unreachable"

    fake.forgetful = False
    await later(hass, freezer, timedelta(seconds=60))
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert fake.segments[1]["enabled"] is True


@pytest.mark.usefixtures("stockholm")
async def test_refused_write_is_reported(
    hass: HomeAssistant, fake: FakeGrowatt
) -> None:
    """A service that raises leaves the table as it was and shows the error."""
    device_id = await setup_growatt(hass, fake, family="min")
    entry = await setup_ems(hass, device_id)
    await control(hass, SERVICE_TURN_ON)
    fake.failing = True
    await use_plan(hass, entry)
    assert "error_code 10012" in action_attributes(hass)["error"]
    assert not any(s["enabled"] for s in fake.segments.values())


@pytest.mark.usefixtures("stockholm")
@pytest.mark.parametrize(
    "failure",
    [
        ClientConnectionError("Cannot connect to host server.growatt.com"),
        TypeError("'NoneType' object is not subscriptable"),
    ],
)
async def test_any_growatt_error_is_retried_and_repaired(
    hass: HomeAssistant,
    fake: FakeGrowatt,
    freezer: FrozenDateTimeFactory,
    failure: Exception,
) -> None:
    """Errors that are not HomeAssistantError still fail the run, retry it, then raise a repair."""
    device_id = await setup_growatt(hass, fake, family="min")
    entry = await setup_ems(hass, device_id)
    await control(hass, SERVICE_TURN_ON)
    fake.failure = failure
    await use_plan(hass, entry)
    assert type(failure).__name__ in action_attributes(hass)["error"]
    problem = hass.states.get("binary_sensor.ems_inverter_problem")
    assert problem is not None
    assert problem.state == "on"
    tries = len(fake.writes())
    for wait in (10, 30):
        await later(hass, freezer, timedelta(seconds=wait))
    assert len(fake.writes()) == tries + 2, "the loop went on after each failed run"
    issue_id = f"inverter_unreachable_{entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    fake.failure = None
    await later(hass, freezer, timedelta(seconds=60))
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert fake.segments[1]["enabled"] is True


@pytest.mark.usefixtures("stockholm")
async def test_retries_come_after_10_s_30_s_then_every_minute(
    hass: HomeAssistant, fake: FakeGrowatt, freezer: FrozenDateTimeFactory
) -> None:
    """A failing inverter is tried again as documented, not sooner."""
    device_id = await setup_growatt(hass, fake, family="min")
    entry = await setup_ems(hass, device_id)
    await control(hass, SERVICE_TURN_ON)
    fake.failing = True
    await use_plan(hass, entry)
    tries = [len(fake.writes())]
    for wait in (9, 1, 29, 1, 59, 1, 59, 1):
        await later(hass, freezer, timedelta(seconds=wait))
        tries.append(len(fake.writes()))
    retried = [after > before for before, after in itertools.pairwise(tries)]
    assert retried == [False, True, False, True, False, True, False, True]


@pytest.mark.usefixtures("stockholm")
async def test_sph_periods(hass: HomeAssistant, fake: FakeGrowatt) -> None:
    """An SPH (told apart by its entities, all six services present) gets AC discharge periods."""
    device_id = await setup_growatt(hass, fake, family="sph", all_services=True)
    await setup_ems(hass, device_id)
    await control(hass, SERVICE_TURN_ON)
    await override(hass, "force_discharge", 3.0)
    writes = fake.writes()
    assert [name for name, _ in writes] == ["write_ac_discharge_times"]
    data = writes[0][1]
    assert data["discharge_power"] == 60
    assert data["discharge_stop_soc"] == 10
    assert data["period_1_enabled"] is True
    assert data["period_1_start"] <= "13:05" < data["period_1_end"]
    assert data["period_2_enabled"] is data["period_3_enabled"] is False
    assert not any(name == "update_time_segment" for name, _ in fake.calls)
    assert fake.sph["discharge"]["periods"][0]["enabled"] is True

    await control(hass, SERVICE_TURN_OFF)
    assert fake.writes()[-1][0] == "write_ac_discharge_times"
    assert not any(p["enabled"] for p in fake.sph["discharge"]["periods"])


@pytest.mark.usefixtures("stockholm")
async def test_sph_detected_by_its_services(
    hass: HomeAssistant, fake: FakeGrowatt
) -> None:
    """Without entities to tell, the services offered decide; the dry run reads and writes nothing."""
    device_id = await setup_growatt(hass, fake, family="sph")
    er.async_get(hass).async_remove(
        er.async_get(hass).async_get_entity_id(
            "sensor", GROWATT, f"{SERIAL}-sph_grid_frequency"
        )
        or ""
    )
    entry = await setup_ems(hass, device_id)
    await use_plan(hass, entry)
    assert action_attributes(hass)["would_write"] == [
        "AC charge periods 14:00-16:00, off, off from the grid at 40 %, stop SoC 80 %"
    ]
    assert {name for name, _ in fake.calls} == set(SPH_READ)
