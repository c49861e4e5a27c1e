"""The demand (capacity) charge of the options, and the peak this month from measurements.

Two rules a bill may follow:
- `monthly_peak` (Belgium's capacity tariff, many others): the month's highest mean
  import over the measure, at least `minimum_kw`. Planned exactly: the price on the
  rise above the peak so far.
- `top_three_days` (Sweden's effect fee): the mean of the month's three highest hourly
  peaks on different days, price P a kW. Each day's peak above the third highest of
  the other days raises the sum of the top three by as much, so the bill by P / 3 a
  kW. Planned as P / 3 on the rise above the higher of that third peak and today's
  peak so far: exact for today; when a later day in the horizon would also enter the
  top three, its rise is compared with today's peak instead of the third one, so the
  plan may under-count that day's rise by P / 3 a kW of the difference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from .situation import DemandTariff


class PeakRule(StrEnum):
    """How the bill turns measured peaks into the billed peak."""

    MONTHLY_PEAK = "monthly_peak"
    TOP_THREE_DAYS = "top_three_days"


@dataclass(frozen=True, kw_only=True, slots=True)
class DemandConfig:
    """The demand charge as configured; `grid_entity` measures the import (+)."""

    price_per_kw: float
    rule: PeakRule = PeakRule.MONTHLY_PEAK
    measure_minutes: int = 15
    weekdays_only: bool = False
    from_hour: int = 0
    to_hour: int = 24
    minimum_kw: float = 0.0
    grid_entity: str | None = None

    def counts(self, moment: datetime) -> bool:
        """Return True when a measure window starting at `moment` (local) counts."""
        weekday = moment.weekday() < 5 or not self.weekdays_only
        return weekday and self.from_hour <= moment.hour < self.to_hour


PRESETS: Mapping[str, Mapping[str, object]] = {
    "belgium": {
        "rule": PeakRule.MONTHLY_PEAK,
        "measure_minutes": 15,
        "minimum_kw": 2.5,
        "weekdays_only": False,
        "from_hour": 0,
        "to_hour": 24,
    },
    "sweden": {
        "rule": PeakRule.TOP_THREE_DAYS,
        "measure_minutes": 60,
        "minimum_kw": 0.0,
        "weekdays_only": False,
        "from_hour": 0,
        "to_hour": 24,
    },
}


def month_bounds(now: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """Return the local month's first instant and the next month's."""
    local = now.astimezone(zone)
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, datetime(following.year, following.month, 1, tzinfo=zone)


def daily_peaks(
    means: Iterable[tuple[datetime, float, int]],
    config: DemandConfig,
    zone: tzinfo,
) -> dict[date, float]:
    """Return each local day's highest mean import over the measure (kW).

    `means` are (start, mean kW, minutes) of measured periods, 5-minute or hourly; the
    periods of a measure window are averaged (a window with an hourly mean only gets
    that mean). Counted windows only; export counts as zero.
    """
    size = timedelta(minutes=config.measure_minutes)
    windows: dict[datetime, list[tuple[float, int]]] = {}
    for start, kw, minutes in means:
        local = start.astimezone(zone)
        epoch = datetime(local.year, local.month, local.day, tzinfo=zone)
        window = epoch + ((local - epoch) // size) * size
        windows.setdefault(window, []).append((kw, minutes))
    peaks: dict[date, float] = {}
    for window, parts in windows.items():
        if not config.counts(window):
            continue
        mean = sum(kw * minutes for kw, minutes in parts) / sum(m for _, m in parts)
        day = window.date()
        peaks[day] = max(peaks.get(day, 0.0), mean, 0.0)
    return peaks


def demand_tariff(
    config: DemandConfig,
    peaks: Mapping[date, float],
    *,
    today: date,
    period_end: datetime,
) -> DemandTariff:
    """Return what the plan is charged: price and peak so far by the config's rule."""
    weekdays = (0, 1, 2, 3, 4) if config.weekdays_only else (0, 1, 2, 3, 4, 5, 6)
    if config.rule is PeakRule.TOP_THREE_DAYS:
        others = sorted((kw for day, kw in peaks.items() if day != today), reverse=True)
        third = others[2] if len(others) >= 3 else 0.0
        so_far = max(third, peaks.get(today, 0.0))
        price = config.price_per_kw / 3.0
    else:
        so_far = max(peaks.values(), default=0.0)
        price = config.price_per_kw
    return DemandTariff(
        price_per_kw=price,
        peak_so_far_kw=max(so_far, config.minimum_kw),
        measure_minutes=config.measure_minutes,
        weekdays=weekdays,
        from_hour=config.from_hour,
        to_hour=config.to_hour,
        period_end=period_end,
    )
