"""Diagnostics: what a user attaches to a bug report, without secrets."""

from __future__ import annotations

from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.ems.const import (
    CONF_INVERTER_MODEL,
    CONF_INVERTER_SERIAL,
    CONF_INVERTER_TYPE,
    CONF_UNIT_ID,
    DOMAIN,
)

from .conftest import BATTERY_OPTIONS, SENSOR_OPTIONS


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    house: None,
    snapshot: SnapshotAssertion,
) -> None:
    """The inverter's address and serial are redacted."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="EMS",
        unique_id="sensor.house_battery_soc",
        data={
            CONF_INVERTER_TYPE: "foxess_modbus",
            CONF_HOST: "192.0.2.10",
            CONF_PORT: 502,
            CONF_UNIT_ID: 247,
            CONF_INVERTER_MODEL: "KH10",
            CONF_INVERTER_SERIAL: "60KH1234567890",
        },
        options={**SENSOR_OPTIONS, **BATTERY_OPTIONS},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics == snapshot
    assert "192.0.2.10" not in str(diagnostics)
    assert "60KH1234567890" not in str(diagnostics)
