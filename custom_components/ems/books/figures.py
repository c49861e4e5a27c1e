"""What the savings sensors show: money and energy per day, week, month and billing cycle.

Per period, net cost, the two savings and the arbitrage profit; the day's grid and
battery energy; the cost of the stored energy (WACB) and the day's battery cycles.
Totals are `total` sensors whose `last_reset` is the period's start, so statistics and
the Energy dashboard sum them; the previous period's value and the breakdown are
attributes. The sensor platform turns `TOTALS` into entity descriptions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.util import dt as dt_util

from custom_components.ems.core.accounting import LedgerReport, PeriodKind, PeriodTotals

from .keeper import EmsAccounting

CYCLES = "equivalent_full_cycles"
WACB = "wacb"

# (total, period, enabled by default): every savings sensor the books feed.
TOTALS: tuple[tuple[str, PeriodKind, bool], ...] = (
    *(
        (key, period, period is not PeriodKind.WEEK)
        for period in PeriodKind
        for key in (
            "net_cost",
            "savings_vs_no_battery",
            "savings_vs_self_use",
            "arbitrage_profit",
        )
    ),
    *(
        (key, PeriodKind.DAY, True)
        for key in ("import_kwh", "export_kwh", "charged_kwh", "discharged_kwh")
    ),
    # For the Energy dashboard's grid costs; most users have their meter's.
    ("import_cost", PeriodKind.DAY, False),
    ("export_revenue", PeriodKind.DAY, False),
    (CYCLES, PeriodKind.DAY, True),
)

# The breakdown shown with each total (attribute names of PeriodTotals).
_DETAILS: dict[str, tuple[str, ...]] = {
    "net_cost": (
        "import_cost",
        "export_revenue",
        "fixed_charge",
        "import_kwh",
        "export_kwh",
        "pv_kwh",
        "load_kwh",
    ),
    "savings_vs_no_battery": ("cost_no_battery", "net_cost"),
    "savings_vs_self_use": ("cost_self_use", "net_cost"),
    "arbitrage_profit": (
        "charged_kwh",
        "charged_from_grid_kwh",
        "charged_from_pv_kwh",
        "discharged_kwh",
        "wacb_per_kwh",
    ),
    CYCLES: ("throughput_kwh",),
}
# Attributes that change with every sample stay out of the recorder.
UNRECORDED = frozenset(
    {
        *(name for names in _DETAILS.values() for name in names),
        "covered_hours",
        "gap_hours",
        "stored_kwh",
        "stored_value",
        *(f"{CYCLES}_{kind.value}" for kind in PeriodKind),
        *(f"throughput_kwh_{kind.value}" for kind in PeriodKind),
    }
)


def _value(totals: PeriodTotals, key: str) -> float | None:
    value = getattr(totals, key)
    return None if value is None else round(float(value), 4)


def _local(moment: datetime) -> str:
    return dt_util.as_local(moment).isoformat()


def _totals(
    books: EmsAccounting, period: PeriodKind
) -> tuple[PeriodTotals | None, PeriodTotals | None]:
    report = books.report()
    return report.current.get(period), report.previous.get(period)


def total_value(books: EmsAccounting, period: PeriodKind, key: str) -> float | None:
    """Return the running period's total."""
    current, _ = _totals(books, period)
    return None if current is None else _value(current, key)


def period_start(books: EmsAccounting, period: PeriodKind) -> datetime | None:
    """Return the running period's start (the total's last reset)."""
    current, _ = _totals(books, period)
    return None if current is None else current.start


def total_attributes(
    books: EmsAccounting, period: PeriodKind, key: str
) -> dict[str, Any] | None:
    """Return the period, the previous period's value and the breakdown."""
    current, previous = _totals(books, period)
    if current is None:
        return None
    attributes: dict[str, Any] = {
        "period_start": _local(current.start),
        "period_end": _local(current.end),
        "previous_value": None if previous is None else _value(previous, key),
        "previous_period_start": None if previous is None else _local(previous.start),
        "covered_hours": round(current.covered_hours, 3),
        "gap_hours": round(current.gap_hours, 3),
    }
    attributes |= {name: _value(current, name) for name in _DETAILS.get(key, ())}
    if key == CYCLES:
        attributes |= _cycles_by_period(books.report())
    return attributes


def wacb_value(books: EmsAccounting) -> float | None:
    """Return the weighted average cost of the energy stored, per kWh."""
    wacb = books.report().wacb_per_kwh
    return None if wacb is None else round(wacb, 4)


def wacb_attributes(books: EmsAccounting) -> dict[str, Any]:
    """Return the energy stored and its value."""
    report = books.report()
    wacb = report.wacb_per_kwh
    return {
        "stored_kwh": round(report.stored_kwh, 3),
        "stored_value": None if wacb is None else round(report.stored_kwh * wacb, 4),
    }


def _cycles_by_period(report: LedgerReport) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for kind, totals in report.current.items():
        attributes[f"{CYCLES}_{kind.value}"] = round(totals.equivalent_full_cycles, 4)
        attributes[f"throughput_kwh_{kind.value}"] = round(totals.throughput_kwh, 3)
    return attributes
