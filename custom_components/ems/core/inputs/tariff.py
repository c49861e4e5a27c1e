"""A fixed two-rate tariff (peak and off-peak windows) for houses without dynamic prices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .series import InputsError, PricePoint, PriceSeries, floor_instant

_QUARTER = timedelta(minutes=15)


@dataclass(frozen=True, kw_only=True, slots=True)
class TwoRateTariff:
    """Peak price inside the windows, off-peak price elsewhere, in currency per kWh.

    Windows are local wall-clock times [start, end); an end at or before its start runs
    past midnight. Times fall on quarter-hours. `peak_weekdays` holds Monday=0..Sunday=6.
    """

    peak_price: float
    offpeak_price: float
    peak_windows: tuple[tuple[time, time], ...]
    time_zone: str
    peak_weekdays: frozenset[int] = frozenset(range(7))
    currency: str | None = None

    def __post_init__(self) -> None:
        """Reject windows off the quarter-hour grid."""
        for window in self.peak_windows:
            for moment in window:
                if moment.minute % 15 or moment.second or moment.microsecond:
                    raise InputsError(
                        f"tariff window time {moment} is not on a quarter-hour"
                    )

    def is_peak(self, local: datetime) -> bool:
        """Return whether a local wall-clock instant falls in a peak window."""
        clock = local.time().replace(tzinfo=None)
        for start, end in self.peak_windows:
            if start < end:
                if start <= clock < end and local.weekday() in self.peak_weekdays:
                    return True
            elif clock >= start:
                if local.weekday() in self.peak_weekdays:
                    return True
            elif clock < end and (local.weekday() - 1) % 7 in self.peak_weekdays:
                return True
        return False


def two_rate_prices(
    tariff: TwoRateTariff, start: datetime, end: datetime
) -> PriceSeries:
    """Return the tariff's prices over [start, end) as retail points per kWh.

    Walks quarter-hours as instants, so DST days get their 92 or 100 quarter-hours.
    """
    if start.utcoffset() is None or end.utcoffset() is None:
        raise InputsError("two_rate_prices needs aware datetimes")
    zone = ZoneInfo(tariff.time_zone)
    cursor = floor_instant(start, _QUARTER)
    points: list[PricePoint] = []
    while cursor < end:
        peak = tariff.is_peak(cursor.astimezone(zone))
        price = tariff.peak_price if peak else tariff.offpeak_price
        following = cursor + _QUARTER
        if points and points[-1].price == price and points[-1].end == cursor:
            points[-1] = PricePoint(start=points[-1].start, end=following, price=price)
        else:
            points.append(PricePoint(start=cursor, end=following, price=price))
        cursor = following
    return PriceSeries(points=tuple(points), currency=tariff.currency, is_spot=False)
