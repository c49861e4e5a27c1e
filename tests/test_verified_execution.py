"""Verified execution: EMS checks what the battery did, not only what the registers say.

Against the simulated Fox ESS: commands that are accepted and ignored (foxess_modbus
#1113) are flagged, raise a repair, and make EMS fall back to self use; a derated
battery is explained, not alarmed; a hold on an H3-Smart keeps PV; small adapters and
models EMS does not control are met at setup. Commands are judged at once here (the
two control periods a command has to show are the pure tests' business).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Any

from homeassistant import config_entries
from homeassistant.const import CONF_HOST, CONF_PORT, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ems.const import (
    CONF_INVERTER_MODEL,
    CONF_INVERTER_TYPE,
    CONF_MAX_READ,
    CONF_UNIT_ID,
    DOMAIN,
)
from custom_components.ems.core.control.link import FoxEssLink
from custom_components.ems.core.control.verify import Execution
from simulator.foxess import FoxEssSimulator

from .conftest import BATTERY_OPTIONS, SENSOR_OPTIONS, set_house
from .test_control import ACTION, REMOTE_ENABLE, WORK_MODE, force_charge, setup, switch
from .test_control_safety import Clock

PROBLEM = "binary_sensor.ems_command_not_carried_out"


@pytest.fixture(autouse=True)
def judge_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Judge a command at its first check (the real clock cannot be moved here)."""
    monkeypatch.setattr(FoxEssLink, "execution", Execution(settle=timedelta(0)))


@pytest.fixture
async def kh(socket_enabled: None) -> AsyncGenerator[FoxEssSimulator]:
    """Run a simulated KH at night: no PV, the battery covers the load in self use."""
    simulator = FoxEssSimulator(model="KH", time_scale=0.0, start_hour=0.0)
    await simulator.async_start(host="127.0.0.1", port=0)
    yield simulator
    await simulator.async_stop()


def _entry(simulator: FoxEssSimulator, model: str) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="EMS",
        unique_id="sensor.house_battery_soc",
        data={
            CONF_INVERTER_TYPE: "foxess_modbus",
            CONF_HOST: "127.0.0.1",
            CONF_PORT: simulator.port,
            CONF_UNIT_ID: 247,
            CONF_INVERTER_MODEL: model,
        },
        options={**SENSOR_OPTIONS, **BATTERY_OPTIONS},
    )


def _state(hass: HomeAssistant, entity_id: str) -> tuple[str, dict[str, Any]]:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state, dict(state.attributes)


def _logbook(hass: HomeAssistant) -> str:
    """Return the recent events the control sensor shows (they are in the logbook)."""
    return " | ".join(event["message"] for event in _state(hass, ACTION)[1]["events"])


@pytest.mark.usefixtures("house")
async def test_commands_accepted_and_ignored_are_caught_and_ems_falls_back(
    hass: HomeAssistant, kh: FoxEssSimulator
) -> None:
    """Registers read back, the battery does not move: flag, repair, then self use."""
    set_house(hass, pv_w="0", grid_w="1800")
    entry = _entry(kh, "KH10.5")
    await setup(hass, entry)
    await switch(hass, SERVICE_TURN_ON)
    kh.plant.ignores_commands = True
    await force_charge(hass, 3.0)
    assert kh.holding(REMOTE_ENABLE) == 1, "the command was written and reads back"

    state, attributes = _state(hass, PROBLEM)
    assert state == "on"
    assert attributes["mode"] == "force_charge"
    assert attributes["expected_kw"] == 3.0
    assert attributes["measured_kw"] < 0.0, "the battery covers the load instead"
    assert attributes["source"] == "inverter"
    assert "Not carried out: force charge" in _logbook(hass)

    issue_id = f"command_not_carried_out_{entry.entry_id}"
    clock = Clock()
    await clock.later(hass, 61)
    await clock.later(hass, 61)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders["expected"] == "+3.00"

    await clock.later(hass, 61)
    await clock.later(hass, 61)
    assert kh.holding(REMOTE_ENABLE) == 0, "EMS fell back to self use"
    assert kh.holding(WORK_MODE) == 0
    _, action = _state(hass, ACTION)
    assert action["layer"] == "safety"
    assert "did not carry out force charge" in action["reason"]
    assert "Back to self use until" in _logbook(hass)
    assert _state(hass, PROBLEM)[0] == "on"
    counters = entry.runtime_data.controller.verification.as_dict()["counters"]
    assert (counters["flagged"], counters["fallbacks"]) == (1, 1)

    # Fixed (a firmware update, say); the user asks again: EMS tries at once.
    kh.plant.ignores_commands = False
    await force_charge(hass, 3.0)
    assert kh.holding(REMOTE_ENABLE) == 1
    assert _state(hass, PROBLEM)[0] == "off"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert "Follows the plan again" in _logbook(hass)


@pytest.mark.usefixtures("house")
async def test_a_derated_battery_is_explained_not_alarmed(
    hass: HomeAssistant, kh: FoxEssSimulator
) -> None:
    """The BMS allows 1.5 kW of the 3 kW asked: explained, for as long as it lasts."""
    set_house(hass, pv_w="0", grid_w="1800")
    entry = _entry(kh, "KH10.5")
    await setup(hass, entry)
    await switch(hass, SERVICE_TURN_ON)
    kh.plant.derate_w = 1500
    await force_charge(hass, 3.0)
    clock = Clock()
    for _ in range(6):
        await clock.later(hass, 61)
    assert _state(hass, PROBLEM)[0] == "off"
    assert kh.holding(REMOTE_ENABLE) == 1, "the charge goes on"
    last = entry.runtime_data.controller.verification.as_dict()["last"]
    assert last["outcome"] == "explained"
    assert "derating" in last["explanation"]
    assert last["measured_kw"] == 1.5


