"""The load rules: plan, brake, hand switching, gates, run times, priorities, the car."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from custom_components.ems.core.loads import (
    HouseNow,
    LoadKind,
    LoadMemory,
    LoadMode,
    LoadReading,
    LoadsDecision,
    LoadSpec,
    SgReady,
    decide_loads,
)

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
DISHWASHER = LoadSpec(
    load_id="dishwasher", name="Dishwasher", kind=LoadKind.DEFERRABLE, power_kw=2.0
)
HEATER = LoadSpec(
    load_id="heater",
    name="Water heater",
    kind=LoadKind.OPTIONAL,
    power_kw=3.0,
    priority=2,
    export_start_kw=2.5,
)
POOL = replace(HEATER, load_id="pool", name="Pool pump", power_kw=1.0, priority=3)
EV = LoadSpec(
    load_id="ev",
    name="Wallbox",
    kind=LoadKind.MODULATING,
    min_kw=1.4,
    max_kw=11.0,
    phases=3,
    min_current_a=6.0,
    max_current_a=16.0,
)
OFF = LoadReading(switched_on=False, power_kw=0.0)
ON = LoadReading(switched_on=True, power_kw=2.0)
HOUSE = HouseNow(soc_percent=60.0, grid_kw=0.5)


def decide(
    specs: list[LoadSpec],
    readings: dict[str, LoadReading],
    *,
    planned: dict[str, float] | None = None,
    modes: dict[str, LoadMode] | None = None,
    house: HouseNow = HOUSE,
    memory: dict[str, LoadMemory] | None = None,
    now: datetime = NOW,
) -> LoadsDecision:
    """Decide with a 15 % emergency floor."""
    return decide_loads(
        specs,
        readings=readings,
        planned_kw=planned or {},
        modes=modes or {},
        house=house,
        memory=memory or {},
        now=now,
        emergency_soc_percent=15.0,
    )


def switched(decision: LoadsDecision) -> list[tuple[str, bool]]:
    """Return the commands as (load, on), in the order they are sent."""
    return [(command.load_id, command.on) for command in decision.commands]


def test_the_plan_starts_and_stops_a_load() -> None:
    """On while the plan gives it power; off when it does not (after its minimum run)."""
    started = decide([DISHWASHER], {"dishwasher": OFF}, planned={"dishwasher": 2.0})
    assert switched(started) == [("dishwasher", True)]
    later = NOW + timedelta(minutes=20)
    stopped = decide([DISHWASHER], {"dishwasher": ON}, memory=started.memory, now=later)
    assert switched(stopped) == [("dishwasher", False)]


def test_minimum_run_time_keeps_a_load_on() -> None:
    """A load stopped by the plan 5 minutes after it started runs on to 15 minutes."""
    started = decide([DISHWASHER], {"dishwasher": OFF}, planned={"dishwasher": 2.0})
    early = decide(
        [DISHWASHER],
        {"dishwasher": ON},
        memory=started.memory,
        now=NOW + timedelta(minutes=5),
    )
    assert switched(early) == []
    assert early.status[0].reason == "minimum run time until 12:15"


def test_soc_gate_holds_a_start() -> None:
    """Below its SoC gate a planned load waits."""
    gated = replace(DISHWASHER, soc_gate_percent=70.0)
    decision = decide([gated], {"dishwasher": OFF}, planned={"dishwasher": 2.0})
    assert switched(decision) == []
    assert decision.status[0].reason == "battery below the 70 % gate"


def test_emergency_brake_stops_everything_lowest_priority_first() -> None:
    """Below the emergency SoC every running load stops, even in mode on."""
    decision = decide(
        [DISHWASHER, HEATER, POOL],
        {"dishwasher": ON, "heater": ON, "pool": ON},
        planned={"dishwasher": 2.0, "heater": 3.0},
        modes={"pool": LoadMode.ON},
        house=HouseNow(soc_percent=12.0, grid_kw=4.0),
    )
    assert switched(decision) == [
        ("pool", False),
        ("heater", False),
        ("dishwasher", False),
    ]
    assert all(s.reason == "emergency brake: battery at 12 %" for s in decision.status)


def test_a_switch_turned_by_hand_is_left_alone() -> None:
    """Switched off by hand while planned on: EMS waits its hold time, then resumes."""
    started = decide([DISHWASHER], {"dishwasher": OFF}, planned={"dishwasher": 2.0})
    by_hand = decide(
        [DISHWASHER],
        {"dishwasher": OFF},
        planned={"dishwasher": 2.0},
        memory=started.memory,
        now=NOW + timedelta(minutes=2),
    )
    assert switched(by_hand) == []
    assert by_hand.status[0].events == ("Dishwasher was switched off by hand",)
    assert by_hand.status[0].reason.startswith("switched by hand")
    resumed = decide(
        [DISHWASHER],
        {"dishwasher": OFF},
        planned={"dishwasher": 2.0},
        memory=by_hand.memory,
        now=NOW + timedelta(minutes=63),
    )
    assert switched(resumed) == [("dishwasher", True)]


def test_surplus_starts_loads_by_priority_and_import_stops_the_last_first() -> None:
    """3.5 kW of export for the on delay: the heater (3 kW) starts, the pool waits.

    Importing for the off delay stops the pool before the heater.
    """
    exporting = HouseNow(soc_percent=80.0, grid_kw=-3.5)
    first = decide([HEATER, POOL], {"heater": OFF, "pool": OFF}, house=exporting)
    assert switched(first) == []
    second = decide(
        [HEATER, POOL],
        {"heater": OFF, "pool": OFF},
        house=exporting,
        memory=first.memory,
        now=NOW + timedelta(minutes=3),
    )
    assert switched(second) == [("heater", True)]
    importing = HouseNow(soc_percent=80.0, grid_kw=0.8)
    memory = {
        key: replace(value, changed_at=NOW - timedelta(hours=1))
        for key, value in second.memory.items()
    }
    memory["pool"] = replace(memory["pool"], commanded_on=True)
    on = LoadReading(switched_on=True, power_kw=1.0)
    begin = decide(
        [HEATER, POOL],
        {"heater": ON, "pool": on},
        house=importing,
        memory=memory,
        now=NOW + timedelta(minutes=10),
    )
    stop = decide(
        [HEATER, POOL],
        {"heater": ON, "pool": on},
        house=importing,
        memory=begin.memory,
        now=NOW + timedelta(minutes=16),
    )
    assert switched(stop) == [("pool", False)]


def test_ev_current_follows_the_plan_within_its_limits() -> None:
    """7 kW on three phases is 10 A; 20 kW is capped at 16 A; 1 kW lifted to 6 A."""
    plugged = LoadReading(switched_on=False, power_kw=0.0, plugged_in=True)
    for planned, amps in ((7.0, 10.0), (20.0, 16.0), (1.0, 6.0)):
        decision = decide([EV], {"ev": plugged}, planned={"ev": planned})
        assert decision.commands[0].current_a == amps


def test_ev_within_what_the_inverter_can_deliver() -> None:
    """A 10 kW inverter with 4 kW of other load leaves the car 6 kW: 9 A on three phases."""
    plugged = LoadReading(switched_on=False, power_kw=0.0, plugged_in=True)
    house = HouseNow(soc_percent=80.0, grid_kw=0.0, inverter_ac_kw=10.0, load_kw=4.0)
    decision = decide([EV], {"ev": plugged}, planned={"ev": 11.0}, house=house)
    assert decision.commands[0].current_a == 9.0


def test_a_car_not_plugged_in_is_never_switched_on() -> None:
    """Planned, but no car: nothing is switched on a guess."""
    decision = decide(
        [EV],
        {"ev": LoadReading(switched_on=False, plugged_in=False)},
        planned={"ev": 7.0},
    )
    assert switched(decision) == []
    assert decision.status[0].reason == "the car is not plugged in"


def test_a_car_that_draws_nothing_is_reported() -> None:
    """Told to charge, drawing under 0.2 kW for 5 minutes: one event."""
    charging = LoadReading(
        switched_on=True, power_kw=0.0, current_a=10.0, plugged_in=True
    )
    memory = {"ev": LoadMemory(commanded_on=True, changed_at=NOW - timedelta(hours=1))}
    events: list[str] = []
    for minute in range(8):
        decision = decide(
            [EV],
            {"ev": charging},
            planned={"ev": 7.0},
            memory=memory,
            now=NOW + timedelta(minutes=minute),
        )
        memory = decision.memory
        events += decision.status[0].events
    assert events == ["Wallbox is told to charge but the car draws no power"]


def test_an_unavailable_switch_is_not_switched() -> None:
    """A switch that reads unknown gets no command."""
    decision = decide(
        [DISHWASHER],
        {"dishwasher": LoadReading(switched_on=None)},
        planned={"dishwasher": 2.0},
    )
    assert switched(decision) == []
    assert decision.status[0].reason == "the switch is unavailable"


def test_sg_ready_boost_and_back_to_normal() -> None:
    """Mode boost sets the heat pump's boost input; off returns it to normal."""
    heat_pump = replace(HEATER, load_id="hp", name="Heat pump", export_start_kw=None)
    boost = decide([heat_pump], {"hp": OFF}, modes={"hp": LoadMode.BOOST})
    assert boost.commands[0].sg_ready is SgReady.BOOST
    normal = decide(
        [heat_pump],
        {"hp": LoadReading(switched_on=True)},
        modes={"hp": LoadMode.OFF},
        memory=boost.memory,
    )
    assert normal.commands[0].sg_ready is SgReady.NORMAL
