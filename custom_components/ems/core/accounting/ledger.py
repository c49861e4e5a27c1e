"""The ledger: measured energy booked into day, week, month and billing-cycle totals.

Power samples are integrated with the left rectangle rule: a reading holds until the
next one. That is how Home Assistant reports power (a state holds until it changes),
keeps import and export apart when the grid flow changes sign between samples (a
trapezoid would net them), and prices each interval at the tariff in force when it
began. A reading is held for at most `max_gap`: a longer interval is not integrated
at all (no energy is invented after an outage) and counts as `gap_hours`.

The state serialises to a versioned JSON-able dict. A sample at or before the last one
booked is ignored, so replaying samples after a restore never counts anything twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from .battery import Inventory
from .model import AccountingError, EnergyFlows, LedgerConfig, PeriodKind, PowerSample
from .periods import cut_at_midnights, period_bounds
from .totals import PeriodTotals, book_interval

STATE_VERSION = 1
_POWERS = ("grid_kw", "pv_kw", "battery_kw", "load_kw")


@dataclass(frozen=True, kw_only=True, slots=True)
class LedgerReport:
    """A snapshot for sensors: current and previous totals of each period kind."""

    current: Mapping[PeriodKind, PeriodTotals]
    previous: Mapping[PeriodKind, PeriodTotals]
    stored_kwh: float
    wacb_per_kwh: float | None
    accounted_until: datetime | None


def complete_sample(sample: PowerSample, held: PowerSample | None) -> PowerSample:
    """Fill what the balance grid = load - pv + battery implies, and held prices.

    With grid, PV and battery known the load is derived from them (so the books always
    balance); otherwise one missing power is derived from the other three. A missing
    price is the previous sample's.
    """
    grid, pv, battery, load = (getattr(sample, name) for name in _POWERS)
    if grid is not None and pv is not None and battery is not None:
        load = grid + pv - battery
    elif load is not None:
        if grid is None and pv is not None and battery is not None:
            grid = load - pv + battery
        elif pv is None and grid is not None and battery is not None:
            pv = grid - load + battery
        elif battery is None and grid is not None and pv is not None:
            battery = grid - load + pv
    import_price, export_price = sample.import_price, sample.export_price
    if held is not None:
        import_price = held.import_price if import_price is None else import_price
        export_price = held.export_price if export_price is None else export_price
    return replace(
        sample,
        grid_kw=grid,
        pv_kw=pv,
        battery_kw=battery,
        load_kw=load,
        import_price=import_price,
        export_price=export_price,
    )


def held_flows(
    sample: PowerSample, start: datetime, end: datetime
) -> EnergyFlows | None:
    """Return the energy of a complete sample held over [start, end); None if incomplete."""
    grid, pv, battery, load = (getattr(sample, name) for name in _POWERS)
    if grid is None or pv is None or battery is None or load is None:
        return None
    if sample.import_price is None or sample.export_price is None:
        return None
    hours = (end - start).total_seconds() / 3600.0
    return EnergyFlows(
        start=start,
        end=end,
        import_kwh=max(grid, 0.0) * hours,
        export_kwh=max(-grid, 0.0) * hours,
        pv_kwh=pv * hours,
        charge_kwh=max(battery, 0.0) * hours,
        discharge_kwh=max(-battery, 0.0) * hours,
        import_price=sample.import_price,
        export_price=sample.export_price,
        load_kwh=load * hours,
    )


class Ledger:
    """Books measured energy; feed it samples (or metered intervals) in time order."""

    def __init__(self, config: LedgerConfig) -> None:
        """Start empty books."""
        self._config = config
        self._inventory = Inventory()
        self._last: PowerSample | None = None
        self._until: datetime | None = None
        self._current: dict[PeriodKind, PeriodTotals] = {}
        self._previous: dict[PeriodKind, PeriodTotals] = {}

    @property
    def config(self) -> LedgerConfig:
        """Return the configuration the books are kept with."""
        return self._config

    @property
    def accounted_until(self) -> datetime | None:
        """Return the instant up to which time has been booked (or counted as a gap)."""
        return self._until

    @property
    def stored_kwh(self) -> float:
        """Return the energy in the battery as booked (follows the measured SoC)."""
        return self._inventory.stored_kwh

    @property
    def wacb_per_kwh(self) -> float | None:
        """Return the weighted average cost of the stored energy, per stored kWh."""
        return self._inventory.wacb

    def current(self, kind: PeriodKind) -> PeriodTotals | None:
        """Return the totals of the running period of a kind (None before any data)."""
        return self._current.get(kind)

    def previous(self, kind: PeriodKind) -> PeriodTotals | None:
        """Return the totals of the period just before the running one."""
        return self._previous.get(kind)

    def report(self) -> LedgerReport:
        """Return an immutable snapshot of all totals."""
        return LedgerReport(
            current=dict(self._current),
            previous=dict(self._previous),
            stored_kwh=self._inventory.stored_kwh,
            wacb_per_kwh=self._inventory.wacb,
            accounted_until=self._until,
        )

    def add_sample(self, sample: PowerSample) -> bool:
        """Book the time since the previous sample; False if the sample is not newer."""
        at = sample.at.astimezone(UTC)
        if self._until is not None and at <= self._until:
            return False
        sample = complete_sample(replace(sample, at=at), self._last)
        if self._until is not None:
            last = self._last
            flows = None
            if last is not None and at - last.at <= self._config.max_gap:
                flows = held_flows(last, self._until, at)
            if flows is None:
                self._book_gap(self._until, at)
            else:
                self._book(flows)
        self._measure(sample.soc_percent)
        self._last, self._until = sample, at
        self.advance(at)
        return True

    def add_energy(
        self, flows: EnergyFlows, *, soc_percent: float | None = None
    ) -> bool:
        """Book metered energy; False if the interval was booked already.

        For the users' energy meters: `flows` holds the meters' differences over the
        interval. Time between the previous interval and this one counts as a gap; the
        part of an interval already booked is dropped. `soc_percent` is the SoC at its
        end (a first PowerSample carrying only the SoC sets the starting point).
        """
        start, end = flows.start.astimezone(UTC), flows.end.astimezone(UTC)
        if self._until is not None and end <= self._until:
            return False
        flows = replace(flows, start=start, end=end)
        if self._until is not None and start < self._until:
            flows = flows.part(self._until, end)
        elif self._until is not None and start > self._until:
            self._book_gap(self._until, start)
        self._book(flows)
        self._measure(soc_percent)
        self._last, self._until = None, end
        self.advance(end)
        return True

    def advance(self, now: datetime) -> None:
        """Start new periods up to `now` (call at midnight when no samples arrive)."""
        for kind in PeriodKind:
            self._roll(kind, now.astimezone(UTC))

    def _measure(self, soc_percent: float | None) -> None:
        if soc_percent is not None:
            self._inventory = self._inventory.measured(
                self._config.battery, soc_percent
            )

    def _book(self, flows: EnergyFlows) -> None:
        spec = self._config.battery
        for start, end in cut_at_midnights(flows.start, flows.end, self._config.zone):
            piece = (
                flows
                if end - start == flows.end - flows.start
                else flows.part(start, end)
            )
            self._inventory, outcome = book_interval(self._inventory, spec, piece)
            self._apply(
                start, partial(PeriodTotals.credited, outcome=outcome, spec=spec)
            )
            self._charge_fixed(start, end)

    def _book_gap(self, start: datetime, end: datetime) -> None:
        for piece_start, piece_end in cut_at_midnights(start, end, self._config.zone):
            hours = (piece_end - piece_start).total_seconds() / 3600.0
            self._apply(piece_start, partial(PeriodTotals.with_gap, hours=hours))
            self._charge_fixed(piece_start, piece_end)

    def _charge_fixed(self, start: datetime, end: datetime) -> None:
        """Accrue the daily charge over [start, end), within one local day.

        Time without data is charged too: the charge is due whatever was measured.
        A day of 23 or 25 hours (DST) is charged the whole daily amount.
        """
        if not self._config.daily_charge:
            return
        day_start, day_end = self._bounds(PeriodKind.DAY, start)
        share = (end - start) / (day_end - day_start)
        amount = self._config.daily_charge * share
        self._apply(start, partial(PeriodTotals.with_fixed_charge, amount=amount))

    def _apply(
        self, at: datetime, change: Callable[[PeriodTotals], PeriodTotals]
    ) -> None:
        """Change the period of each kind that holds `at` (current or previous)."""
        for kind in PeriodKind:
            self._roll(kind, at)
            current = self._current[kind]
            previous = self._previous.get(kind)
            if at >= current.start:
                self._current[kind] = change(current)
            elif previous is not None and at >= previous.start:
                self._previous[kind] = change(previous)

    def _bounds(self, kind: PeriodKind, at: datetime) -> tuple[datetime, datetime]:
        config = self._config
        return period_bounds(kind, at, config.zone, config.billing_start_day)

    def _empty(
        self, kind: PeriodKind, bounds: tuple[datetime, datetime]
    ) -> PeriodTotals:
        return PeriodTotals(
            kind=kind,
            start=bounds[0],
            end=bounds[1],
            capacity_kwh=self._config.battery.capacity_kwh,
            self_use_stored_kwh=self._inventory.stored_kwh,
            wacb_per_kwh=self._inventory.wacb,
        )

    def _roll(self, kind: PeriodKind, at: datetime) -> None:
        """Make the period holding `at` current, if it is later than the current one."""
        current = self._current.get(kind)
        if current is not None and at < current.end:
            return
        bounds = self._bounds(kind, at)
        if current is not None:
            self._previous[kind] = (
                current
                if current.end == bounds[0]
                else self._empty(
                    kind, self._bounds(kind, bounds[0] - timedelta.resolution)
                )
            )
        self._current[kind] = self._empty(kind, bounds)

    def to_dict(self) -> dict[str, Any]:
        """Return the whole state as a versioned JSON-able dict (for Home Assistant's Store)."""
        last = self._last
        return {
            "version": STATE_VERSION,
            "accounted_until": None if self._until is None else self._until.isoformat(),
            "last_sample": None if last is None else _sample_to_dict(last),
            "inventory": {
                "stored_kwh": self._inventory.stored_kwh,
                "wacb": self._inventory.wacb,
            },
            "periods": {
                kind.value: {
                    "current": _totals_to_dict(self._current.get(kind)),
                    "previous": _totals_to_dict(self._previous.get(kind)),
                }
                for kind in PeriodKind
            },
        }

    @classmethod
    def from_dict(cls, config: LedgerConfig, data: Mapping[str, Any]) -> Ledger:
        """Resume from `to_dict` output; periods that no longer match `config` restart.

        Raises AccountingError on data of another version or shape.
        """
        if not isinstance(data, Mapping) or data.get("version") != STATE_VERSION:
            raise AccountingError("stored accounting state has an unknown version")
        ledger = cls(config)
        try:
            until = data["accounted_until"]
            ledger._until = None if until is None else datetime.fromisoformat(until)
            last = data["last_sample"]
            ledger._last = None if last is None else _sample_from_dict(last)
            wacb = data["inventory"]["wacb"]
            ledger._inventory = Inventory(
                stored_kwh=float(data["inventory"]["stored_kwh"]),
                wacb=None if wacb is None else float(wacb),
            )
            periods = data["periods"]
        except (KeyError, TypeError, ValueError) as err:
            raise AccountingError(f"stored accounting state is invalid: {err}") from err
        if not isinstance(periods, Mapping):
            raise AccountingError("stored accounting periods are invalid")
        for kind in PeriodKind:
            stored = periods.get(kind.value) or {}
            if not isinstance(stored, Mapping):
                raise AccountingError(f"stored {kind.value} periods are invalid")
            current = ledger._restored(kind, stored.get("current"))
            if current is None:
                continue
            ledger._current[kind] = current
            previous = ledger._restored(kind, stored.get("previous"))
            if previous is not None:
                ledger._previous[kind] = previous
        return ledger

    def _restored(self, kind: PeriodKind, data: Any) -> PeriodTotals | None:
        if data is None:
            return None
        if not isinstance(data, dict):
            raise AccountingError("stored period totals are invalid")
        totals = PeriodTotals.from_dict(data, self._config.battery.capacity_kwh)
        if totals.kind != kind or self._bounds(kind, totals.start) != (
            totals.start,
            totals.end,
        ):
            return None
        return totals


def _totals_to_dict(totals: PeriodTotals | None) -> dict[str, Any] | None:
    return None if totals is None else totals.to_dict()


def _sample_to_dict(sample: PowerSample) -> dict[str, Any]:
    data: dict[str, Any] = {
        field.name: getattr(sample, field.name) for field in fields(sample)
    }
    data["at"] = sample.at.isoformat()
    return data


def _sample_from_dict(data: dict[str, Any]) -> PowerSample:
    values = {
        field.name: None if data[field.name] is None else float(data[field.name])
        for field in fields(PowerSample)
        if field.name != "at"
    }
    return PowerSample(at=datetime.fromisoformat(data["at"]), **values)
