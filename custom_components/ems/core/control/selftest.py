"""The control self-test: short, bounded pulses of each commanded mode, measured and judged.

With the user's consent, EMS commands force charge, force discharge and hold in turn (by
default 1 kW for 60 s each, never more than the battery allows), samples the battery
while each pulse runs, and judges the pulse as the control loop judges any command
(`verify.judge`). Afterwards the control loop returns to what it did before.

`refusal` says why a test may not start: no consent, Control off, no inverter that can
be measured quickly, no battery power reading, or a SoC too near a limit for the pulses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
import statistics
from typing import Any

from custom_components.ems.planner.result import InverterMode

from .model import HardwareLimits, SetMode
from .verify import Execution, Measured, Outcome, Verdict, judge, tolerance_kw

PULSE_KW = 1.0
PULSE = timedelta(seconds=60)
# The pulses need this much room above the floor and below the maximum.
SOC_HEADROOM_PERCENT = 5.0


@dataclass(frozen=True, kw_only=True, slots=True)
class Refusal:
    """Why the self-test does not start: a translation key and its placeholders."""

    key: str
    message: str
    placeholders: dict[str, str]


def pulses(limits: HardwareLimits, power_kw: float = PULSE_KW) -> tuple[SetMode, ...]:
    """Return the pulses in order: force charge, force discharge, hold."""
    return (
        SetMode(
            mode=InverterMode.FORCE_CHARGE, power_kw=min(power_kw, limits.max_charge_kw)
        ),
        SetMode(
            mode=InverterMode.FORCE_DISCHARGE,
            power_kw=min(power_kw, limits.max_discharge_kw),
        ),
        SetMode(mode=InverterMode.HOLD),
    )


def refusal(
    *,
    consent: bool,
    control_enabled: bool,
    measurable: bool,
    battery_kw: float | None,
    soc_percent: float | None,
    limits: HardwareLimits,
    floor_percent: float,
) -> Refusal | None:
    """Return why the self-test may not run now, None when it may."""
    if not consent:
        return Refusal(
            key="self_test_no_consent",
            message="Allow the control self-test in the EMS options first",
            placeholders={},
        )
    if not measurable:
        return Refusal(
            key="self_test_unsupported",
            message="The self-test needs a Fox ESS inverter over Modbus: other "
            "inverters report too slowly to measure a short pulse",
            placeholders={},
        )
    if not control_enabled:
        return Refusal(
            key="self_test_control_off",
            message="Turn EMS Control on: the self-test writes to the inverter",
            placeholders={},
        )
    if battery_kw is None:
        return Refusal(
            key="self_test_no_battery_reading",
            message="The battery power sensor has no reading: the self-test cannot "
            "measure the battery",
            placeholders={},
        )
    low = floor_percent + SOC_HEADROOM_PERCENT
    high = limits.max_soc_percent - SOC_HEADROOM_PERCENT
    if soc_percent is None or not low <= soc_percent <= high:
        soc = "unknown" if soc_percent is None else f"{soc_percent:g}"
        return Refusal(
            key="self_test_near_limit",
            message=f"The state of charge ({soc} %) must be between {low:g} % and "
            f"{high:g} % for the pulses",
            placeholders={"soc": soc, "low": f"{low:g}", "high": f"{high:g}"},
        )
    return None


@dataclass(frozen=True, kw_only=True, slots=True)
class PulseResult:
    """One pulse: the verdict on it, and how long the battery took to follow."""

    verdict: Verdict
    power_kw: float | None
    response_seconds: float | None
    samples: int

    @property
    def passed(self) -> bool:
        """Return whether the battery did what the pulse asked (or the physics explains it)."""
        return self.verdict.outcome in (Outcome.CARRIED_OUT, Outcome.EXPLAINED)

    def as_dict(self) -> dict[str, Any]:
        """Return the pulse as the self-test's results show it."""
        return {
            **self.verdict.as_dict(),
            "power_kw": self.power_kw,
            "passed": self.passed,
            "response_seconds": self.response_seconds,
            "samples": self.samples,
        }


def pulse_result(
    command: SetMode,
    samples: Sequence[tuple[float, Measured]],
    limits: HardwareLimits,
    *,
    floor_percent: float,
    execution: Execution,
) -> PulseResult:
    """Judge a pulse from its samples (seconds since it began, measured).

    The battery power of the pulse is the median of the last half of the samples (it
    has settled by then); the response time is when a sample first showed it.
    """
    settled = samples[len(samples) // 2 :]
    if not settled:
        verdict = judge(
            command,
            Measured(battery_kw=None, soc_percent=None),
            limits,
            floor_percent=floor_percent,
            execution=execution,
        )
        return PulseResult(
            verdict=verdict, power_kw=command.power_kw, response_seconds=None, samples=0
        )
    last = settled[-1][1]
    powers = [m.battery_kw for _, m in settled if m.battery_kw is not None]
    battery = statistics.median(powers) if powers else None
    measured = Measured(
        battery_kw=battery,
        soc_percent=last.soc_percent,
        pv_kw=last.pv_kw,
        load_kw=last.load_kw,
        grid_kw=last.grid_kw,
        source=last.source,
    )
    verdict = judge(
        command, measured, limits, floor_percent=floor_percent, execution=execution
    )
    response = None
    if verdict.outcome is not Outcome.NOT_CARRIED_OUT and battery is not None:
        response = next(
            (
                round(seconds, 1)
                for seconds, sample in samples
                if sample.battery_kw is not None
                and abs(sample.battery_kw - battery) <= tolerance_kw(battery)
            ),
            None,
        )
    return PulseResult(
        verdict=verdict,
        power_kw=command.power_kw,
        response_seconds=response,
        samples=len(samples),
    )
