"""The configured loads as the planner's loads: windows, energy left, what waits."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.ems.core.loads import LoadMode
from custom_components.ems.core.loads.config import LoadConfig, load_config
from custom_components.ems.core.loads.planning import (
    LoadNow,
    load_window,
    planned_loads,
)
from custom_components.ems.planner import (
    DeferrableLoad,
    Load,
    ModulatingLoad,
    OptionalLoad,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOON = datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)
TOMORROW_END = datetime(2026, 3, 30, 0, 0, tzinfo=BERLIN)
QUARTER = timedelta(minutes=15)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=BERLIN)


DISHWASHER = load_config(
    "dishwasher",
    {
        "load_type": "appliance",
        "name": "Dishwasher",
        "switch_entity": "switch.dishwasher",
        "power_kw": 2.0,
        "energy_kwh": 1.5,
        "earliest": "08:00:00",
        "latest": "18:00:00",
        "one_block": True,
        "min_run_minutes": 60,
    },
)
CAR = load_config(
    "car",
    {
        "load_type": "ev_charger",
        "name": "Car",
        "switch_entity": "switch.wallbox",
        "current_entity": "number.wallbox_current",
        "phases": "3",
        "min_current_a": 6,
        "max_current_a": 16,
        "energy_kwh": 20.0,
        "latest": "07:00:00",
    },
)
HEATER = load_config(
    "heater",
    {
        "load_type": "water_heater",
        "name": "Water heater",
        "switch_entity": "switch.heater",
        "power_kw": 3.0,
        "value_per_kwh": 0.15,
        "max_energy_kwh": 6.0,
        "min_run_minutes": 30,
    },
)


def _plan(
    *known: LoadNow, now: datetime = NOON, horizon_end: datetime = TOMORROW_END
) -> tuple[tuple[Load, ...], dict[str, str]]:
    result = planned_loads(
        known, now=now, horizon_end=horizon_end, slot=QUARTER, zone=BERLIN
    )
    return result.loads, dict(result.notes)


def _now(config: LoadConfig, **changes: object) -> LoadNow:
    return replace(LoadNow(config=config, mode=LoadMode.AUTO), **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("now", "earliest", "latest"),
    [
        (_at(28, 7), _at(28, 8), _at(28, 18)),  # today's, still to come
        (_at(28, 12), _at(28, 8), _at(28, 18)),  # today's, running
        (_at(28, 18), _at(29, 8), _at(29, 18)),  # over: tomorrow's
    ],
)
def test_a_day_window_is_todays_until_it_ends(
    now: datetime, earliest: datetime, latest: datetime
) -> None:
    """The window holding now, else the next one."""
    window = load_window(DISHWASHER, now, BERLIN)
    assert (window.earliest, window.latest) == (earliest, latest)


def test_an_overnight_window_and_an_ev_without_a_start() -> None:
    """18:00 to 07:00 runs over midnight; an EV's window runs from its last deadline."""
    overnight = replace(
        DISHWASHER, target=replace(DISHWASHER.target, earliest=time(18), latest=time(7))
    )
    window = load_window(overnight, _at(29, 3), BERLIN)  # the night of the DST change
    assert (window.earliest, window.latest) == (_at(28, 18), _at(29, 7))
    window = load_window(overnight, _at(28, 12), BERLIN)
    assert (window.earliest, window.latest) == (_at(28, 18), _at(29, 7))
    window = load_window(CAR, _at(28, 12), BERLIN)
    assert (window.earliest, window.latest) == (_at(28, 7), _at(29, 7))


def test_each_kind_becomes_its_planner_load() -> None:
    """Appliance deferrable, EV modulating (6-16 A x 3 x 230 V), heater optional."""
    loads, notes = _plan(_now(DISHWASHER), _now(CAR), _now(HEATER))
    assert notes == {}
    assert loads == (
        DeferrableLoad(
            id="dishwasher",
            power_kw=2.0,
            energy_kwh=1.5,
            earliest=_at(28, 8),
            latest=_at(28, 18),
            min_run_minutes=45.0,  # a 60-minute run is more than 1.5 kWh at 2 kW
            one_block=True,
        ),
        ModulatingLoad(
            id="car",
            min_kw=pytest.approx(4.14),  # type: ignore[arg-type]
            max_kw=pytest.approx(11.04),  # type: ignore[arg-type]
            energy_kwh=20.0,
            earliest=_at(28, 7),
            latest=_at(29, 7),
        ),
        OptionalLoad(
            id="heater",
            power_kw=3.0,
            max_energy_kwh=6.0,
            value_per_kwh=0.15,
            min_run_minutes=30.0,
            latest=_at(29, 0),
        ),
    )


