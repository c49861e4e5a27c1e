"""Plans built slot by slot for the control tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from custom_components.ems.core.control import ControlSettings, HardwareLimits
from custom_components.ems.planner import InverterMode, Plan, PlanSlot

LIMITS = HardwareLimits(
    min_soc_percent=10.0, max_soc_percent=95.0, max_charge_kw=5.0, max_discharge_kw=4.0
)
SETTINGS = ControlSettings(limits=LIMITS, min_soc_percent=15.0)

type SlotSpec = tuple[InverterMode, float] | tuple[InverterMode, float, float]


def make_plan(start: datetime, specs: Sequence[SlotSpec], minutes: int = 15) -> Plan:
    """Return a plan of consecutive slots: (mode, battery kW[, SoC at the slot's end])."""
    slots = []
    for index, spec in enumerate(specs):
        mode, battery_kw = spec[0], spec[1]
        soc = spec[2] if len(spec) == 3 else 50.0
        utc = start.astimezone(UTC) + timedelta(minutes=minutes * index)
        begins = utc.astimezone(start.tzinfo)
        slots.append(
            PlanSlot(
                start=begins,
                end=(utc + timedelta(minutes=minutes)).astimezone(start.tzinfo),
                battery_kw=battery_kw,
                grid_kw=0.0,
                soc_percent=soc,
                mode=mode,
                reason=f"slot {index}",
                import_price=0.2,
                export_price=0.05,
                pv_kw=0.0,
                load_kw=0.5,
            )
        )
    return Plan(
        method="milp",
        status="optimal",
        reason="test",
        objective=0.0,
        cost_idle=0.0,
        cost_self_use=0.0,
        expected_saving=0.0,
        solve_seconds=0.0,
        slots=tuple(slots),
    )


def hourly(start: datetime, modes: Sequence[InverterMode], kw: float = 2.0) -> Plan:
    """Return a plan of hourly slots in `modes`, charging/discharging at `kw`."""
    signed = {InverterMode.FORCE_CHARGE: kw, InverterMode.FORCE_DISCHARGE: -kw}
    return make_plan(start, [(m, signed.get(m, 0.0)) for m in modes], minutes=60)
