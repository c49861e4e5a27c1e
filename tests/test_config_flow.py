"""Every path through the config, reconfigure and options flows."""

from __future__ import annotations

from collections.abc import AsyncGenerator
import socket
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ems import config_flow
from custom_components.ems.const import (
    CONF_GROWATT_DEVICE,
    CONF_INVERTER_MODEL,
    CONF_INVERTER_SERIAL,
    CONF_INVERTER_TYPE,
    CONF_LOAD_POWER_ENTITY,
    CONF_MAX_SOC,
    CONF_MIN_SOC,
    CONF_UNIT_ID,
    DOMAIN,
)
from simulator.foxess import FoxEssSimulator

from .conftest import BATTERY_OPTIONS, LOAD, SENSOR_OPTIONS
from .test_forecast_options import FORECASTS, PRICES


@pytest.fixture
async def inverter(socket_enabled: None) -> AsyncGenerator[FoxEssSimulator]:
    """Run a simulated Fox ESS KH inverter on 127.0.0.1 (loopback only)."""
    simulator = FoxEssSimulator(model="KH")
    await simulator.async_start(host="127.0.0.1", port=0)
    yield simulator
    await simulator.async_stop()


@pytest.fixture
def closed_port(socket_enabled: None) -> int:
    """Return a loopback port with nothing listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def finish_planning_steps(hass: HomeAssistant, flow_id: str) -> ConfigFlowResult:
    """Answer the options flow's price and forecast steps."""
    result = await hass.config_entries.options.async_configure(flow_id, PRICES)
    assert result["step_id"] == "forecasts"
    return await hass.config_entries.options.async_configure(flow_id, FORECASTS)


def fox(port: int) -> dict[str, Any]:
    """Return the Fox ESS connection form for a loopback port."""
    return {CONF_HOST: "127.0.0.1", CONF_PORT: port, CONF_UNIT_ID: 247}


async def start_to_inverter_step(hass: HomeAssistant) -> str:
    """Fill in the house and the battery; return the flow id at the inverter step."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Garage battery", **SENSOR_OPTIONS}
    )
    assert result["step_id"] == "battery"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], BATTERY_OPTIONS
    )
    assert result["step_id"] == "inverter"
    return str(result["flow_id"])


@pytest.mark.usefixtures("house")
async def test_plan_only(hass: HomeAssistant) -> None:
    """Without an inverter the entry stores the sensors and battery as options."""
    flow_id = await start_to_inverter_step(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_INVERTER_TYPE: "none"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Garage battery"
    assert result["data"] == {CONF_INVERTER_TYPE: "none"}
    assert result["options"] == {**SENSOR_OPTIONS, **BATTERY_OPTIONS}
    assert result["result"].unique_id == SENSOR_OPTIONS["battery_soc_entity"]
    await hass.async_block_till_done()
    assert hass.states.get("sensor.garage_battery_state_of_charge") is not None


@pytest.mark.usefixtures("house")
async def test_battery_limits_error_then_recovery(hass: HomeAssistant) -> None:
    """A minimum SoC at or above the maximum is refused with a translated error."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], SENSOR_OPTIONS
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**BATTERY_OPTIONS, CONF_MIN_SOC: 90.0, CONF_MAX_SOC: 80.0}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_MIN_SOC: "min_soc_not_below_max"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], BATTERY_OPTIONS
    )
    assert result["step_id"] == "inverter"


@pytest.mark.usefixtures("house")
async def test_sensors_of_the_wrong_kind_are_refused(hass: HomeAssistant) -> None:
    """A % sensor as the price or a price as the state of charge is named and refused."""
    hass.states.async_set("sensor.humidity", "45", {"unit_of_measurement": "%"})
    hass.states.async_set("sensor.spot", "0.21", {"unit_of_measurement": "EUR/kWh"})
    hass.states.async_set("sensor.energy", "1234", {"unit_of_measurement": "kWh"})
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            **SENSOR_OPTIONS,
            "battery_soc_entity": "sensor.spot",
            "pv_power_entity": "sensor.energy",
            "price_entity": "sensor.humidity",
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {
        "battery_soc_entity": "soc_not_percent",
        "pv_power_entity": "not_a_power",
        "price_entity": "not_a_price",
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], SENSOR_OPTIONS
    )
    assert result["step_id"] == "battery"


async def test_duplicate_battery_aborts(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The same battery system cannot be added twice."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], SENSOR_OPTIONS
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.usefixtures("house")
async def test_foxess_cannot_connect_then_recovers(
    hass: HomeAssistant, inverter: FoxEssSimulator, closed_port: int
) -> None:
    """A port with nothing listening shows an error; the right port is accepted."""
    flow_id = await start_to_inverter_step(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_INVERTER_TYPE: "foxess_modbus"}
    )
    assert result["step_id"] == "foxess"
    result = await hass.config_entries.flow.async_configure(flow_id, fox(closed_port))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(flow_id, fox(inverter.port))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert data[CONF_INVERTER_TYPE] == "foxess_modbus"
    assert (data[CONF_HOST], data[CONF_PORT], data[CONF_UNIT_ID]) == (
        "127.0.0.1",
        inverter.port,
        247,
    )
    assert data[CONF_INVERTER_MODEL].startswith("KH")
    # The connection test only reads: nothing was written to the inverter.
    assert inverter.writes == []


