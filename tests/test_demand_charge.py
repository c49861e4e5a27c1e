"""The demand charge in Home Assistant: options, the peak so far, the sensor, the plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.ems.const import (
    CONF_DEMAND_CHARGE,
    CONF_DEMAND_FROM_HOUR,
    CONF_DEMAND_MEASURE,
    CONF_DEMAND_PRESET,
    CONF_DEMAND_PRICE,
    CONF_DEMAND_TO_HOUR,
    CONF_SLOT_MINUTES,
)
from custom_components.ems.planner import evaluate
from custom_components.ems.sources.demand import demand_storage_key

from .conftest import BATTERY_OPTIONS, GRID, PRICE, SENSOR_OPTIONS, set_house
from .forecast_payloads import STOCKHOLM, hacs_nordpool, se3_quarter_hours, setup_ems
from .test_forecast_load import MIDNIGHT, TODAY, import_power
from .test_forecast_options import FORECASTS, PRICES, to_prices

PEAK = "sensor.ems_peak_this_month"
# Three earlier days of November 2024 with their hourly peaks (kW) at 18:00 local.
PEAKS = {1: 3.0, 4: 5.0, 6: 4.0}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant itself (it needs the database first)."""


@pytest.fixture
async def stockholm(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Stockholm, 00:02 on 2024-11-08, with this month's hourly grid statistics."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to(MIDNIGHT + timedelta(minutes=2))
    set_house(hass, soc="50", battery_w="0", pv_w="0", grid_w="800")
    hass.states.async_set(PRICE, "556.68", hacs_nordpool(se3_quarter_hours(TODAY)))
    start = datetime(2024, 11, 1, tzinfo=STOCKHOLM).astimezone(UTC)
    rows = [(start + timedelta(hours=hour), 0.5) for hour in range(7 * 24)]
    for day, kw in PEAKS.items():
        moment = datetime(2024, 11, day, 18, tzinfo=STOCKHOLM).astimezone(UTC)
        rows = [(at, kw if at == moment else value) for at, value in rows]
    import_power(hass, GRID, rows)
    await async_wait_recording_done(hass)


def demand_options(**changes: Any) -> dict[str, Any]:
    """Return options with a monthly demand charge of 4.5 a kW, all hours counted."""
    return {
        CONF_SLOT_MINUTES: 15,
        CONF_DEMAND_CHARGE: True,
        CONF_DEMAND_PRICE: 4.5,
        CONF_DEMAND_MEASURE: "60",
        **changes,
    }


@pytest.mark.usefixtures("stockholm")
async def test_the_peak_so_far_comes_from_the_recorder_and_is_kept(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """The month's peak is 5 kW; the plan pays only for a rise above it, evaluated."""
    entry = await setup_ems(hass, **demand_options())
    state = hass.states.get(PEAK)
    assert state is not None
    assert float(state.state) == pytest.approx(5.0)
    assert state.attributes["unit_of_measurement"] == "kW"
    assert state.attributes["daily_peaks_kw"]["2024-11-04"] == pytest.approx(5.0)
    assert state.attributes["billed_peak_kw"] == pytest.approx(5.0)

    data = entry.runtime_data.coordinator.data
    assert data.situation is not None
    assert data.situation.demand_charge is not None
    assert data.situation.demand_charge.peak_so_far_kw == pytest.approx(5.0)
    problem, plan = data.problem, data.plan
    assert problem is not None
    assert plan is not None
    charge = problem.demand_charge
    assert charge is not None
    assert charge.price_per_kw == 4.5
    # The month ends after the horizon: every slot counts.
    assert charge.counted is not None
    assert all(charge.counted)
    judged = evaluate(problem, [slot.battery_kw for slot in plan.slots])
    assert judged.feasible
    assert judged.cost == pytest.approx(plan.objective, abs=1e-6)
    # The fuse would let it charge at 17 kW, but a new peak above 5 kW would cost.
    assert judged.peak_import_kw <= 5.0 + 1e-6
    stored = hass_storage[demand_storage_key(entry.entry_id)]["data"]
    assert stored["month"] == "2024-11"
    assert stored["days"]["2024-11-04"] == pytest.approx(5.0)


@pytest.mark.usefixtures("stockholm")
async def test_swedens_preset_bills_the_third_highest_day(hass: HomeAssistant) -> None:
    """Top three days 5, 4 and 3 kW: the plan pays a third of the price above 3 kW."""
    entry = await setup_ems(hass, **demand_options(**{CONF_DEMAND_PRESET: "sweden"}))
    problem = entry.runtime_data.coordinator.data.problem
    assert problem is not None
    charge = problem.demand_charge
    assert charge is not None
    assert charge.price_per_kw == pytest.approx(1.5)
    assert charge.peak_so_far_kw == pytest.approx(3.0)
    assert charge.measure_minutes == 60


@pytest.mark.usefixtures("stockholm")
async def test_belgiums_minimum_and_a_stored_record_beyond_the_statistics(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """A peak EMS recorded earlier (7.5 kW, gone from the statistics) still counts."""
    hass_storage[demand_storage_key("belgium")] = {
        "version": 1,
        "key": demand_storage_key("belgium"),
        "data": {"month": "2024-11", "days": {"2024-11-02": 7.5}},
    }
    entry = MockConfigEntry(
        domain="ems",
        entry_id="belgium",
        title="EMS",
        unique_id="belgium",
        data={"inverter_type": "none"},
        options={
            **SENSOR_OPTIONS,
            **BATTERY_OPTIONS,
            **demand_options(**{CONF_DEMAND_PRESET: "belgium"}),
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(PEAK)
    assert state is not None
    assert float(state.state) == pytest.approx(7.5)
    problem = entry.runtime_data.coordinator.data.problem
    assert problem is not None
    assert problem.demand_charge is not None
    assert problem.demand_charge.peak_so_far_kw == pytest.approx(7.5)
    assert problem.demand_charge.measure_minutes == 15


async def test_the_options_ask_for_the_demand_charge_when_it_is_on(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Demand charge on: its own page, the hours checked, a preset kept."""
    result = await to_prices(hass, init_integration)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**PRICES, CONF_DEMAND_CHARGE: True}
    )
    assert result["step_id"] == "demand_charge"
    answer = {
        CONF_DEMAND_PRESET: "belgium",
        CONF_DEMAND_PRICE: 4.5,
        CONF_DEMAND_FROM_HOUR: 19,
        CONF_DEMAND_TO_HOUR: 7,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], answer
    )
    assert result["errors"] == {CONF_DEMAND_TO_HOUR: "demand_hours_invalid"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**answer, CONF_DEMAND_FROM_HOUR: 7, CONF_DEMAND_TO_HOUR: 19}
    )
    assert result["step_id"] == "forecasts"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], FORECASTS
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    options = init_integration.options
    assert options[CONF_DEMAND_CHARGE] is True
    assert options[CONF_DEMAND_PRESET] == "belgium"
    assert options[CONF_DEMAND_PRICE] == 4.5
    await hass.async_block_till_done()  # the entry reloads with the new options
    state = hass.states.get(PEAK)
    assert state is not None
