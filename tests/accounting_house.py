"""A real household day for the accounting tests, and its books worked out independently.

PV and load: emhass-household-fr (30 min, kW); spot prices: DE-LU day-ahead (hourly,
EUR/MWh), both from the slices of public series in tests/data. The battery follows a
simple script: charge from the grid in the cheap night hours, discharge in the evening
peak (exporting some), store PV surplus in between. The expected totals below are
computed from the states the test sets, with the definitions in docs/accounting.md, not
with the ledger's code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.ems.const import (
    CONF_EXPORT_FACTOR,
    CONF_EXPORT_FEE,
    CONF_FEES,
    CONF_MARKUP,
    CONF_PRICES_ARE_SPOT,
    CONF_VAT_PERCENT,
    DOMAIN,
)

from .conftest import SOC, set_house
from .inputs.shared_data import DE_LU, EMHASS_LOAD, EMHASS_PV, Series, read_series

PARIS = ZoneInfo("Europe/Paris")
STEP = timedelta(minutes=5)
MAX_HOLD = timedelta(minutes=15)

# conftest's battery: 10 kWh, 10-100 %, 5 kW each way, 95 % each way.
CAPACITY, MIN_SOC, MAX_SOC, MAX_KW, EFFICIENCY = 10.0, 10.0, 100.0, 5.0, 0.95

TARIFF_OPTIONS: dict[str, Any] = {
    CONF_PRICES_ARE_SPOT: True,
    CONF_MARKUP: 0.02,
    CONF_VAT_PERCENT: 20.0,
    CONF_FEES: 0.10,
    CONF_EXPORT_FACTOR: 0.9,
    CONF_EXPORT_FEE: 0.01,
}


def buy(spot: float) -> float:
    """Return the retail import price of the test tariff."""
    return (spot + 0.02) * 1.2 + 0.10


def sell(spot: float) -> float:
    """Return the export price of the test tariff."""
    return spot * 0.9 - 0.01


@dataclass(frozen=True, kw_only=True)
class Step:
    """The house from `at` until the next step: W values as the sensors report them."""

    at: datetime
    soc: float
    battery_w: float
    pv_w: float
    grid_w: float
    spot: float

    @property
    def load_kw(self) -> float:
        """Return the load the balance implies."""
        return (self.grid_w + self.pv_w - self.battery_w) / 1000.0


def _half_hourly(series: Series) -> dict[datetime, float]:
    return {start: value or 0.0 for start, value in read_series(series)}


def _hourly_spot() -> dict[datetime, float]:
    return {start: (value or 0.0) / 1000.0 for start, value in read_series(DE_LU)}


def household(start: datetime, end: datetime, soc: float = 30.0) -> list[Step]:
    """Return 5-minute steps of the real household over [start, end), local times."""
    pv_series, load_series = _half_hourly(EMHASS_PV), _half_hourly(EMHASS_LOAD)
    spots = _hourly_spot()
    steps: list[Step] = []
    at = start
    while at < end:
        local = at.astimezone(PARIS)
        half = local.replace(minute=local.minute // 30 * 30, second=0)
        pv, load = pv_series[half], load_series[half]
        spot = spots[local.replace(minute=0, second=0)]
        battery = _script(local.hour, pv, load, soc)
        steps.append(
            Step(
                at=at,
                soc=round(soc, 3),
                battery_w=round(battery * 1000.0, 1),
                pv_w=round(pv * 1000.0, 1),
                grid_w=round((load - pv + battery) * 1000.0, 1),
                spot=spot,
            )
        )
        hours = STEP.total_seconds() / 3600.0
        stored = (battery * EFFICIENCY if battery > 0 else battery / EFFICIENCY) * hours
        soc += stored / CAPACITY * 100.0
        at += STEP
    return steps


def _script(hour: int, pv: float, load: float, soc: float) -> float:
    """Return the battery power (kW, + charging) the test's battery is driven with."""
    if 2 <= hour < 5:
        return 3.0 if soc < 90.0 else 0.0
    if 18 <= hour < 20:
        return -min(MAX_KW, load + 1.0) if soc > MIN_SOC + 5.0 else 0.0
    surplus = pv - load
    if surplus > 0:
        return min(surplus, MAX_KW) if soc < MAX_SOC - 1.0 else 0.0
    return max(surplus, -MAX_KW) if soc > MIN_SOC + 1.0 else 0.0


@dataclass(kw_only=True)
class Expected:
    """One period's totals, worked out step by step."""

    import_kwh: float = 0.0
    export_kwh: float = 0.0
    charged_kwh: float = 0.0
    discharged_kwh: float = 0.0
    import_cost: float = 0.0
    export_revenue: float = 0.0
    cost_no_battery: float = 0.0
    cost_self_use: float = 0.0
    arbitrage_profit: float = 0.0
    self_use_stored: float = 0.0

    @property
    def net_cost(self) -> float:
        """Return import cost minus export revenue."""
        return self.import_cost - self.export_revenue

    @property
    def savings_vs_no_battery(self) -> float:
        """Return the saving against no battery."""
        return self.cost_no_battery - self.net_cost

    @property
    def savings_vs_self_use(self) -> float:
        """Return the saving against plain self use."""
        return self.cost_self_use - self.net_cost