@pytest.mark.usefixtures("house")
async def test_foxess_unsupported_model(
    hass: HomeAssistant, inverter: FoxEssSimulator
) -> None:
    """A device that is not a supported Fox ESS model is refused."""
    inverter.set_model_string("SUN2000-5KTL")
    flow_id = await start_to_inverter_step(hass)
    await hass.config_entries.flow.async_configure(
        flow_id, {CONF_INVERTER_TYPE: "foxess_modbus"}
    )
    result = await hass.config_entries.flow.async_configure(flow_id, fox(inverter.port))
    assert result["errors"] == {"base": "unsupported_model"}


@pytest.mark.usefixtures("house")
async def test_foxess_modbus_error(
    hass: HomeAssistant, inverter: FoxEssSimulator
) -> None:
    """An inverter answering with a Modbus exception is refused."""
    inverter.fail_next(count=10)
    flow_id = await start_to_inverter_step(hass)
    await hass.config_entries.flow.async_configure(
        flow_id, {CONF_INVERTER_TYPE: "foxess_modbus"}
    )
    result = await hass.config_entries.flow.async_configure(flow_id, fox(inverter.port))
    assert result["errors"] == {"base": "protocol_error"}


@pytest.mark.usefixtures("house")
async def test_foxess_timeout(
    hass: HomeAssistant, inverter: FoxEssSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An inverter that does not answer in time is refused."""
    monkeypatch.setattr(config_flow, "PROBE_TIMEOUT", 0.2)
    inverter.delay = 1.0
    flow_id = await start_to_inverter_step(hass)
    await hass.config_entries.flow.async_configure(
        flow_id, {CONF_INVERTER_TYPE: "foxess_modbus"}
    )
    result = await hass.config_entries.flow.async_configure(flow_id, fox(inverter.port))
    assert result["errors"] == {"base": "timeout"}


async def test_same_inverter_twice_aborts(
    hass: HomeAssistant, inverter: FoxEssSimulator
) -> None:
    """A second entry for an inverter already set up is refused."""
    MockConfigEntry(
        domain=DOMAIN, unique_id="other_battery", data=fox(inverter.port)
    ).add_to_hass(hass)
    hass.states.async_set(
        "sensor.house_battery_soc", "50", {"unit_of_measurement": "%"}
    )
    flow_id = await start_to_inverter_step(hass)
    await hass.config_entries.flow.async_configure(
        flow_id, {CONF_INVERTER_TYPE: "foxess_modbus"}
    )
    result = await hass.config_entries.flow.async_configure(flow_id, fox(inverter.port))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.usefixtures("house")
async def test_growatt(hass: HomeAssistant) -> None:
    """A Growatt inverter is chosen as the device Home Assistant already has."""
    growatt_entry = MockConfigEntry(domain="growatt_server")
    growatt_entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=growatt_entry.entry_id, identifiers={("growatt_server", "TLX1")}
    )
    flow_id = await start_to_inverter_step(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_INVERTER_TYPE: "growatt"}
    )
    assert result["step_id"] == "growatt"
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_GROWATT_DEVICE: device.id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_INVERTER_TYPE: "growatt",
        CONF_GROWATT_DEVICE: device.id,
    }


async def test_reconfigure_to_foxess(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    inverter: FoxEssSimulator,
    closed_port: int,
) -> None:
    """The inverter connection can be changed later, tested before it is stored."""
    result = await init_integration.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_INVERTER_TYPE: "foxess_modbus"}
    )
    assert result["step_id"] == "foxess"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], fox(closed_port)
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], fox(inverter.port)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert init_integration.data[CONF_PORT] == inverter.port
    assert init_integration.data[CONF_INVERTER_SERIAL] is not None
    # Options are untouched and the entry came back up.
    assert init_integration.options == {**SENSOR_OPTIONS, **BATTERY_OPTIONS}
    state = hass.states.get("sensor.ems_state_of_charge")
    assert state is not None
    assert state.state == "55.0"


async def test_reconfigure_back_to_plan_only(
    hass: HomeAssistant, inverter: FoxEssSimulator
) -> None:
    """An entry with an inverter can be switched back to planning only."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="battery",
        data={CONF_INVERTER_TYPE: "foxess_modbus", **fox(inverter.port)},
        options={**SENSOR_OPTIONS, **BATTERY_OPTIONS},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_INVERTER_TYPE: "none"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {CONF_INVERTER_TYPE: "none"}


async def test_options_flow(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Sensors and battery can be tuned; a bad SoC pair is refused and fixed."""
    hass.states.async_set(LOAD, "800", {"unit_of_measurement": "W"})
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**SENSOR_OPTIONS, CONF_LOAD_POWER_ENTITY: LOAD}
    )
    assert result["step_id"] == "battery"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**BATTERY_OPTIONS, CONF_MIN_SOC: 100.0}
    )
    assert result["errors"] == {CONF_MIN_SOC: "min_soc_not_below_max"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**BATTERY_OPTIONS, CONF_MIN_SOC: 20.0}
    )
    result = await finish_planning_steps(hass, result["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options[CONF_MIN_SOC] == 20.0
    assert init_integration.options[CONF_LOAD_POWER_ENTITY] == LOAD
    # The entry reloaded with the measured load.
    state = hass.states.get("sensor.ems_load_power")
    assert state is not None
    assert state.state == "0.8"


async def test_options_flow_clears_load_sensor(
    hass: HomeAssistant, house: None, mock_config_entry: MockConfigEntry
) -> None:
    """Removing the load sensor goes back to deriving the load."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry,
        options={**mock_config_entry.options, CONF_LOAD_POWER_ENTITY: LOAD},
    )
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], SENSOR_OPTIONS
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], BATTERY_OPTIONS
    )
    result = await finish_planning_steps(hass, result["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_LOAD_POWER_ENTITY not in mock_config_entry.options