@pytest.fixture
async def h3_smart(socket_enabled: None) -> AsyncGenerator[FoxEssSimulator]:
    """Run a simulated H3-Smart at noon: 4 kW of PV."""
    simulator = FoxEssSimulator(model="H3-Smart", time_scale=0.0, start_hour=12.0)
    await simulator.async_start(host="127.0.0.1", port=0)
    yield simulator
    await simulator.async_stop()


@pytest.mark.usefixtures("house")
async def test_a_hold_on_an_h3_smart_keeps_its_pv(
    hass: HomeAssistant, h3_smart: FoxEssSimulator
) -> None:
    """Hold is the battery's limits, not a 0 W set-point: PV keeps flowing to the grid."""
    set_house(hass, pv_w="4000", battery_w="3500", grid_w="0")
    entry = _entry(h3_smart, "H3-10.0-Smart")
    await setup(hass, entry)
    await switch(hass, SERVICE_TURN_ON)
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.ems_operating_mode", "option": "hold"},
        blocking=True,
    )
    await hass.async_block_till_done()
    flows = h3_smart.flows()
    assert flows.battery == 0.0
    assert flows.pv == 4000.0, "PV is not curtailed"
    assert flows.grid < -3000.0, "the surplus is exported"
    assert not h3_smart.remote_control_enabled
    assert _state(hass, PROBLEM)[0] == "off"
    last = entry.runtime_data.controller.verification.as_dict()["last"]
    assert last["outcome"] == "carried_out"

    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.ems_operating_mode", "option": "auto"},
        blocking=True,
    )
    await hass.async_block_till_done()
    settings = h3_smart.profile.settings
    assert h3_smart.holding(settings.max_charge_current) == 500, "limits given back"
    assert h3_smart.flows().battery < -3000.0, "self use stores the surplus again"


async def _fox_step(hass: HomeAssistant) -> str:
    """Walk the config flow to the Fox ESS step; return the flow's id."""
    result: Any = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "EMS", **SENSOR_OPTIONS}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], BATTERY_OPTIONS
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_INVERTER_TYPE: "foxess_modbus"}
    )
    return str(result["flow_id"])


async def _submit(
    hass: HomeAssistant, flow_id: str, port: int, **fields: Any
) -> dict[str, Any]:
    return dict(
        await hass.config_entries.flow.async_configure(
            flow_id,
            {CONF_HOST: "127.0.0.1", CONF_PORT: port, CONF_UNIT_ID: 247, **fields},
        )
    )


@pytest.mark.usefixtures("house")
async def test_a_small_adapter_is_read_in_small_blocks(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """An adapter that answers 8 registers: 16 is refused with a hint, the default works."""
    simulator = FoxEssSimulator(model="H3-Smart", max_read=8)
    await simulator.async_start(host="127.0.0.1", port=0)
    try:
        flow_id = await _fox_step(hass)
        too_big = await _submit(hass, flow_id, simulator.port, **{CONF_MAX_READ: 16})
        assert too_big["errors"] == {"base": "protocol_error"}
        result = await _submit(hass, flow_id, simulator.port)
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"][CONF_MAX_READ] == 8
    finally:
        await simulator.async_stop()


@pytest.mark.usefixtures("house")
@pytest.mark.parametrize(
    ("model", "error"),
    [
        ("AIO-H3", "refused_aio_h3"),
        ("EVO", "refused_evo"),
        ("H1-LAN", "refused_h1_lan"),
    ],
)
async def test_models_ems_does_not_control_are_refused_at_setup(
    hass: HomeAssistant, socket_enabled: None, model: str, error: str
) -> None:
    """The user is told which model it is and why EMS does not control it."""
    simulator = FoxEssSimulator(model=model)
    await simulator.async_start(host="127.0.0.1", port=0)
    try:
        result = await _submit(hass, await _fox_step(hass), simulator.port)
        assert result["errors"] == {"base": error}
        assert simulator.writes == []
    finally:
        await simulator.async_stop()


@pytest.mark.usefixtures("house")
async def test_a_hold_cut_short_by_a_crash_is_given_back_at_start_up(
    hass: HomeAssistant, kh: FoxEssSimulator, hass_storage: dict[str, Any]
) -> None:
    """The store remembers the limits a hold replaced; the next start puts them back."""
    set_house(hass, pv_w="0", grid_w="1800")
    entry = _entry(kh, "KH10.5")
    await setup(hass, entry)
    await switch(hass, SERVICE_TURN_ON)
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.ems_operating_mode", "option": "hold"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert (kh.holding(41007), kh.holding(41008)) == (0, 0)
    key = f"{DOMAIN}.settings.{entry.entry_id}"
    stored = hass_storage[key]
    assert isinstance(stored, dict)
    assert stored["data"]["inverter_memory"] == {"held_currents": [50.0, 50.0]}

    # A crash: nothing is handed back. The store is what the next start finds.
    crashed = {**stored, "data": {**stored["data"], "control_enabled": False}}
    await entry.runtime_data.controller.link.async_close()
    entry.runtime_data.controller.handing_over = True
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert (kh.holding(41007), kh.holding(41008)) == (0, 0), "still held"
    hass_storage[key] = crashed
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert (kh.holding(41007), kh.holding(41008)) == (500, 500)
    assert "battery currents restored" in _logbook(hass)
