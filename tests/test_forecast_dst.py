"""The two daylight-saving days in Stockholm: 92 and 100 quarter-hours of real prices."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from custom_components.ems.const import CONF_SLOT_MINUTES

from .conftest import PRICE, set_house
from .forecast_payloads import (
    HOUR,
    STOCKHOLM,
    hacs_nordpool,
    plan_issues,
    plan_rows,
    se3_hours,
    setup_ems,
)


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2024, 3, 31), 23), (date(2024, 10, 27), 25)]
)
@pytest.mark.parametrize("slot_minutes", [15, 60])
async def test_dst_day_from_hourly_prices(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    day: date,
    hours: int,
    slot_minutes: int,
) -> None:
    """Hourly EUR/MWh prices of a DST day fill exactly its local day, hour by hour."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    midnight = datetime.combine(day, datetime.min.time(), STOCKHOLM)
    freezer.move_to(midnight + timedelta(minutes=2))
    set_house(hass, soc="50", battery_w="0", pv_w="0", grid_w="800")
    prices = se3_hours(day)
    assert len(prices) == hours
    hass.states.async_set(
        PRICE, "50", hacs_nordpool(prices, step=HOUR, unit="MWh", currency="EUR")
    )
    await setup_ems(hass, **{CONF_SLOT_MINUTES: slot_minutes})

    rows = plan_rows(hass)
    per_hour = 60 // slot_minutes
    assert len(rows) == hours * per_hour
    starts = [datetime.fromisoformat(row["start"]) for row in rows]
    slot = timedelta(minutes=slot_minutes)
    assert starts[0] == midnight.astimezone(UTC)
    assert all(
        later - earlier == slot
        for earlier, later in zip(starts, starts[1:], strict=False)
    )
    next_midnight = datetime.combine(
        day + timedelta(days=1), datetime.min.time(), STOCKHOLM
    )
    assert starts[-1] + slot == next_midnight.astimezone(UTC)
    for index, row in enumerate(rows):
        assert row["import_price"] == pytest.approx(
            prices[index // per_hour][1] / 1000, abs=1e-4
        )
    # Tomorrow unknown: the horizon ends at midnight without complaint.
    assert plan_issues(hass) == []
