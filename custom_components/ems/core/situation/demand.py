"""A demand (capacity) charge as a bill states it, and the planner's DemandCharge from it.

The Situation carries the rule (which days and hours count, the measure, the peak
this billing period so far); `demand_charge` puts it on the plan's slots. Slots after
the billing period's end are not counted: the next period starts afresh.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
import math
from typing import Any

from custom_components.ems.planner import DemandCharge, ProblemError

ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)


@dataclass(frozen=True, kw_only=True, slots=True)
class DemandTariff:
    """`price_per_kw` on the period's highest mean import over `measure_minutes`.

    Counted on `weekdays` (0 is Monday) from `from_hour` to `to_hour` on the local
    clock; `peak_so_far_kw` is what the period already reached; the period ends at
    `period_end` (None: beyond the horizon).
    """

    price_per_kw: float
    peak_so_far_kw: float = 0.0
    measure_minutes: int = 15
    weekdays: tuple[int, ...] = ALL_DAYS
    from_hour: int = 0
    to_hour: int = 24
    period_end: datetime | None = None

    def __post_init__(self) -> None:
        """Reject what cannot be a demand charge, with ProblemError."""
        for name in ("price_per_kw", "peak_so_far_kw"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise ProblemError(f"demand_charge {name} must be a number >= 0")
        if self.measure_minutes not in (15, 30, 60):
            raise ProblemError("demand_charge measure_minutes must be 15, 30 or 60")
        if not set(self.weekdays) <= set(ALL_DAYS):
            raise ProblemError("demand_charge weekdays must be within 0..6")
        if not 0 <= self.from_hour < self.to_hour <= 24:
            raise ProblemError("demand_charge hours need 0 <= from < to <= 24")

    def counts(self, moment: datetime) -> bool:
        """Return True when a slot starting at `moment` (local) counts."""
        if self.period_end is not None and moment >= self.period_end:
            return False
        return (
            moment.weekday() in self.weekdays
            and self.from_hour <= moment.hour < self.to_hour
        )


def demand_charge(
    tariff: DemandTariff, first: datetime, count: int, slot: timedelta, zone: tzinfo
) -> DemandCharge:
    """Return the planner's demand charge over `count` slots from `first`."""
    return DemandCharge(
        price_per_kw=tariff.price_per_kw,
        peak_so_far_kw=tariff.peak_so_far_kw,
        measure_minutes=tariff.measure_minutes,
        counted=tuple(
            tariff.counts((first + index * slot).astimezone(zone))
            for index in range(count)
        ),
    )


def _number(data: Mapping[str, Any], key: str, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProblemError(f"demand_charge {key} must be a number")
    return float(value)


def _whole(data: Mapping[str, Any], key: str, default: int) -> int:
    value = _number(data, key, default)
    if value != int(value):
        raise ProblemError(f"demand_charge {key} must be a whole number")
    return int(value)


def demand_from_json(data: Any) -> DemandTariff:
    """Build a DemandTariff from the Situation's `demand_charge` object."""
    if not isinstance(data, Mapping):
        raise ProblemError("field 'demand_charge' must be an object")
    days = data.get("weekdays", list(ALL_DAYS))
    hours = data.get("hours", [0, 24])
    if not isinstance(days, list) or not all(
        isinstance(day, int) and not isinstance(day, bool) for day in days
    ):
        raise ProblemError("demand_charge weekdays must be a list of 0..6")
    if not (
        isinstance(hours, list)
        and len(hours) == 2
        and all(isinstance(hour, int) and not isinstance(hour, bool) for hour in hours)
    ):
        raise ProblemError("demand_charge hours must be [from, to]")
    end = data.get("period_end")
    try:
        period_end = None if end is None else datetime.fromisoformat(str(end))
    except ValueError as err:
        raise ProblemError(f"demand_charge period_end: {err}") from err
    if period_end is not None and period_end.utcoffset() is None:
        raise ProblemError("demand_charge period_end must carry a UTC offset")
    return DemandTariff(
        price_per_kw=_number(data, "price_per_kw", math.nan),
        peak_so_far_kw=_number(data, "peak_so_far_kw", 0.0),
        measure_minutes=_whole(data, "measure_minutes", 15),
        weekdays=tuple(days),
        from_hour=hours[0],
        to_hour=hours[1],
        period_end=period_end,
    )


def demand_to_json(tariff: DemandTariff) -> dict[str, Any]:
    """Return the Situation's `demand_charge` object."""
    data: dict[str, Any] = {
        "price_per_kw": tariff.price_per_kw,
        "peak_so_far_kw": tariff.peak_so_far_kw,
        "measure_minutes": tariff.measure_minutes,
        "weekdays": list(tariff.weekdays),
        "hours": [tariff.from_hour, tariff.to_hour],
    }
    if tariff.period_end is not None:
        data["period_end"] = tariff.period_end.isoformat()
    return data
