"""The control self-test: its pulses, when it refuses, and how a pulse is judged."""

from __future__ import annotations

import pytest

from custom_components.ems.core.control import HardwareLimits, SetMode
from custom_components.ems.core.control.selftest import pulse_result, pulses, refusal
from custom_components.ems.core.control.verify import Execution, Measured, Outcome
from custom_components.ems.planner import InverterMode

from .helpers import LIMITS


def test_pulses_are_small_and_within_the_battery() -> None:
    """1 kW charge, 1 kW discharge, hold; a smaller battery gets smaller pulses."""
    assert [(p.mode, p.power_kw) for p in pulses(LIMITS)] == [
        (InverterMode.FORCE_CHARGE, 1.0),
        (InverterMode.FORCE_DISCHARGE, 1.0),
        (InverterMode.HOLD, None),
    ]
    small = HardwareLimits(max_charge_kw=0.6, max_discharge_kw=0.8)
    assert [p.power_kw for p in pulses(small)] == [0.6, 0.8, None]


def _refusal(**changes: object) -> str | None:
    arguments: dict[str, object] = {
        "consent": True,
        "control_enabled": True,
        "measurable": True,
        "battery_kw": 0.2,
        "soc_percent": 50.0,
        "limits": LIMITS,
        "floor_percent": 15.0,
    } | changes
    found = refusal(**arguments)  # type: ignore[arg-type]
    return None if found is None else found.key


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({}, None),
        ({"consent": False}, "self_test_no_consent"),
        ({"control_enabled": False}, "self_test_control_off"),
        ({"measurable": False}, "self_test_unsupported"),
        ({"battery_kw": None}, "self_test_no_battery_reading"),
        ({"soc_percent": 18.0}, "self_test_near_limit"),  # floor 15 % + 5 %
        ({"soc_percent": 92.0}, "self_test_near_limit"),  # maximum 95 % - 5 %
        ({"soc_percent": None}, "self_test_near_limit"),
    ],
)
def test_refusals(changes: dict[str, object], key: str | None) -> None:
    """Without consent, Control, a fast reading, a battery reading or SoC room: no test."""
    assert _refusal(**changes) == key


def _sample(battery: float | None) -> Measured:
    return Measured(
        battery_kw=battery, soc_percent=50.0, pv_kw=0.0, load_kw=0.4, source="inverter"
    )


def test_a_pulse_is_judged_on_its_settled_half_and_times_the_response() -> None:
    """The battery reaches 1 kW after 10 s; the pulse passed, response 10 s."""
    samples = [(0.0, _sample(0.0)), (5.0, _sample(0.3)), (10.0, _sample(1.0))] + [
        (float(t), _sample(0.98)) for t in range(15, 61, 5)
    ]
    result = pulse_result(
        SetMode(mode=InverterMode.FORCE_CHARGE, power_kw=1.0),
        samples,
        LIMITS,
        floor_percent=15.0,
        execution=Execution(),
    )
    assert result.passed
    assert result.verdict.outcome is Outcome.CARRIED_OUT
    assert result.response_seconds == 10.0
    assert result.as_dict()["measured_kw"] == 0.98


def test_a_battery_that_does_not_move_fails_the_pulse() -> None:
    """A discharge pulse that leaves the battery idle fails, with its figures."""
    samples = [(float(t), _sample(0.0)) for t in range(0, 61, 5)]
    result = pulse_result(
        SetMode(mode=InverterMode.FORCE_DISCHARGE, power_kw=1.0),
        samples,
        LIMITS,
        floor_percent=15.0,
        execution=Execution(),
    )
    assert not result.passed
    assert (result.verdict.expected_kw, result.verdict.measured_kw) == (-1.0, 0.0)
    assert result.response_seconds is None
