"""Storm and outage reserve: weather warnings raise the reserve ahead of and during them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.ems.const import (
    CONF_STORM_RESERVE_SOC,
    CONF_WARNING_ENTITIES,
    CONF_WARNING_SEVERITY,
)

from .conftest import PRICE, SOC, set_house
from .forecast_payloads import (
    STOCKHOLM,
    hacs_nordpool,
    plan_issues,
    plan_rows,
    se3_quarter_hours,
    setup_ems,
)
from .provider_payloads import bom, dwd, meteoalarm
from .test_forecast_options import FORECASTS, PRICES, suggested_value, to_prices

DAY = date(2025, 10, 1)
MIDNIGHT = datetime.combine(DAY, datetime.min.time(), STOCKHOLM)
HOUR = timedelta(hours=1)
METEOALARM = "binary_sensor.meteoalarm"
DWD = "sensor.nordfriesland_current_warning_level"
BOM = "sensor.sydney_warnings"
WIND = "Orange Wind Warning"


@pytest.fixture
async def stockholm(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Stockholm at 00:02 on 2025-10-01, the battery at 50 %, SE3 prices for two days."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to(MIDNIGHT + timedelta(minutes=2))
    set_house(hass, soc="50", battery_w="0", pv_w="0", grid_w="800")
    hass.states.async_set(
        PRICE,
        "556.68",
        hacs_nordpool(se3_quarter_hours(), se3_quarter_hours(date(2025, 10, 2))),
    )


def control(hass: HomeAssistant) -> dict[str, Any]:
    """Return the control action sensor's attributes."""
    state = hass.states.get("sensor.ems_control_action")
    assert state is not None
    return dict(state.attributes)


async def at(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, moment: datetime
) -> None:
    """Move the clock, let the slot clock plan and the control loop run (SoC settled)."""
    freezer.move_to(moment)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("stockholm")
async def test_an_announced_warning_is_charged_for_ahead(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Meteoalarm announces wind from 06:00 to 18:00: 80 % by 06:00, held until 18:00."""
    onset, expires = MIDNIGHT + 6 * HOUR, MIDNIGHT + 18 * HOUR
    hass.states.async_set(METEOALARM, "on", meteoalarm(onset, expires))
    await setup_ems(hass, **{CONF_WARNING_ENTITIES: [METEOALARM]})

    rows = plan_rows(hass)
    assert len(rows) == 192
    ends = [
        datetime.fromisoformat(row["start"]) + timedelta(minutes=15) for row in rows
    ]
    kept = [row for row, end in zip(rows, ends, strict=True) if onset < end <= expires]
    assert len(kept) == 12 * 4
    # 80 % at 06:00 and at the end of every slot until 18:00.
    assert rows[ends.index(onset)]["soc_percent"] >= 80.0 - 1e-6
    assert min(row["soc_percent"] for row in kept) >= 80.0 - 1e-6
    assert all(
        row["reason"].startswith(
            f"storm reserve for {WIND}: keep at least 80 % until 18:00"
        )
        for row in kept
    )
    charging = [
        row
        for row, end in zip(rows, ends, strict=True)
        if end <= onset and row["mode"] == "force_charge"
    ]
    # Charging up to the reserve is for the storm; above it, for the price.
    assert any(row["soc_percent"] <= 80.0 for row in charging)
    for row in charging:
        storm = row["reason"].startswith(
            f"storm reserve for {WIND}: charge to 80 % by 06:00; charge from grid"
        )
        assert storm is (row["soc_percent"] <= 80.5)
    # After the warning the plan may use the battery below the reserve again.
    assert (
        min(
            row["soc_percent"]
            for row, end in zip(rows, ends, strict=True)
            if end > expires
        )
        < 80
    )
    assert (
        f"storm reserve 80 % for {WIND} from 2025-10-01 06:00 to 2025-10-01 18:00"
        in plan_issues(hass)
    )
    # Ahead of the warning the control loop follows the plan; no reserve layer yet.
    assert control(hass)["layer"] != "reserve"

    # 06:05, the warning is in force and the battery fell short: the reserve layer charges.
    hass.states.async_set(
        SOC, "60", {"unit_of_measurement": "%", "device_class": "battery"}
    )
    await at(hass, freezer, onset + timedelta(minutes=5))
    attributes = control(hass)
    assert attributes["layer"] == "reserve"
    assert attributes["reason"] == (
        f"reserve: SoC 60 % is below the 80 % storm reserve for {WIND}"
    )

    # After it the reserve is the user's again.
    hass.states.async_set(METEOALARM, "off", {})
    await at(hass, freezer, expires + timedelta(minutes=5))
    assert control(hass)["layer"] != "reserve"
    assert not any(issue.startswith("storm reserve") for issue in plan_issues(hass))


@pytest.mark.usefixtures("stockholm")
async def test_a_dwd_warning_in_force_holds_the_reserve_now(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """DWD's current warning: the reserve from now to its end, a higher one than asked."""
    hass.states.async_set(
        DWD, "3", dwd([("ORKANBÖEN", 3, MIDNIGHT - HOUR, MIDNIGHT + 8 * HOUR)])
    )
    await setup_ems(
        hass, **{CONF_WARNING_ENTITIES: [DWD], CONF_STORM_RESERVE_SOC: 90.0}
    )
    await at(hass, freezer, MIDNIGHT + timedelta(minutes=3))
    rows = plan_rows(hass)
    # Charging at 5 kW raises a 10 kWh battery 12.5 % a quarter-hour: 90 % by 01:00.
    assert rows[0]["mode"] == "force_charge"
    assert rows[0]["reason"].startswith(
        "storm reserve for ORKANBÖEN: keep at least 90 %"
    )
    assert min(row["soc_percent"] for row in rows[4:32]) >= 90.0 - 1e-6
    attributes = control(hass)
    assert attributes["layer"] == "reserve"
    assert attributes["reason"] == (
        "reserve: SoC 50 % is below the 90 % storm reserve for ORKANBÖEN"
    )


@pytest.mark.usefixtures("stockholm")
async def test_warnings_below_the_severity_are_ignored(hass: HomeAssistant) -> None:
    """A minor BOM warning counts only when minor warnings are asked for."""
    hass.states.async_set(
        BOM, "1", bom([("Frost Warning", "minor", MIDNIGHT + 6 * HOUR, "new")])
    )
    entry = await setup_ems(hass, **{CONF_WARNING_ENTITIES: [BOM]})
    assert not any(issue.startswith("storm reserve") for issue in plan_issues(hass))

    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_WARNING_SEVERITY: "minor"}
    )
    await hass.async_block_till_done()
    assert (
        "storm reserve 80 % for Frost Warning from 2025-10-01 00:02 to 2025-10-01 06:00"
        in plan_issues(hass)
    )


