"""Snapshots of every platform's entities: registry entries and states.

One platform at a time, as a fresh install with a Growatt inverter sees it (a link, so
the inverter's entities exist), on a frozen clock; every entity is enabled.
"""

from __future__ import annotations

from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    mock_config_flow,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from .conftest import set_house
from .test_growatt import GROWATT, NOW, FakeFlow, FakeGrowatt, setup_ems, setup_growatt

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", PLATFORMS)
async def test_platform(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """Every entity of the platform, as registered and as shown."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to(NOW)
    set_house(hass, soc="50", battery_w="0", pv_w="0", grid_w="800")
    with mock_config_flow(GROWATT, FakeFlow):
        device_id = await setup_growatt(hass, FakeGrowatt(), family="min")
        with patch("custom_components.ems.entry.PLATFORMS", [platform]):
            entry = await setup_ems(hass, device_id)
            await snapshot_platform(
                hass,
                entity_registry,
                # Fields Home Assistant 2026 added to registry entries: not EMS's.
                snapshot.with_defaults(
                    exclude=props("object_id_base", "suggested_object_id")
                ),
                entry.entry_id,
            )
            assert await hass.config_entries.async_unload(entry.entry_id)