def _grid_cost(net_kwh: float, spot: float) -> float:
    return net_kwh * (buy(spot) if net_kwh >= 0 else sell(spot))


def _self_use(stored: float, pv: float, load: float, hours: float) -> float:
    """Return the battery kWh (AC, + charging) of plain self use over one step."""
    surplus = pv - load
    if surplus >= 0:
        room = CAPACITY * MAX_SOC / 100.0 - stored
        return min(surplus, MAX_KW * hours, max(room, 0.0) / EFFICIENCY)
    spare = stored - CAPACITY * MIN_SOC / 100.0
    return -min(-surplus, MAX_KW * hours, max(spare, 0.0) * EFFICIENCY)


def expected_books(
    steps: Sequence[Step], until: datetime, bounds: Iterable[datetime]
) -> list[Expected]:
    """Return the totals of the periods that start at `bounds`, from steps up to `until`.

    Each step's readings hold until the next step (at most 15 minutes; a longer
    interval is missing data); the battery's energy is valued at
    a weighted average cost (grid charge at the import price, PV charge at the export
    price forgone, energy of unknown cost at the export price).
    """
    edges = sorted(bounds)
    books = [Expected() for _ in edges]
    stored, wacb = steps[0].soc / 100.0 * CAPACITY, None
    started: set[int] = set()
    ends = [step.at for step in steps[1:]] + [until]
    for step, end in zip(steps, ends, strict=True):
        index = max(i for i, edge in enumerate(edges) if edge <= step.at)
        following = next((s for s in steps if s.at == end), None)
        if end - step.at > MAX_HOLD:
            # Readings are held for at most 15 minutes: a longer outage is a gap.
            stored = (following.soc if following else step.soc) / 100.0 * CAPACITY
            continue
        period, hours = books[index], (end - step.at).total_seconds() / 3600.0
        if index not in started:
            # The self-use twin starts from the energy measured at the period's start.
            started.add(index)
            period.self_use_stored = stored
        grid, pv, battery = step.grid_w / 1000, step.pv_w / 1000, step.battery_w / 1000
        load = grid + pv - battery
        imported, exported = max(grid, 0) * hours, max(-grid, 0) * hours
        charge, discharge = max(battery, 0) * hours, max(-battery, 0) * hours
        period.import_kwh += imported
        period.export_kwh += exported
        period.charged_kwh += charge
        period.discharged_kwh += discharge
        period.import_cost += imported * buy(step.spot)
        period.export_revenue += exported * sell(step.spot)
        period.cost_no_battery += _grid_cost((load - pv) * hours, step.spot)
        twin = _self_use(period.self_use_stored, pv * hours, load * hours, hours)
        period.self_use_stored += twin * EFFICIENCY if twin > 0 else twin / EFFICIENCY
        period.cost_self_use += _grid_cost((load - pv) * hours + twin, step.spot)
        if charge > 0:
            from_grid = min(charge, imported)
            cost = from_grid * buy(step.spot) + (charge - from_grid) * sell(step.spot)
            held = stored * (sell(step.spot) if wacb is None else wacb)
            stored += charge * EFFICIENCY
            wacb = (held + cost) / stored
        if discharge > 0:
            out = min(discharge, exported)
            value = (discharge - out) * buy(step.spot) + out * sell(step.spot)
            wacb = sell(step.spot) if wacb is None else wacb
            period.arbitrage_profit += value - discharge / EFFICIENCY * wacb
        stored = (following.soc if following else step.soc) / 100.0 * CAPACITY
    return books


def entity_id(hass: HomeAssistant, key: str) -> str:
    """Return the entity id of an EMS sensor by its key."""
    found = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{SOC}_{key}")
    assert found is not None, key
    return found


def value(hass: HomeAssistant, key: str) -> float:
    """Return an EMS sensor's state as a number."""
    state = hass.states.get(entity_id(hass, key))
    assert state is not None, key
    return float(state.state)


def attributes(hass: HomeAssistant, key: str) -> dict[str, Any]:
    """Return an EMS sensor's attributes."""
    state = hass.states.get(entity_id(hass, key))
    assert state is not None, key
    return dict(state.attributes)


def show(hass: HomeAssistant, step: Step) -> None:
    """Set the house sensors to a step's readings."""
    set_house(
        hass,
        soc=f"{step.soc}",
        battery_w=f"{step.battery_w}",
        pv_w=f"{step.pv_w}",
        grid_w=f"{step.grid_w}",
        price=f"{step.spot}",
    )


async def play(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, steps: Iterable[Step]
) -> None:
    """Live through the steps: at each, the house changes and the clocks run."""
    for step in steps:
        freezer.move_to(step.at)
        show(hass, step)
        await hass.async_block_till_done()
        async_fire_time_changed(hass, step.at)
        await hass.async_block_till_done()


async def move_to(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, at: datetime
) -> None:
    """Let time pass with the house unchanged."""
    freezer.move_to(at)
    async_fire_time_changed(hass, at)
    await hass.async_block_till_done()