@pytest.mark.usefixtures("stockholm")
async def test_a_warning_that_turns_on_replans_at_once(hass: HomeAssistant) -> None:
    """Any binary sensor: on means a warning now; the plan changes without waiting."""
    hass.states.async_set(
        "binary_sensor.storm", "off", {"friendly_name": "Storm watch"}
    )
    await setup_ems(hass, **{CONF_WARNING_ENTITIES: ["binary_sensor.storm"]})
    assert not any(issue.startswith("storm reserve") for issue in plan_issues(hass))
    hass.states.async_set("binary_sensor.storm", "on", {"friendly_name": "Storm watch"})
    await hass.async_block_till_done()
    issues = plan_issues(hass)
    assert (
        "storm reserve 80 % for Storm watch from 2025-10-01 00:02 to its end" in issues
    )
    assert plan_rows(hass)[0]["reason"].startswith("storm reserve for Storm watch")


@pytest.mark.usefixtures("stockholm")
async def test_an_unknown_warning_entity_is_reported(hass: HomeAssistant) -> None:
    """A sensor of no known warning shape: `sensor.ems_inputs` says so."""
    hass.states.async_set("sensor.outdoor", "12.5", {"unit_of_measurement": "°C"})
    await setup_ems(hass, **{CONF_WARNING_ENTITIES: ["sensor.outdoor"]})
    inputs = hass.states.get("sensor.ems_inputs")
    assert inputs is not None
    assert inputs.state == "degraded"
    assert inputs.attributes["problems"]["warnings"].startswith(
        "sensor.outdoor: not a warning EMS knows"
    )


async def test_warnings_are_chosen_with_the_forecasts(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The forecasts page takes the warning entities, the reserve and the severity."""
    result = await to_prices(hass, init_integration)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], PRICES
    )
    assert suggested_value(result, CONF_STORM_RESERVE_SOC) == 80.0
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            **FORECASTS,
            CONF_WARNING_ENTITIES: [METEOALARM, DWD],
            CONF_STORM_RESERVE_SOC: 75,
            CONF_WARNING_SEVERITY: "severe",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    options = init_integration.options
    assert options[CONF_WARNING_ENTITIES] == [METEOALARM, DWD]
    assert options[CONF_STORM_RESERVE_SOC] == 75.0
    assert options[CONF_WARNING_SEVERITY] == "severe"
    await hass.async_block_till_done()  # the entry reloads with the new options
