"""The guided control self-test, against the simulated Fox ESS: consent, pulses, results.

The pulses are shortened here (the simulator answers at once); what counts is what the
simulated battery did, what the button reports and that EMS returns to what it did.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PORT, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ems.const import (
    CONF_INVERTER_MODEL,
    CONF_INVERTER_TYPE,
    CONF_SELF_TEST_CONSENT,
    CONF_UNIT_ID,
    DOMAIN,
)
from custom_components.ems.control_loop import selftest
from simulator.foxess import FoxEssSimulator

from .conftest import BATTERY_OPTIONS, SENSOR_OPTIONS, set_house
from .test_control import ACTION, REMOTE_ENABLE, WORK_MODE, setup, switch
from .test_forecast_options import FORECASTS, PRICES

BUTTON = "button.ems_control_self_test"


@pytest.fixture(autouse=True)
def short_pulses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pulse for half a second, sampling every 0.1 s."""
    monkeypatch.setattr(selftest, "PULSE", timedelta(seconds=0.5))
    monkeypatch.setattr(selftest, "SAMPLE_SECONDS", 0.1)


@pytest.fixture
async def kh(socket_enabled: None) -> AsyncGenerator[FoxEssSimulator]:
    """Run a simulated KH at night: the battery covers the house in self use."""
    simulator = FoxEssSimulator(model="KH", time_scale=0.0, start_hour=0.0)
    await simulator.async_start(host="127.0.0.1", port=0)
    yield simulator
    await simulator.async_stop()


def _entry(simulator: FoxEssSimulator, *, consent: bool = True) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="EMS",
        unique_id="sensor.house_battery_soc",
        data={
            CONF_INVERTER_TYPE: "foxess_modbus",
            CONF_HOST: "127.0.0.1",
            CONF_PORT: simulator.port,
            CONF_UNIT_ID: 247,
            CONF_INVERTER_MODEL: "KH10.5",
        },
        options={
            **SENSOR_OPTIONS,
            **BATTERY_OPTIONS,
            CONF_SELF_TEST_CONSENT: consent,
        },
    )


async def press(hass: HomeAssistant) -> None:
    """Press the self-test button."""
    await hass.services.async_call(
        "button", "press", {"entity_id": BUTTON}, blocking=True
    )


async def finished(hass: HomeAssistant) -> dict[str, Any]:
    """Wait for the self-test to end; return the button's attributes."""
    for _ in range(100):
        await hass.async_block_till_done()
        state = hass.states.get(BUTTON)
        assert state is not None
        if state.attributes.get("status") not in (None, "running"):
            return dict(state.attributes)
        await asyncio.sleep(0.1)
    raise AssertionError("the self-test did not finish")


@pytest.mark.usefixtures("house")
async def test_the_self_test_pulses_reports_and_restores(
    hass: HomeAssistant, kh: FoxEssSimulator
) -> None:
    """Charge, discharge, hold: each measured and passed; then self use as before."""
    set_house(hass, pv_w="0", battery_w="-500", grid_w="0")
    await setup(hass, _entry(kh))
    await switch(hass, SERVICE_TURN_ON)
    await press(hass)
    report = await finished(hass)
    assert report["status"] == "passed"
    results = {r["mode"]: r for r in report["results"]}
    assert list(results) == ["force_charge", "force_discharge", "hold"]
    assert results["force_charge"]["measured_kw"] == 1.0
    assert results["force_discharge"]["measured_kw"] == -1.0
    assert results["hold"]["measured_kw"] == 0.0
    assert all(r["passed"] for r in results.values())
    assert kh.holding(REMOTE_ENABLE) == 0, "back to self use, as before the test"
    assert kh.holding(WORK_MODE) == 0
    assert kh.holding(41007) == 500, "the hold's limits were given back"
    events = " | ".join(
        event["message"] for event in hass.states.get(ACTION).attributes["events"]
    )
    assert "Control self-test passed" in events


@pytest.mark.usefixtures("house")
async def test_a_battery_that_ignores_commands_fails_the_self_test(
    hass: HomeAssistant, kh: FoxEssSimulator
) -> None:
    """Each failed pulse is reported with what was expected and what was measured."""
    set_house(hass, pv_w="0", battery_w="-500", grid_w="0")
    await setup(hass, _entry(kh))
    await switch(hass, SERVICE_TURN_ON)
    kh.plant.ignores_commands = True
    await press(hass)
    report = await finished(hass)
    assert report["status"] == "failed"
    charge = report["results"][0]
    assert (charge["mode"], charge["passed"]) == ("force_charge", False)
    assert (charge["expected_kw"], charge["measured_kw"]) == (1.0, -0.5)


@pytest.mark.usefixtures("house")
@pytest.mark.parametrize(
    ("consent", "control", "house", "key"),
    [
        (False, True, {}, "self_test_no_consent"),
        (True, False, {}, "self_test_control_off"),
        (True, True, {"soc": "12"}, "self_test_near_limit"),
        (True, True, {"battery_w": "unavailable"}, "self_test_no_battery_reading"),
    ],
)
async def test_the_self_test_refuses_and_says_why(
    hass: HomeAssistant,
    kh: FoxEssSimulator,
    consent: bool,
    control: bool,
    house: dict[str, str],
    key: str,
) -> None:
    """Without consent, Control, SoC room or a battery reading nothing is written."""
    set_house(hass, pv_w="0", battery_w="-500", grid_w="0")
    await setup(hass, _entry(kh, consent=consent))
    if control:
        await switch(hass, SERVICE_TURN_ON)
    set_house(hass, **{"pv_w": "0", "battery_w": "-500", "grid_w": "0", **house})
    await asyncio.sleep(0)
    entry_runtime = hass.config_entries.async_entries(DOMAIN)[0].runtime_data
    await entry_runtime.coordinator.async_refresh()
    written = list(kh.writes)
    with pytest.raises(HomeAssistantError) as caught:
        await press(hass)
    assert caught.value.translation_key == key
    await hass.async_block_till_done()
    assert kh.writes == written
    assert entry_runtime.controller.self_test.report is None


@pytest.mark.usefixtures("house")
async def test_consent_is_given_in_the_options(
    hass: HomeAssistant, kh: FoxEssSimulator
) -> None:
    """A Fox ESS entry's options end with the self-test step; the consent is stored."""
    entry = _entry(kh, consent=False)
    await setup(hass, entry)
    result: Any = await hass.config_entries.options.async_init(entry.entry_id)
    for step in (SENSOR_OPTIONS, BATTERY_OPTIONS, PRICES, FORECASTS):
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], step
        )
    assert result["step_id"] == "control_test"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SELF_TEST_CONSENT: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_SELF_TEST_CONSENT] is True
