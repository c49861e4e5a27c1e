"""Time-of-day grid fees in the plan's prices, and the fixed daily charge in the books."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ems.const import (
    CONF_DAILY_CHARGE,
    CONF_FEES,
    CONF_GRID_FEE_HIGH,
    CONF_GRID_FEE_HIGH_TIMES,
    CONF_GRID_FEE_LOW,
    CONF_GRID_FEE_LOW_TIMES,
    CONF_GRID_FEE_QUARTERS,
    CONF_GRID_FEE_STANDARD,
    CONF_GRID_FEES,
    CONF_INVERTER_TYPE,
    CONF_MARKUP,
    CONF_PRICES_ARE_SPOT,
    CONF_SLOT_MINUTES,
    CONF_VAT_PERCENT,
    DOMAIN,
    InverterType,
)

from .accounting_house import (
    PARIS,
    TARIFF_OPTIONS,
    attributes,
    expected_books,
    household,
    play,
    show,
)
from .conftest import BATTERY_OPTIONS, PRICE, SENSOR_OPTIONS, SOC, set_house
from .forecast_payloads import HOUR, hacs_nordpool, plan_rows, se3_hours, setup_ems
from .test_forecast_options import FORECASTS, PRICES, to_prices

BERLIN_DAY = date(2024, 10, 27)  # 25 hours
GRID_FEES: dict[str, Any] = {
    CONF_GRID_FEE_LOW: 0.03,
    CONF_GRID_FEE_STANDARD: 0.09,
    CONF_GRID_FEE_HIGH: 0.12,
    CONF_GRID_FEE_LOW_TIMES: "00:00-06:00, 22:00-24:00",
    CONF_GRID_FEE_HIGH_TIMES: "17:00-20:00",
    CONF_GRID_FEE_QUARTERS: ["1", "2", "4"],
}


async def test_grid_fees_are_asked_for_when_on(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Grid fees on: a page for the three levels, times checked, stored typed."""
    result = await to_prices(hass, init_integration)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**PRICES, CONF_GRID_FEES: True, CONF_DAILY_CHARGE: 0.48}
    )
    assert result["step_id"] == "grid_fees"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**GRID_FEES, CONF_GRID_FEE_HIGH_TIMES: "17:10-20:00"}
    )
    assert result["errors"] == {CONF_GRID_FEE_HIGH_TIMES: "grid_fee_times_invalid"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], GRID_FEES
    )
    assert result["step_id"] == "forecasts"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], FORECASTS
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    options = init_integration.options
    assert options[CONF_GRID_FEES] is True
    assert options[CONF_DAILY_CHARGE] == 0.48
    assert options[CONF_GRID_FEE_QUARTERS] == ["1", "2", "4"]
    assert options[CONF_GRID_FEE_LOW_TIMES] == "00:00-06:00, 22:00-24:00"
    await hass.async_block_till_done()  # the entry reloads with the new options


@pytest.mark.parametrize("slot_minutes", [15, 60])
async def test_grid_fees_on_a_25_hour_day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, slot_minutes: int
) -> None:
    """Berlin's fall-back day: the retail formula plus the fee of each local hour."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    hours = se3_hours(BERLIN_DAY)  # the same instants in Stockholm and Berlin
    assert len(hours) == 25
    freezer.move_to(hours[0][0] + timedelta(minutes=2))
    set_house(hass, soc="50", battery_w="0", pv_w="0", grid_w="800")
    hass.states.async_set(
        PRICE, "50", hacs_nordpool(hours, step=HOUR, unit="MWh", currency="EUR")
    )
    await setup_ems(
        hass,
        **{
            CONF_PRICES_ARE_SPOT: True,
            CONF_MARKUP: 0.02,
            CONF_VAT_PERCENT: 19.0,
            CONF_FEES: 0.15,
            CONF_GRID_FEES: True,
            CONF_SLOT_MINUTES: slot_minutes,
            **GRID_FEES,
        },
    )
    rows = plan_rows(hass)
    per_hour = 60 // slot_minutes
    assert len(rows) == 25 * per_hour
    low = 0
    for index, row in enumerate(rows):
        start, spot = hours[index // per_hour]
        local = datetime.fromisoformat(row["start"]).astimezone(start.tzinfo)
        fee = (
            0.12
            if 17 <= local.hour < 20
            else 0.03
            if local.hour < 6 or local.hour >= 22
            else 0.09
        )
        low += fee == 0.03
        assert row["import_price"] == pytest.approx(
            (spot / 1000 + 0.02) * 1.19 + 0.15 + fee, abs=1e-4
        )
    # 00:00-06:00 holds seven hours today (02:00-03:00 twice), 22:00-24:00 two.
    assert low == 9 * per_hour


async def test_the_daily_charge_is_in_the_net_cost(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A whole day booked: the net cost rises by the daily charge, the savings do not."""
    day_start = datetime(2024, 11, 5, tzinfo=PARIS)
    await hass.config.async_set_time_zone("Europe/Paris")
    steps = household(day_start, day_start + timedelta(days=1, hours=1))
    freezer.move_to(steps[0].at)
    show(hass, steps[0])
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="EMS",
        unique_id=SOC,
        data={CONF_INVERTER_TYPE: InverterType.NONE.value},
        options={
            **SENSOR_OPTIONS,
            **BATTERY_OPTIONS,
            **TARIFF_OPTIONS,
            CONF_DAILY_CHARGE: 0.48,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await play(hass, freezer, steps[1:])

    day, _ = expected_books(
        steps, steps[-1].at, [day_start, day_start + timedelta(days=1)]
    )
    net = attributes(hass, "net_cost_day")
    assert net["previous_value"] == pytest.approx(day.net_cost + 0.48, abs=2e-4)
    # The next day's first hour is booked: its share of the charge, shown apart.
    booked = net["covered_hours"] + net["gap_hours"]
    assert 0.9 < booked <= 1.0
    assert net["fixed_charge"] == pytest.approx(0.48 * booked / 24, abs=2e-4)
    for key in ("savings_vs_no_battery", "savings_vs_self_use"):
        assert attributes(hass, f"{key}_day")["previous_value"] == pytest.approx(
            getattr(day, key), abs=2e-4
        ), key