def test_energy_delivered_in_the_window_counts() -> None:
    """Delivered since the window began (or today, for the heater) is not asked again."""
    loads, notes = _plan(
        _now(DISHWASHER, delivered_since={_at(28, 8): 1.5}),
        _now(CAR, delivered_since={_at(28, 7): 5.0}),
        _now(HEATER, delivered_since={_at(28, 0): 4.5}),
    )
    assert notes == {"dishwasher": "done: 1.5 kWh delivered in this window"}
    car, heater = loads
    assert isinstance(car, ModulatingLoad)
    assert isinstance(heater, OptionalLoad)
    assert car.energy_kwh == pytest.approx(15.0)
    assert heater.max_energy_kwh == pytest.approx(1.5)


def test_what_is_not_planned_says_why() -> None:
    """Other modes, a car not plugged in: not planned, and the note says so."""
    loads, notes = _plan(
        _now(DISHWASHER, mode=LoadMode.ON),
        _now(CAR, plugged_in=False),
        _now(HEATER, mode=LoadMode.OFF),
    )
    assert loads == ()
    assert notes == {
        "dishwasher": "mode on: not planned by EMS",
        "car": "the car is not plugged in",
        "heater": "mode off: not planned by EMS",
    }


def test_a_window_beyond_the_prices_plans_what_cannot_wait() -> None:
    """Prices until midnight: the car gets what 11.04 kW cannot give by 07:00.

    The night the clocks go forward has 6 hours from midnight to 07:00.
    """
    midnight = _at(29, 0)
    loads, notes = _plan(
        _now(replace(CAR, target=replace(CAR.target, energy_kwh=90.0))),
        horizon_end=midnight,
    )
    assert notes == {}
    (car,) = loads
    assert isinstance(car, ModulatingLoad)
    assert car.latest == midnight
    assert car.energy_kwh == pytest.approx(90.0 - 11.04 * 6)
    loads, notes = _plan(_now(CAR), horizon_end=midnight)
    assert notes == {"car": "waits for prices until its window ends"}
    overnight = replace(
        DISHWASHER, target=replace(DISHWASHER.target, earliest=time(18), latest=time(7))
    )
    loads, notes = _plan(_now(overnight), horizon_end=midnight)
    assert notes == {"dishwasher": "waits for prices until its window ends"}


def test_a_started_run_finishes_and_small_remainders_do_not_linger() -> None:
    """A begun run finishes; 5 minutes short is done; an EV's last bit is one slot."""
    loads, _ = _plan(
        _now(DISHWASHER, delivered_since={_at(28, 8): 0.6}), now=_at(28, 12, 5)
    )
    (dishwasher,) = loads
    assert isinstance(dishwasher, DeferrableLoad)
    assert dishwasher.energy_kwh == pytest.approx(0.9)
    assert dishwasher.latest == _at(28, 12, 30)  # 0.9 kWh: two quarters from 12:00
    loads, notes = _plan(_now(DISHWASHER, delivered_since={_at(28, 8): 1.34}))
    assert notes == {"dishwasher": "done: 1.3 kWh delivered in this window"}
    loads, _ = _plan(_now(CAR, delivered_since={_at(28, 7): 19.9}))
    (car,) = loads
    assert isinstance(car, ModulatingLoad)
    assert car.energy_kwh == pytest.approx(4.14 * 0.25)


def test_a_load_switched_on_by_hand_rule_is_counted_for_its_minimum_run() -> None:
    """Mode on, drawing 1.8 kW: the plan holds it from this slot for its 60 minutes."""
    loads, notes = _plan(
        _now(DISHWASHER, mode=LoadMode.ON, running_kw=1.8), now=_at(28, 12, 5)
    )
    assert loads == (
        DeferrableLoad(
            id="dishwasher",
            power_kw=1.8,
            energy_kwh=pytest.approx(1.8),  # type: ignore[arg-type]
            earliest=_at(28, 12),
            latest=_at(28, 13),
            one_block=True,
        ),
    )
    assert notes == {
        "dishwasher": "mode on: not planned by EMS; counted at 1.80 kW for its minimum run"
    }
