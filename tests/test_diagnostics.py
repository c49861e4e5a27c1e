"""Diagnostics: what a user attaches to a bug report, with a plan and the control loop."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from functools import partial
import json
import subprocess
import sys
from typing import Any

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.ems.const import (
    CONF_INVERTER_MODEL,
    CONF_INVERTER_SERIAL,
    CONF_INVERTER_TYPE,
    CONF_TIBBER_HOME,
    CONF_UNIT_ID,
    DOMAIN,
    LOAD_SUBENTRY,
)
from simulator.foxess import FoxEssSimulator

from .conftest import BATTERY_OPTIONS, SENSOR_OPTIONS
from .planned_house import async_plan_house, dry_run_entry, set_planned_house


@pytest.fixture
async def inverter(socket_enabled: None) -> AsyncGenerator[FoxEssSimulator]:
    """Run a simulated Fox ESS KH inverter on 127.0.0.1, its clock stopped."""
    simulator = FoxEssSimulator(model="KH", time_scale=0.0, start_hour=0.0)
    await simulator.async_start(host="127.0.0.1", port=0)
    yield simulator
    await simulator.async_stop()


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    inverter: FoxEssSimulator,
    snapshot: SnapshotAssertion,
) -> None:
    """Configuration, readings, the plan and the control loop; personal data redacted."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    set_planned_house(hass)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="EMS",
        unique_id="sensor.house_battery_soc",
        data={
            CONF_INVERTER_TYPE: "foxess_modbus",
            CONF_HOST: "127.0.0.1",
            CONF_PORT: inverter.port,
            CONF_UNIT_ID: 247,
            CONF_INVERTER_MODEL: "KH10.5",
            CONF_INVERTER_SERIAL: "60KH1234567890",
        },
        options={**SENSOR_OPTIONS, **BATTERY_OPTIONS, CONF_TIBBER_HOME: "Elm Street"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.ems_control"}, blocking=True
    )
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    # Times follow the real clock; the plan's money follows the slot of the day.
    assert diagnostics == snapshot(
        exclude=props(
            "port",
            "slots",
            "solve_seconds",
            "at",
            "start",
            "end",
            "reason",
            "first_slot",
            "cost",
            "expected_saving",
            "memory",
            "events",
            "last_run",
            "last",
            "situation",
        )
    )
    text = str(diagnostics)
    for personal in ("127.0.0.1", "60KH1234567890", "Elm Street"):
        assert personal not in text
    assert diagnostics["plan"]["slots"] > 0
    assert diagnostics["control"]["link"] == "FoxEssLink"
    # Fox ESS carries out self use's caps (current limits): the plan may use them
    # (the Situation's default; only an inverter without them says `false`).
    assert "mode_caps" not in diagnostics["situation"]
    assert diagnostics["control"]["last_run"]["dry_run"] is False


DISHWASHER: dict[str, Any] = {
    "load_type": "appliance",
    "name": "Dishwasher",
    "switch_entity": "input_boolean.dishwasher",
    "power_kw": 2.0,
    "energy_kwh": 1.5,
    "earliest": "08:00:00",
    "latest": "18:00:00",
    "one_block": True,
}
CAR: dict[str, Any] = {
    "load_type": "ev_charger",
    "name": "Car",
    "switch_entity": "input_boolean.wallbox",
    "current_entity": "input_number.wallbox_current",
    "phases": "3",
    "energy_kwh": 12.0,
    "latest": "07:00:00",
}


async def test_the_command_line_plans_what_home_assistant_planned(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """The diagnostics' Situation, planned offline, gives Home Assistant's plan, loads too."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    entry = dry_run_entry(
        subentries_data=[
            ConfigSubentryData(
                data=data,
                subentry_type=LOAD_SUBENTRY,
                title=data["name"],
                unique_id=None,
            )
            for data in (DISHWASHER, CAR)
        ],
    )
    await async_plan_house(hass, entry)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    situation = diagnostics["situation"]
    assert situation["mode_caps"] is False
    assert [load["kind"] for load in situation["loads"]] == ["deferrable", "modulating"]
    # 4 weeks of quarter hours up to now; without recorder statistics only the load
    # measured now, standing for the last slot.
    load = situation["history"]["load_kw"]
    assert len(load) >= 4 * 7 * 24 * 4
    assert [kw for kw in load if kw is not None] == [0.8]

    offline = await hass.async_add_executor_job(
        partial(
            subprocess.run,
            [sys.executable, "-m", "custom_components.ems.planner", "--situation", "-"],
            input=json.dumps(situation),
            capture_output=True,
            text=True,
            check=True,
        )
    )
    slots = json.loads(offline.stdout)["slots"]
    planned = entry.runtime_data.coordinator.data.plan
    assert planned is not None
    assert [slot["mode"] for slot in slots] == [slot.mode for slot in planned.slots]
    assert [slot["battery_kw"] for slot in slots] == pytest.approx(
        [slot.battery_kw for slot in planned.slots], abs=1e-6
    )
    for load in situation["loads"]:
        assert [slot["loads_kw"][load["id"]] for slot in slots] == pytest.approx(
            [slot.loads_kw[load["id"]] for slot in planned.slots], abs=1e-6
        )
