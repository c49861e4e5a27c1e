"""Ledgers and sample series for the accounting tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from custom_components.ems.core.accounting import (
    BatterySpec,
    Ledger,
    LedgerConfig,
    PowerSample,
)

BERLIN = ZoneInfo("Europe/Berlin")
PARIS = ZoneInfo("Europe/Paris")

BATTERY = BatterySpec(capacity_kwh=10.0, max_charge_kw=5.0, max_discharge_kw=5.0)


def ledger(
    battery: BatterySpec = BATTERY,
    zone: ZoneInfo = BERLIN,
    billing_start_day: int = 1,
) -> Ledger:
    """Return empty books for a battery in a time zone."""
    return Ledger(
        LedgerConfig(battery=battery, zone=zone, billing_start_day=billing_start_day)
    )


def house(
    at: datetime,
    *,
    pv_kw: float = 0.0,
    load_kw: float = 0.0,
    battery_kw: float = 0.0,
    soc_percent: float | None = None,
    import_price: float = 0.30,
    export_price: float = 0.05,
) -> PowerSample:
    """Return a complete sample whose grid power follows from the balance."""
    return PowerSample(
        at=at,
        grid_kw=load_kw - pv_kw + battery_kw,
        pv_kw=pv_kw,
        battery_kw=battery_kw,
        load_kw=load_kw,
        soc_percent=soc_percent,
        import_price=import_price,
        export_price=export_price,
    )


def every(start: datetime, step: timedelta, count: int) -> list[datetime]:
    """Return `count` instants from `start` (an aware UTC or fixed-offset time)."""
    return [start + step * index for index in range(count)]


def feed(books: Ledger, samples: Iterable[PowerSample]) -> None:
    """Add samples in order, asserting each is booked."""
    for sample in samples:
        assert books.add_sample(sample), sample.at
