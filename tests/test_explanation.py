"""Explanations: local times, and an alternative with its cost for every slot."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from custom_components.ems.core.explanation import (
    explain_slot,
    local_reasons,
    self_use_kw,
)
from custom_components.ems.planner import Battery, Problem, plan

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PRICES = [0.10, 0.10, 0.40, 0.40, 0.10, 0.50, 0.50, 0.20]


def problem(**battery: float) -> Problem:
    """Return two hours of quarter-hours from 04:00 UTC: cheap, dear, cheap, dear."""
    return Problem(
        start=datetime(2025, 10, 1, 4, 0, tzinfo=UTC),
        slot_minutes=15,
        import_price=PRICES,
        export_price=[price / 2 for price in PRICES],
        pv_kw=[0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 0.0, 0.0],
        load_kw=[1.0] * 8,
        battery=Battery(
            capacity_kwh=10.0,
            soc_percent=battery.get("soc_percent", 50.0),
            min_soc_percent=battery.get("min_soc_percent", 10.0),
            max_charge_kw=battery.get("max_kw", 5.0),
            max_discharge_kw=battery.get("max_kw", 5.0),
            charge_efficiency=0.95,
            discharge_efficiency=0.95,
            cycle_cost_per_kwh=0.01,
        ),
    )


def test_reasons_name_local_times() -> None:
    """A time in a reason names a slot's start; it is shown in the home's zone."""
    planned = plan(problem(), "milp")
    slots = list(planned.slots)
    slots[0] = replace(slots[0], reason="0.40 expected at 04:30, then 05:45; not 4:30")
    local = local_reasons(replace(planned, slots=tuple(slots)), STOCKHOLM)
    assert local.slots[0].reason == "0.40 expected at 06:30, then 07:45; not 4:30"
    assert [slot.start for slot in local.slots] == [slot.start for slot in slots]
    # A plan whose times are local already stays as it is.
    assert (
        local_reasons(local, UTC).slots[0].reason.startswith("0.40 expected at 06:30")
    )


def test_every_slot_has_an_alternative_that_keeps_the_limits() -> None:
    """The slot run otherwise, the rest planned again: never cheaper, no broken limit."""
    case = problem()
    planned = plan(case, "milp")
    for index in range(case.horizon):
        answer = explain_slot(case, planned, index, STOCKHOLM, "milp")
        alternative = answer["alternative"]
        assert alternative["none_because"] is None
        assert alternative["extra_cost"] >= -1e-6
        assert alternative["breaks_limits"] == []
        assert answer["slot"]["start"].endswith("+02:00")
    last = explain_slot(case, planned, case.horizon - 1, STOCKHOLM, "dp")
    assert last["alternative"]["alternative_cost"] is not None


def test_a_battery_below_its_minimum() -> None:
    """A battery far below its minimum: the plan itself is short of a limit.

    The battery cannot reach its minimum in one slot. The alternative is costed all
    the same, and only the limits the plan keeps count against it.
    """
    case = problem(soc_percent=1.0, max_kw=1.0)
    planned = plan(case, "milp")
    answer = explain_slot(case, planned, 0, STOCKHOLM, "milp")["alternative"]
    assert answer["plan_breaks_limits"][0].startswith("2025-10-01 06:00-06:15: SoC")
    assert answer["alternative_cost"] is not None
    assert answer["extra_cost"] > 0
    plan_slots = {text.split(": ")[0] for text in answer["plan_breaks_limits"]}
    assert answer["breaks_limits"]
    assert all(
        text.split(": ")[0] not in plan_slots for text in answer["breaks_limits"]
    )


def test_self_use_stays_within_the_battery() -> None:
    """Self use covers the load only from the energy above the floor."""
    case = problem(soc_percent=10.2)
    assert self_use_kw(case, 0, 10.2) == pytest.approx(-0.02 * 0.95 / 0.25)
    assert self_use_kw(case, 4, 100.0) == 0.0
    assert self_use_kw(case, 4, 50.0) == 1.0


def test_a_battery_that_can_do_nothing_else() -> None:
    """Without power there is no alternative, and the answer says why."""
    case = problem(max_kw=0.0)
    planned = plan(case, "milp")
    answer = explain_slot(case, planned, 2, STOCKHOLM, "milp")["alternative"]
    assert answer["none_because"] == "the battery can do nothing else in this slot"
    assert answer["alternative_cost"] is None
