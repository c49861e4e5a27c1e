"""Prices from every supported source, through the options, onto the plan's slots."""

from __future__ import annotations

from datetime import date, datetime, timedelta
import logging
from statistics import fmean
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, ServiceCall, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.ems.const import (
    CONF_EXPORT_FACTOR,
    CONF_EXPORT_FEE,
    CONF_EXPORT_PRICE_ENTITY,
    CONF_FEES,
    CONF_FIXED_EXPORT_PRICE,
    CONF_HORIZON_HOURS,
    CONF_MARKUP,
    CONF_NORDPOOL_AREA,
    CONF_NORDPOOL_ENTRY,
    CONF_OFFPEAK_PRICE,
    CONF_PEAK_END,
    CONF_PEAK_PRICE,
    CONF_PEAK_START,
    CONF_PEAK_WEEKDAYS_ONLY,
    CONF_PRICE_ATTRIBUTE,
    CONF_PRICE_SOURCE,
    CONF_PRICE_START_KEY,
    CONF_PRICE_UNIT,
    CONF_PRICE_VALUE_KEY,
    CONF_PRICES_ARE_SPOT,
    CONF_SLOT_MINUTES,
    CONF_TIBBER_HOME,
    CONF_VAT_PERCENT,
    DOMAIN,
)

from .conftest import PRICE, set_house
from .forecast_payloads import (
    HOUR,
    QUARTER,
    STOCKHOLM,
    hacs_nordpool,
    plan_issues,
    plan_rows,
    se3_hours,
    se3_quarter_hours,
    setup_ems,
)

DAY = date(2025, 10, 1)
MIDNIGHT = datetime.combine(DAY, datetime.min.time(), STOCKHOLM)
RETAIL = {
    CONF_PRICES_ARE_SPOT: True,
    CONF_MARKUP: 0.1,
    CONF_VAT_PERCENT: 25.0,
    CONF_FEES: 0.5,
    CONF_EXPORT_FACTOR: 0.9,
    CONF_EXPORT_FEE: 0.05,
}


@pytest.fixture
async def stockholm(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Put the house in Stockholm at 00:02 on 2025-10-01."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to(MIDNIGHT + timedelta(minutes=2))
    set_house(hass, soc="50", battery_w="0", pv_w="0", grid_w="800")


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, **delta: int
) -> None:
    """Move time on and let the slot clock plan again."""
    freezer.tick(timedelta(**delta))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def retail_buy(spot_per_kwh: float) -> float:
    """Return what the house pays for a spot price under RETAIL, worked out by hand."""
    return (spot_per_kwh + 0.1) * 1.25 + 0.5


@pytest.mark.usefixtures("stockholm")
async def test_hacs_nordpool_quarter_hours_through_the_retail_formula(
    hass: HomeAssistant,
) -> None:
    """SE3 spot quarter-hours in SEK/MWh become retail import and export per kWh."""
    quarters = se3_quarter_hours()
    hass.states.async_set(PRICE, "556.68", hacs_nordpool(quarters))
    await setup_ems(hass, **RETAIL)
    rows = plan_rows(hass)
    assert len(rows) == 96
    for row, (start, sek_mwh) in zip(rows, quarters, strict=True):
        assert datetime.fromisoformat(row["start"]) == start
        assert row["import_price"] == pytest.approx(
            retail_buy(sek_mwh / 1000), abs=1e-4
        )
        assert row["export_price"] == pytest.approx(
            sek_mwh / 1000 * 0.9 - 0.05, abs=1e-4
        )


