"""Inverter control from Home Assistant against a simulated Fox ESS inverter on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_HOST,
    CONF_PORT,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
)
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from custom_components.ems.const import (
    CONF_INVERTER_MODEL,
    CONF_INVERTER_TYPE,
    CONF_UNIT_ID,
    DOMAIN,
)
from simulator.foxess import FoxEssSimulator

from .conftest import BATTERY_OPTIONS, SENSOR_OPTIONS, set_house

CONTROL = "switch.ems_control"
ACTION = "sensor.ems_control_action"
REMOTE_ENABLE, REMOTE_TIMEOUT, REMOTE_POWER, WORK_MODE = 44000, 44001, 44002, 41000


@pytest.fixture
async def inverter(socket_enabled: None) -> AsyncGenerator[FoxEssSimulator]:
    """Run a simulated Fox ESS KH inverter on 127.0.0.1 at night (no PV), its clock stopped."""
    simulator = FoxEssSimulator(model="KH", time_scale=0.0, start_hour=0.0)
    await simulator.async_start(host="127.0.0.1", port=0)
    yield simulator
    await simulator.async_stop()


@pytest.fixture
def fox_entry(inverter: FoxEssSimulator) -> MockConfigEntry:
    """Return an EMS entry that controls the simulated inverter."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="EMS",
        unique_id="sensor.house_battery_soc",
        data={
            CONF_INVERTER_TYPE: "foxess_modbus",
            CONF_HOST: "127.0.0.1",
            CONF_PORT: inverter.port,
            CONF_UNIT_ID: 247,
            CONF_INVERTER_MODEL: "KH10.5",
        },
        options={**SENSOR_OPTIONS, **BATTERY_OPTIONS},
    )


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the entry up and let the first control run finish."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def force_charge(hass: HomeAssistant, kw: float) -> None:
    """Ask for a forced charge for an hour."""
    await hass.services.async_call(
        DOMAIN,
        "override",
        {"mode": "force_charge", "power_kw": kw, "duration": {"hours": 1}},
        blocking=True,
    )
    await hass.async_block_till_done()


async def switch(hass: HomeAssistant, service: str) -> None:
    """Turn the Control switch on or off."""
    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: CONTROL}, blocking=True
    )
    await hass.async_block_till_done()


@pytest.mark.usefixtures("house")
async def test_control_off_is_a_dry_run(
    hass: HomeAssistant, inverter: FoxEssSimulator, fox_entry: MockConfigEntry
) -> None:
    """With Control off EMS says what it would write and writes nothing."""
    await setup(hass, fox_entry)
    await force_charge(hass, 3.0)
    action = hass.states.get(ACTION)
    assert action is not None
    assert action.state == "force_charge"
    assert action.attributes["dry_run"] is True
    assert action.attributes["layer"] == "override"
    # PV is 3.4 kW: charging the battery at 3 kW leaves 0.4 kW for the AC side.
    assert "force discharge 400 W" in action.attributes["would_write"]
    assert inverter.writes == []


@pytest.mark.usefixtures("house")
async def test_control_on_writes_and_off_hands_back(
    hass: HomeAssistant, inverter: FoxEssSimulator, fox_entry: MockConfigEntry
) -> None:
    """Control on writes remote control; off returns the inverter to self use."""
    set_house(hass, pv_w="0", grid_w="1800")
    await setup(hass, fox_entry)
    await switch(hass, SERVICE_TURN_ON)
    await force_charge(hass, 3.0)
    assert inverter.holding(REMOTE_ENABLE) == 1
    assert inverter.holding(REMOTE_TIMEOUT) == 120
    assert inverter.holding(REMOTE_POWER) == (-3000) & 0xFFFF
    assert inverter.holding(WORK_MODE) == 0
    action = hass.states.get(ACTION)
    assert action is not None
    assert action.attributes["dry_run"] is False
    assert "force charge 3000 W" in action.attributes["wrote"]

    await switch(hass, SERVICE_TURN_OFF)
    assert inverter.holding(REMOTE_ENABLE) == 0
    assert inverter.holding(WORK_MODE) == 0


