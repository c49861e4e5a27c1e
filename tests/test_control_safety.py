"""Control safety against a simulated Fox ESS with the faults real adapters have.

Each test is one failure a user has met: a lost or late reply, a register that does not
take a value, an unload during a slow run, an options reload during an override, a
glitching SoC source, a crash. What counts is what the simulated inverter holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_HOST, CONF_PORT, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.ems.const import (
    CONF_HORIZON_HOURS,
    CONF_INVERTER_MODEL,
    CONF_INVERTER_TYPE,
    CONF_UNIT_ID,
    DOMAIN,
)
from simulator.foxess import FoxEssSimulator

from .conftest import BATTERY_OPTIONS, SENSOR_OPTIONS, SOC, set_house
from .test_control import (
    ACTION,
    REMOTE_ENABLE,
    REMOTE_POWER,
    WORK_MODE,
    force_charge,
    setup,
    switch,
)

DISABLE = (REMOTE_ENABLE, (0,))


@pytest.fixture
async def adapter(socket_enabled: None) -> AsyncGenerator[FoxEssSimulator]:
    """Run a simulated Fox ESS KH behind an adapter that serves one client at a time."""
    simulator = FoxEssSimulator(
        model="KH", time_scale=0.0, start_hour=0.0, one_client=True
    )
    await simulator.async_start(host="127.0.0.1", port=0)
    yield simulator
    await simulator.async_stop()


@pytest.fixture
def entry(adapter: FoxEssSimulator) -> MockConfigEntry:
    """Return an EMS entry that controls the simulated adapter."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="EMS",
        unique_id=SOC,
        data={
            CONF_INVERTER_TYPE: "foxess_modbus",
            CONF_HOST: "127.0.0.1",
            CONF_PORT: adapter.port,
            CONF_UNIT_ID: 247,
            CONF_INVERTER_MODEL: "KH10.5",
        },
        options={**SENSOR_OPTIONS, **BATTERY_OPTIONS},
    )


class Clock:
    """Home Assistant's timers, moved forward from the moment the clock was made.

    The simulated adapter needs real time (sockets, timeouts), so the clock is not
    frozen: timers fire as if `elapsed` seconds had passed since the start.
    """

    def __init__(self) -> None:
        """Start counting now."""
        self.origin = dt_util.utcnow()
        self.elapsed = 0.0

    async def later(self, hass: HomeAssistant, seconds: float) -> None:
        """Let `seconds` more pass and the runs due by then finish."""
        self.elapsed += seconds
        async_fire_time_changed(hass, self.origin + timedelta(seconds=self.elapsed))
        await hass.async_block_till_done()


def action(hass: HomeAssistant) -> dict[str, object]:
    """Return the control sensor's attributes."""
    state = hass.states.get(ACTION)
    assert state is not None
    return dict(state.attributes)


@pytest.mark.usefixtures("house")
async def test_late_reply_to_the_enable_never_leaves_remote_control_on(
    hass: HomeAssistant, adapter: FoxEssSimulator, entry: MockConfigEntry
) -> None:
    """The adapter stores the enable but answers after the timeout: EMS switches it off."""
    set_house(hass, pv_w="0", grid_w="1800")
    await setup(hass, entry)
    await switch(hass, SERVICE_TURN_ON)
    adapter.delay_write_reply(REMOTE_ENABLE, 4.0)  # the client gives up after 3 s
    await force_charge(hass, 3.0)
    assert (REMOTE_ENABLE, (1,)) in adapter.writes, "the adapter stored the enable"
    assert adapter.holding(REMOTE_ENABLE) == 0
    assert adapter.holding(WORK_MODE) == 0
    assert "switched off" in str(action(hass)["error"])

    await switch(hass, SERVICE_TURN_OFF)
    assert adapter.holding(REMOTE_ENABLE) == 0


@pytest.mark.usefixtures("house")
async def test_lost_reply_to_the_enable_is_switched_off(
    hass: HomeAssistant, adapter: FoxEssSimulator, entry: MockConfigEntry
) -> None:
    """The adapter stores the enable and never answers: EMS switches it off."""
    set_house(hass, pv_w="0", grid_w="1800")
    await setup(hass, entry)
    await switch(hass, SERVICE_TURN_ON)
    adapter.lose_write_reply(REMOTE_ENABLE)
    await force_charge(hass, 3.0)
    # The disable follows the lost enable (a retry 10 s on may enable it again).
    enable = adapter.writes.index((REMOTE_ENABLE, (1,)))
    assert (REMOTE_ENABLE, (0,)) in adapter.writes[enable:]


@pytest.mark.usefixtures("house")
async def test_control_off_ends_an_unconfirmed_enable(
    hass: HomeAssistant, adapter: FoxEssSimulator, entry: MockConfigEntry
) -> None:
    """The adapter stores the enable, then drops out before EMS can undo it.

    When it is back, Control off writes the disable: EMS never confirmed the enable,
    but it knows it sent it.
    """
    set_house(hass, pv_w="0", grid_w="1800")
    await setup(hass, entry)
    await switch(hass, SERVICE_TURN_ON)
    adapter.go_offline_after_write(REMOTE_ENABLE)
    await force_charge(hass, 3.0)
    assert adapter.holding(REMOTE_ENABLE) == 1, "stored, then the adapter was gone"
    await switch(hass, SERVICE_TURN_OFF)
    assert adapter.holding(REMOTE_ENABLE) == 1, "still gone: the hand back waits"
    adapter.back_online()
    await Clock().later(hass, 61)  # retries come at most a minute apart
    assert adapter.holding(REMOTE_ENABLE) == 0
    assert adapter.holding(WORK_MODE) == 0
    assert action(hass)["error"] is None


