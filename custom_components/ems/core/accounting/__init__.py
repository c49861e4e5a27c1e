"""Savings accounting from measured energy: per-period books, WACB, counterfactuals (pure)."""

from .battery import Inventory, self_use_step
from .ledger import STATE_VERSION, Ledger, LedgerReport, complete_sample, held_flows
from .model import (
    DEFAULT_MAX_GAP,
    AccountingError,
    BatterySpec,
    EnergyFlows,
    LedgerConfig,
    PeriodKind,
    PowerSample,
)
from .periods import cut_at_midnights, period_bounds
from .totals import ENERGY_KEYS, MONEY_KEYS, IntervalOutcome, PeriodTotals

__all__ = [
    "DEFAULT_MAX_GAP",
    "ENERGY_KEYS",
    "MONEY_KEYS",
    "STATE_VERSION",
    "AccountingError",
    "BatterySpec",
    "EnergyFlows",
    "IntervalOutcome",
    "Inventory",
    "Ledger",
    "LedgerConfig",
    "LedgerReport",
    "PeriodKind",
    "PeriodTotals",
    "PowerSample",
    "complete_sample",
    "cut_at_midnights",
    "held_flows",
    "period_bounds",
    "self_use_step",
]