@pytest.mark.usefixtures("stockholm")
async def test_hourly_prices_in_cents_are_held_over_quarter_hours(
    hass: HomeAssistant,
) -> None:
    """60 -> 15: an hourly price in öre/kWh holds for each of its four quarter-hours."""
    hours = [(start, value / 10) for start, value in se3_hours(date(2024, 10, 1))]
    moved = [(MIDNIGHT + index * HOUR, ore) for index, (_, ore) in enumerate(hours)]
    hass.states.async_set(
        PRICE,
        "5",
        hacs_nordpool(moved, step=HOUR, unit="kWh", currency="EUR", in_cents=True),
    )
    await setup_ems(hass, **{CONF_SLOT_MINUTES: 15})
    rows = plan_rows(hass)
    assert len(rows) == 96
    for index, row in enumerate(rows):
        assert row["import_price"] == pytest.approx(
            moved[index // 4][1] / 100, abs=1e-4
        )


@pytest.mark.usefixtures("stockholm")
async def test_quarter_hours_average_into_hourly_slots(hass: HomeAssistant) -> None:
    """15 -> 60: each hourly slot's price is the mean of its four quarter-hours."""
    quarters = se3_quarter_hours()
    hass.states.async_set(PRICE, "556.68", hacs_nordpool(quarters))
    await setup_ems(hass, **{CONF_SLOT_MINUTES: 60})
    rows = plan_rows(hass)
    assert len(rows) == 24
    for index, row in enumerate(rows):
        expected = fmean(value for _, value in quarters[index * 4 : index * 4 + 4])
        assert row["import_price"] == pytest.approx(expected / 1000, abs=1e-4)


def nordpool_core_response(rows: list[tuple[datetime, float]]) -> dict[str, Any]:
    """Return what `nordpool.get_prices_for_date` answers: per MWh, ISO strings."""
    return {
        "SE3": [
            {
                "start": start.astimezone(STOCKHOLM).isoformat(),
                "end": (start + QUARTER).astimezone(STOCKHOLM).isoformat(),
                "price": value,
            }
            for start, value in rows
        ]
    }


@pytest.mark.usefixtures("stockholm")
async def test_core_nordpool_today_then_tomorrow(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Core Nord Pool is asked per day; tomorrow is fetched once it is published."""
    published = {DAY: se3_quarter_hours()}
    calls: list[dict[str, Any]] = []

    async def get_prices_for_date(call: ServiceCall) -> dict[str, Any]:
        calls.append(dict(call.data))
        asked = date.fromisoformat(call.data["date"])
        if asked not in published:
            raise ServiceValidationError("No prices for that date")
        return nordpool_core_response(published[asked])

    hass.services.async_register(
        "nordpool",
        "get_prices_for_date",
        get_prices_for_date,
        supports_response=SupportsResponse.ONLY,
    )
    await setup_ems(
        hass,
        **{
            CONF_PRICE_SOURCE: "nordpool_core",
            CONF_NORDPOOL_ENTRY: "nordpool_entry_id",
            CONF_NORDPOOL_AREA: "SE3",
        },
    )
    rows = plan_rows(hass)
    assert len(rows) == 96
    assert rows[0]["import_price"] == pytest.approx(0.55668, abs=1e-4)
    assert calls[0] == {
        "config_entry": "nordpool_entry_id",
        "date": "2025-10-01",
        "areas": ["SE3"],
    }
    assert {call["date"] for call in calls} == {"2025-10-01", "2025-10-02"}

    # Tomorrow is published; the next ask comes after the retry interval, not before.
    published[date(2025, 10, 2)] = se3_quarter_hours(date(2025, 10, 2))
    asked = len(calls)
    await tick(hass, freezer, minutes=5)
    assert len(calls) == asked
    assert len(plan_rows(hass)) == 96
    await tick(hass, freezer, minutes=15)
    rows = plan_rows(hass)
    # 00:22 now: from the 00:15 slot to the end of tomorrow.
    assert len(rows) == 192 - 1
    # Today's complete day is never asked again.
    assert [call["date"] for call in calls[asked:]] == ["2025-10-02"]


@pytest.mark.usefixtures("stockholm")
async def test_tibber_prices_are_retail(hass: HomeAssistant) -> None:
    """Tibber's totals per kWh pass through; the spot formula is not applied."""
    hours = [(MIDNIGHT + index * HOUR, 0.8 + index / 100) for index in range(24)]

    async def get_prices(call: ServiceCall) -> dict[str, Any]:
        start = datetime.fromisoformat(call.data["start"])
        end = datetime.fromisoformat(call.data["end"])
        return {
            "prices": {
                "Hemma": [
                    {
                        "start_time": moment.isoformat(),
                        "price": price,
                        "level": "NORMAL",
                    }
                    for moment, price in hours
                    if start <= moment < end
                ]
            }
        }

    hass.services.async_register(
        "tibber", "get_prices", get_prices, supports_response=SupportsResponse.ONLY
    )
    await setup_ems(
        hass, **{CONF_PRICE_SOURCE: "tibber", CONF_TIBBER_HOME: "Hemma", **RETAIL}
    )
    rows = plan_rows(hass)
    assert len(rows) == 96
    for index, row in enumerate(rows):
        assert row["import_price"] == pytest.approx(hours[index // 4][1], abs=1e-6)
        assert row["export_price"] == pytest.approx(
            hours[index // 4][1] * 0.9 - 0.05, abs=1e-6
        )


@pytest.mark.parametrize(("unit", "scale"), [("€/kWh", 1.0), ("EUR/MWh", 1000.0)])
@pytest.mark.usefixtures("stockholm")
async def test_entsoe_units(hass: HomeAssistant, unit: str, scale: float) -> None:
    """ENTSO-e's hourly list is read in the sensor's unit."""
    hours = se3_hours(date(2024, 10, 1))
    prices = [
        {
            "time": (MIDNIGHT + index * HOUR).isoformat(),
            "price": eur_mwh / 1000 * scale,
        }
        for index, (_, eur_mwh) in enumerate(hours)
    ]
    hass.states.async_set(
        PRICE,
        "0.1",
        {"prices_today": prices, "prices_tomorrow": [], "unit_of_measurement": unit},
    )
    await setup_ems(hass, **{CONF_PRICE_SOURCE: "entsoe", CONF_SLOT_MINUTES: 60})
    rows = plan_rows(hass)
    assert [row["import_price"] for row in rows] == pytest.approx(
        [eur_mwh / 1000 for _, eur_mwh in hours], abs=1e-4
    )


@pytest.mark.usefixtures("stockholm")
async def test_generic_attribute_list(hass: HomeAssistant) -> None:
    """A sensor with a named list attribute and keys, in cents per kWh."""
    quarters = se3_quarter_hours()
    hass.states.async_set(
        PRICE,
        "55",
        {
            "forecast": [
                {"start_time": start.isoformat(), "value": value / 10}
                for start, value in quarters
            ]
        },
    )
    await setup_ems(
        hass,
        **{
            CONF_PRICE_SOURCE: "attribute_list",
            CONF_PRICE_ATTRIBUTE: "forecast",
            CONF_PRICE_START_KEY: "start_time",
            CONF_PRICE_VALUE_KEY: "value",
            CONF_PRICE_UNIT: "ct/kWh",
        },
    )
    rows = plan_rows(hass)
    assert len(rows) == 96
    assert rows[40]["import_price"] == pytest.approx(quarters[40][1] / 1000, abs=1e-4)


@pytest.mark.usefixtures("stockholm")
async def test_two_rate_tariff(hass: HomeAssistant) -> None:
    """A fixed tariff needs no sensor: peak 07-22 on weekdays, a fixed export price."""
    await setup_ems(
        hass,
        **{
            CONF_PRICE_SOURCE: "two_rate",
            CONF_PEAK_PRICE: 0.3,
            CONF_OFFPEAK_PRICE: 0.2,
            CONF_PEAK_START: "07:00:00",
            CONF_PEAK_END: "22:00:00",
            CONF_PEAK_WEEKDAYS_ONLY: True,
            CONF_FIXED_EXPORT_PRICE: 0.08,
            CONF_HORIZON_HOURS: 96,
            CONF_SLOT_MINUTES: 60,
            **RETAIL,
        },
    )
    rows = plan_rows(hass)
    # The tariff is known for the whole horizon: Wednesday to Saturday night.
    assert len(rows) == 96
    for row in rows:
        local = datetime.fromisoformat(row["start"]).astimezone(STOCKHOLM)
        peak = local.weekday() < 5 and 7 <= local.hour < 22
        assert row["import_price"] == (0.3 if peak else 0.2)
        assert row["export_price"] == 0.08


@pytest.mark.usefixtures("stockholm")
async def test_separate_export_prices(hass: HomeAssistant) -> None:
    """A second sensor gives the export prices; the export factor and fee apply."""
    quarters = se3_quarter_hours()
    hass.states.async_set(PRICE, "556.68", hacs_nordpool(quarters))
    hass.states.async_set(
        "sensor.export_price",
        "100",
        hacs_nordpool([(start, 100.0) for start, _ in quarters]),
    )
    await setup_ems(hass, **{CONF_EXPORT_PRICE_ENTITY: "sensor.export_price", **RETAIL})
    rows = plan_rows(hass)
    assert [row["export_price"] for row in rows] == pytest.approx(
        [0.1 * 0.9 - 0.05] * 96
    )


@pytest.mark.usefixtures("stockholm")
async def test_missing_tomorrow_ends_the_horizon_at_midnight(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """At 20:00 without tomorrow's prices the plan runs to midnight, no more."""
    hass.states.async_set(PRICE, "556.68", hacs_nordpool(se3_quarter_hours()))
    freezer.move_to(MIDNIGHT + timedelta(hours=20, minutes=1))
    await setup_ems(hass)
    rows = plan_rows(hass)
    assert len(rows) == 16
    assert datetime.fromisoformat(rows[-1]["start"]) + QUARTER == MIDNIGHT + timedelta(
        days=1
    )
    assert plan_issues(hass) == []


@pytest.mark.usefixtures("stockholm")
async def test_repair_issue_while_todays_prices_are_missing(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Only yesterday's prices: no plan, a repair issue; prices back: the issue goes."""
    yesterday = se3_quarter_hours(date(2025, 9, 30))
    hass.states.async_set(PRICE, "556.68", hacs_nordpool(yesterday))
    entry = await setup_ems(hass)
    state = hass.states.get("sensor.ems_plan")
    assert state is not None
    assert state.state == "unavailable"
    reason = (
        f"import and export prices from {PRICE} (Nord Pool, HACS): "
        "its last price ended at 2025-10-01 00:00"
    )
    assert entry.runtime_data.coordinator.data.plan_issues == (
        f"no price for the current slot: {reason}",
    )
    inputs = hass.states.get("sensor.ems_inputs")
    assert inputs is not None
    assert inputs.state == "degraded"
    assert inputs.attributes["problems"] == {"prices": f"no price for now: {reason}"}
    registry = ir.async_get(hass)
    issue = registry.async_get_issue(DOMAIN, f"prices_missing_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "prices_missing"
    assert issue.translation_placeholders == {"title": "EMS", "source": reason}

    hass.states.async_set(PRICE, "556.68", hacs_nordpool(se3_quarter_hours()))
    await hass.async_block_till_done()
    assert len(plan_rows(hass)) == 96
    assert registry.async_get_issue(DOMAIN, f"prices_missing_{entry.entry_id}") is None


@pytest.mark.usefixtures("stockholm")
async def test_unreadable_prices_warn_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bad entry is skipped with one warning naming entity and attribute."""
    attributes = hacs_nordpool(se3_quarter_hours())
    attributes["raw_today"][95] = {**attributes["raw_today"][95], "value": "n/a"}
    hass.states.async_set(PRICE, "556.68", attributes)
    caplog.set_level(logging.WARNING)
    await setup_ems(hass)
    for _ in range(3):
        await tick(hass, freezer, minutes=5)
    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING and PRICE in record.getMessage()
    ]
    assert warnings == [f"EMS input {PRICE}: raw_today[95]: unreadable 'value'"]
    # 00:17 now: the plan runs from the 00:15 slot to the last readable price.
    assert len(plan_rows(hass)) == 95 - 1


@pytest.mark.usefixtures("stockholm")
async def test_a_failing_source_never_breaks_the_coordinator(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A price service that crashes leaves no plan and a reason, the sensors live on."""

    async def get_prices(call: ServiceCall) -> dict[str, Any]:
        raise RuntimeError("tibber library bug")

    hass.services.async_register(
        "tibber", "get_prices", get_prices, supports_response=SupportsResponse.ONLY
    )
    entry = await setup_ems(hass, **{CONF_PRICE_SOURCE: "tibber"})
    coordinator = entry.runtime_data.coordinator
    assert coordinator.last_update_success
    assert coordinator.data.plan is None
    reason = (
        "import and export prices from tibber.get_prices: 2025-10-01: "
        "tibber.get_prices failed: RuntimeError: tibber library bug"
    )
    assert coordinator.data.plan_issues == (f"no price for the current slot: {reason}",)
    soc = hass.states.get("sensor.ems_state_of_charge")
    assert soc is not None
    assert float(soc.state) == 50.0
