"""Restart: the state survives JSON, repeated samples count once, old data is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json

import pytest

from custom_components.ems.core.accounting import (
    STATE_VERSION,
    AccountingError,
    Ledger,
    LedgerConfig,
    PeriodKind,
    PowerSample,
)

from .helpers import BATTERY, BERLIN, every, feed, house, ledger

QUARTER = timedelta(minutes=15)
START = datetime(2026, 2, 27, 18, 0, tzinfo=UTC)


def _samples() -> list[PowerSample]:
    """Ten hours across midnight: charging, then discharging into the load."""
    return [
        house(
            at,
            load_kw=1.0 + index % 3,
            battery_kw=2.0 if index < 20 else -1.0,
            soc_percent=20.0 + index,
            import_price=0.10 + 0.01 * index,
        )
        for index, at in enumerate(every(START, QUARTER, 40))
    ]


def _through_json(books: Ledger) -> Ledger:
    text = json.dumps(books.to_dict())
    return Ledger.from_dict(books.config, json.loads(text))


def test_restore_then_repeat_the_last_samples_counts_nothing_twice() -> None:
    """Books restored mid-stream and fed repeated samples equal uninterrupted books."""
    samples = _samples()
    steady = ledger(billing_start_day=28)
    feed(steady, samples)

    before = ledger(billing_start_day=28)
    feed(before, samples[:23])
    after = _through_json(before)
    assert not after.add_sample(samples[22])
    assert not after.add_sample(samples[10])
    feed(after, samples[23:])

    assert after.to_dict() == steady.to_dict()
    day = after.current(PeriodKind.DAY)
    assert day is not None
    assert day.import_kwh > 0.0


def test_samples_lost_in_a_crash_become_a_gap() -> None:
    """State saved at 20:00, crash, next reading 20:45: 45 minutes of gap, no energy."""
    samples = _samples()
    saved = ledger()
    feed(saved, samples[:9])
    restored = _through_json(saved)
    feed(restored, samples[11:12])
    day = restored.current(PeriodKind.DAY)
    reference = saved.current(PeriodKind.DAY)
    assert day is not None and reference is not None
    assert day.gap_hours == pytest.approx(0.75)
    assert day.import_kwh == reference.import_kwh


def test_periods_of_another_billing_day_restart_after_a_change() -> None:
    """Changing the billing day drops the stored cycle; the days stay."""
    books = ledger(billing_start_day=1)
    feed(books, _samples()[:8])
    changed = LedgerConfig(battery=BATTERY, zone=BERLIN, billing_start_day=15)
    restored = Ledger.from_dict(changed, json.loads(json.dumps(books.to_dict())))
    assert restored.current(PeriodKind.BILLING) is None
    assert restored.current(PeriodKind.DAY) == books.current(PeriodKind.DAY)
    feed(restored, _samples()[8:9])
    cycle = restored.current(PeriodKind.BILLING)
    assert cycle is not None
    assert cycle.start == datetime(2026, 2, 15, tzinfo=BERLIN)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"version": STATE_VERSION + 1},
        {"version": STATE_VERSION, "accounted_until": "yesterday"},
        {
            "version": STATE_VERSION,
            "accounted_until": None,
            "last_sample": None,
            "inventory": {"stored_kwh": 1.0, "wacb": None},
            "periods": {"day": {"current": {"kind": "day"}}},
        },
    ],
)
def test_unusable_state_is_refused(data: dict[str, object]) -> None:
    """Another version or a damaged store raises AccountingError (the glue starts fresh)."""
    with pytest.raises(AccountingError):
        Ledger.from_dict(ledger().config, data)