@pytest.mark.usefixtures("house")
async def test_unchanged_commands_are_not_rewritten(
    hass: HomeAssistant,
    inverter: FoxEssSimulator,
    fox_entry: MockConfigEntry,
) -> None:
    """The next control period only keeps remote control alive."""
    set_house(hass, pv_w="0", grid_w="1800")
    await setup(hass, fox_entry)
    await switch(hass, SERVICE_TURN_ON)
    await force_charge(hass, 3.0)
    written = len(inverter.writes)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=1))
    await hass.async_block_till_done()
    new = inverter.writes[written:]
    # Only the keep-alive: the power again (twice when a slow machine runs late).
    assert new
    assert set(new) == {(REMOTE_POWER, ((-3000) & 0xFFFF,))}


@pytest.mark.usefixtures("house")
async def test_failing_inverter_raises_a_repair_and_recovers(
    hass: HomeAssistant,
    inverter: FoxEssSimulator,
    fox_entry: MockConfigEntry,
) -> None:
    """Three failed runs raise a repair issue; the next success clears it."""
    await setup(hass, fox_entry)
    await switch(hass, SERVICE_TURN_ON)
    inverter.fail_next(count=1000)
    await force_charge(hass, 3.0)
    for wait in (10, 30):
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=wait))
        await hass.async_block_till_done()
    issue_id = f"inverter_unreachable_{fox_entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    action = hass.states.get(ACTION)
    assert action is not None
    assert action.attributes["error"]
    problem = hass.states.get("binary_sensor.ems_inverter_problem")
    assert problem is not None
    assert problem.state == "on"
    assert "exception" in problem.attributes["error"]

    inverter.clear_faults()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=60))
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert inverter.holding(REMOTE_ENABLE) == 1
    problem = hass.states.get("binary_sensor.ems_inverter_problem")
    assert problem is not None
    assert problem.state == "off"


@pytest.mark.usefixtures("house")
async def test_a_different_inverter_is_never_written(
    hass: HomeAssistant,
    inverter: FoxEssSimulator,
    fox_entry: MockConfigEntry,
) -> None:
    """Another model at the address: setup stops with the reason, nothing is written."""
    other = MockConfigEntry(
        domain=DOMAIN,
        title="EMS",
        unique_id=fox_entry.unique_id,
        data={**fox_entry.data, CONF_INVERTER_MODEL: "H3-10.0-E"},
        options=dict(fox_entry.options),
    )
    other.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(other.entry_id)
    assert other.state is ConfigEntryState.SETUP_ERROR
    assert other.reason is not None
    assert "KH10.5" in other.reason
    assert inverter.writes == []


@pytest.mark.usefixtures("house")
async def test_a_swapped_inverter_is_never_written(
    hass: HomeAssistant,
    inverter: FoxEssSimulator,
    fox_entry: MockConfigEntry,
) -> None:
    """An inverter that turns into another model after setup gets no writes and a repair issue."""
    await setup(hass, fox_entry)
    inverter.set_model_string("H3-10.0-E")
    inverter.drop_connection()
    await switch(hass, SERVICE_TURN_ON)
    await force_charge(hass, 3.0)
    for seconds in (10, 40, 100):
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
        await hass.async_block_till_done()
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"inverter_unreachable_{fox_entry.entry_id}"
    )
    assert issue is not None
    assert "H3-10.0-E" in issue.translation_placeholders["error"]
    assert inverter.writes == []


@pytest.mark.usefixtures("house")
async def test_restart_clears_our_leftover_remote_control(
    hass: HomeAssistant, inverter: FoxEssSimulator, fox_entry: MockConfigEntry
) -> None:
    """Remote control that EMS left on before a restart is cleared at start-up."""
    inverter.set_holding(REMOTE_TIMEOUT, 120)
    inverter.set_holding(REMOTE_ENABLE, 1)
    inverter.set_holding(REMOTE_POWER, (-3000) & 0xFFFF)
    mock_restore_cache_with_extra_data(hass, [(State(CONTROL, "on"), {})])
    await setup(hass, fox_entry)
    assert inverter.holding(REMOTE_ENABLE) == 0
    assert inverter.holding(WORK_MODE) == 0


@pytest.mark.usefixtures("house")
async def test_foreign_remote_control_is_left_alone(
    hass: HomeAssistant, inverter: FoxEssSimulator, fox_entry: MockConfigEntry
) -> None:
    """Remote control another program enabled (other watchdog) is not touched at start-up."""
    inverter.set_holding(REMOTE_TIMEOUT, 300)
    inverter.set_holding(REMOTE_ENABLE, 1)
    await setup(hass, fox_entry)
    assert inverter.holding(REMOTE_ENABLE) == 1