@pytest.mark.usefixtures("house")
async def test_a_power_that_never_reads_back_is_never_held(
    hass: HomeAssistant, adapter: FoxEssSimulator, entry: MockConfigEntry
) -> None:
    """The power register keeps its old value: remote control is never on, retries included."""
    set_house(hass, pv_w="0", grid_w="1800")
    await setup(hass, entry)
    await switch(hass, SERVICE_TURN_ON)
    adapter.stick(REMOTE_POWER)
    await force_charge(hass, 3.0)
    clock = Clock()
    for seconds in (10, 30, 60, 60):
        assert adapter.holding(REMOTE_ENABLE) == 0
        await clock.later(hass, seconds)
    assert adapter.holding(REMOTE_ENABLE) == 0
    assert (REMOTE_ENABLE, (1,)) not in adapter.writes
    assert adapter.holding(WORK_MODE) == 0
    problem = hass.states.get("binary_sensor.ems_inverter_problem")
    assert problem is not None
    assert problem.state == "on"


@pytest.mark.usefixtures("house")
async def test_nothing_is_written_after_unload(
    hass: HomeAssistant, adapter: FoxEssSimulator, entry: MockConfigEntry
) -> None:
    """An unload during a slow run waits for it; afterwards the adapter gets nothing."""
    set_house(hass, pv_w="0", grid_w="1800")
    await setup(hass, entry)
    await switch(hass, SERVICE_TURN_ON)
    adapter.delay = 0.3
    run = hass.async_create_task(force_charge(hass, 3.0))
    await asyncio.sleep(0.5)  # the run is in flight
    assert await hass.config_entries.async_unload(entry.entry_id)
    written = len(adapter.writes)
    assert adapter.holding(REMOTE_ENABLE) == 0, "unloading handed the inverter back"
    await run
    await asyncio.sleep(1.0)
    await Clock().later(hass, 120)
    assert len(adapter.writes) == written


@pytest.mark.usefixtures("house")
async def test_an_options_reload_keeps_a_running_override(
    hass: HomeAssistant, adapter: FoxEssSimulator, entry: MockConfigEntry
) -> None:
    """Changing an option reloads EMS; the forced charge goes on without a pause."""
    set_house(hass, pv_w="0", grid_w="1800")
    await setup(hass, entry)
    await switch(hass, SERVICE_TURN_ON)
    await force_charge(hass, 3.0)
    assert adapter.holding(REMOTE_ENABLE) == 1
    before = len(adapter.writes)
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_HORIZON_HOURS: 24}
    )
    await hass.async_block_till_done()
    assert DISABLE not in adapter.writes[before:]
    assert adapter.holding(REMOTE_ENABLE) == 1
    assert hass.states.get(ACTION) is not None
    assert action(hass)["layer"] == "override"
    assert action(hass)["error"] is None, "the new entry reached the one-client adapter"


@pytest.mark.usefixtures("house")
async def test_a_single_zero_soc_reading_never_charges_from_the_grid(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A source that reads 0 % for a moment is not a critical SoC; one that stays low is.

    The decision is what the control sensor says EMS would do (no inverter needed).
    """

    async def after(seconds: float) -> None:
        freezer.tick(timedelta(seconds=seconds))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()

    await setup(hass, mock_config_entry)
    await after(60)
    set_house(hass, soc="0.0")
    await after(11)
    layers = [action(hass)["layer"]]
    set_house(hass, soc="55")
    await after(11)
    await after(60)
    layers.append(action(hass)["layer"])
    assert "critical" not in layers

    set_house(hass, soc="5")
    await after(11)
    assert action(hass)["layer"] != "critical", "one reading is not yet confirmed"
    await after(31)
    assert action(hass)["layer"] == "critical"
    assert "force charge 1 kW" in action(hass)["would_write"]


@pytest.mark.usefixtures("house")
async def test_a_failing_inverter_is_reported_once(
    hass: HomeAssistant,
    adapter: FoxEssSimulator,
    entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One warning when the fault starts, one line when it ends, whatever the retries.

    pymodbus's own error lines about EMS's requests stay out of the log (the retry
    timing itself is tested with a Growatt in test_growatt.py, on a frozen clock).
    """
    set_house(hass, pv_w="0", grid_w="1800")
    await setup(hass, entry)
    await switch(hass, SERVICE_TURN_ON)
    adapter.fail_next(count=1000)
    clock = Clock()
    await force_charge(hass, 3.0)
    for seconds in (11, 31, 61, 61):
        await clock.later(hass, seconds)
    assert action(hass)["error"] is not None
    adapter.clear_faults()
    await clock.later(hass, 61)
    assert action(hass)["error"] is None
    assert adapter.holding(REMOTE_ENABLE) == 1
    assert caplog.text.count("EMS cannot control the inverter") == 1
    assert caplog.text.count("EMS controls the inverter again") == 1
    assert not [
        record
        for record in caplog.records
        if record.name.startswith("pymodbus") and record.levelno >= logging.WARNING
    ]


@pytest.mark.usefixtures("house")
async def test_settings_are_saved_the_moment_they_change(
    hass: HomeAssistant,
    adapter: FoxEssSimulator,
    entry: MockConfigEntry,
    hass_storage: dict[str, object],
) -> None:
    """Control and an override are on disk at once: a killed process keeps them."""
    set_house(hass, pv_w="0", grid_w="1800")
    await setup(hass, entry)
    await switch(hass, SERVICE_TURN_ON)
    await force_charge(hass, 3.0)
    stored = hass_storage[f"{DOMAIN}.settings.{entry.entry_id}"]
    assert isinstance(stored, dict)
    assert stored["data"]["control_enabled"] is True
    assert stored["data"]["override"]["mode"] == "force_charge"
