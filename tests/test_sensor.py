"""The battery system as EMS sees it: sensor states from the house's sensors."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.ems.const import CONF_LOAD_POWER_ENTITY

from .conftest import BATTERY, GRID, LOAD, PRICE, PV, SOC, set_house


async def settle(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the coordinator's refresh cooldown (10 s) pass."""
    freezer.tick(timedelta(seconds=11))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def input_problems(hass: HomeAssistant) -> set[str]:
    """Return which inputs sensor.ems_inputs names as problems."""
    inputs = hass.states.get("sensor.ems_inputs")
    assert inputs is not None
    return set(inputs.attributes["problems"])


def value(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state, failing clearly when it does not exist."""
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} does not exist"
    return state.state


@pytest.mark.usefixtures("init_integration")
async def test_readings_are_shown_in_kw(hass: HomeAssistant) -> None:
    """Watts become kW; the load is derived from grid + PV - battery."""
    assert value(hass, "sensor.ems_state_of_charge") == "55.0"
    assert value(hass, "sensor.ems_battery_power") == "1.2"
    assert value(hass, "sensor.ems_pv_power") == "3.4"
    assert value(hass, "sensor.ems_grid_power") == "-0.6"
    assert float(value(hass, "sensor.ems_load_power")) == pytest.approx(1.6)
    assert value(hass, "sensor.ems_import_price") == "0.25"
    # The house's price sensor has no list of prices, and it produces 3.4 kW with no
    # PV forecast set up: the readings themselves are fine.
    assert input_problems(hass) == {"prices", "pv_forecast"}
    price = hass.states.get("sensor.ems_import_price")
    assert price is not None
    assert price.attributes["unit_of_measurement"] == "EUR/kWh"


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("state", "unit", "expected_kw"),
    [("2.5", "kW", "2.5"), ("2500", "W", "2.5"), ("0.0025", "MW", "2.5")],
)
async def test_power_units(
    hass: HomeAssistant, state: str, unit: str, expected_kw: str
) -> None:
    """Power in W, kW or MW is shown in kW."""
    hass.states.async_set(PV, state, {"unit_of_measurement": unit})
    await hass.async_block_till_done()
    assert value(hass, "sensor.ems_pv_power") == expected_kw


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("state", "unit", "expected"),
    [
        ("250", "EUR/MWh", "0.25"),
        ("25", "ct/kWh", "0.25"),
        ("31.5", "öre/kWh", "0.315"),
    ],
)
async def test_price_units(
    hass: HomeAssistant, state: str, unit: str, expected: str
) -> None:
    """Prices per MWh or in cents are shown per kWh."""
    hass.states.async_set(PRICE, state, {"unit_of_measurement": unit})
    await hass.async_block_till_done()
    assert value(hass, "sensor.ems_import_price") == expected


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("entity_id", "state", "attributes"),
    [
        (SOC, "unavailable", {"unit_of_measurement": "%"}),
        (SOC, "unknown", {"unit_of_measurement": "%"}),
        (SOC, "full", {"unit_of_measurement": "%"}),
        (SOC, "140", {"unit_of_measurement": "%"}),
        (SOC, "55", {"unit_of_measurement": "kWh"}),
    ],
)
async def test_bad_soc_is_rejected_and_recovers(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
    entity_id: str,
    state: str,
    attributes: dict[str, str],
) -> None:
    """A bad SoC makes only the SoC sensor unavailable, logged once, then recovers."""
    hass.states.async_set(entity_id, state, attributes)
    await hass.async_block_till_done()
    assert value(hass, "sensor.ems_state_of_charge") == STATE_UNAVAILABLE
    assert value(hass, "sensor.ems_pv_power") == "3.4"
    assert value(hass, "sensor.ems_inputs") == "degraded"
    inputs = hass.states.get("sensor.ems_inputs")
    assert inputs is not None
    assert SOC in inputs.attributes["problems"]["soc"]
    assert caplog.text.count("EMS ignores the soc reading") == 1

    set_house(hass, soc="57")
    await settle(hass, freezer)
    assert value(hass, "sensor.ems_state_of_charge") == "57.0"
    # The house's price sensor has no list of prices, and it produces 3.4 kW with no
    # PV forecast set up: the readings themselves are fine.
    assert input_problems(hass) == {"prices", "pv_forecast"}
    assert caplog.text.count("EMS has the soc reading back") == 1


@pytest.mark.usefixtures("init_integration")
async def test_spike_beyond_configured_limits_is_rejected(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A battery power far beyond the battery's 5 kW limit is a spike."""
    hass.states.async_set(BATTERY, "65000", {"unit_of_measurement": "W"})
    await hass.async_block_till_done()
    assert value(hass, "sensor.ems_battery_power") == STATE_UNAVAILABLE
    # The derived load needs the battery power, so it goes too; PV stays.
    assert value(hass, "sensor.ems_load_power") == STATE_UNAVAILABLE
    assert value(hass, "sensor.ems_pv_power") == "3.4"
    hass.states.async_set(BATTERY, "5500", {"unit_of_measurement": "W"})
    await settle(hass, freezer)
    assert value(hass, "sensor.ems_battery_power") == "5.5"


async def test_measured_load_is_used_when_selected(
    hass: HomeAssistant, house: None, mock_config_entry: MockConfigEntry
) -> None:
    """With a load sensor selected, EMS shows it rather than deriving the load."""
    hass.states.async_set(LOAD, "0.9", {"unit_of_measurement": "kW"})
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry,
        options={**mock_config_entry.options, CONF_LOAD_POWER_ENTITY: LOAD},
    )
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert value(hass, "sensor.ems_load_power") == "0.9"


async def test_missing_source_entity(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """An entity that does not exist leaves its sensor unavailable, not a crash."""
    set_house(hass)
    hass.states.async_remove(GRID)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert value(hass, "sensor.ems_grid_power") == STATE_UNAVAILABLE
    assert value(hass, "sensor.ems_state_of_charge") == "55.0"
    inputs = hass.states.get("sensor.ems_inputs")
    assert inputs is not None
    assert inputs.attributes["problems"]["grid_power"] == f"{GRID} does not exist"


@pytest.mark.usefixtures("init_integration")
async def test_refresh_on_the_slot_clock(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Small changes wait for the next 5-minute tick; then they are shown."""
    hass.states.async_set(BATTERY, "1210", {"unit_of_measurement": "W"})
    await hass.async_block_till_done()
    assert value(hass, "sensor.ems_battery_power") == "1.2"
    freezer.tick(timedelta(minutes=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert value(hass, "sensor.ems_battery_power") == "1.21"


async def test_no_negative_zero(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A value that rounds to zero as shown is zero, never "-0.00"."""
    set_house(hass, grid_w="-0.4", battery_w="-20")
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert value(hass, "sensor.ems_grid_power") == "0.0"
    assert value(hass, "sensor.ems_battery_power") == "-0.02"
