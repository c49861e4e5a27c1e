"""Planned against actual, slot by slot (pure).

For each slot of today, and of yesterday for the accuracy of a whole day, the review
keeps:

- the day-ahead forecast: the PV and load of the first plan that covered the slot,
  made before the slot's day began;
- the plan in force when the slot began: its mode, reason, powers, SoC and prices;
- once the slot has ended, what the books measured over it: the difference of the
  day's running totals between the slot's start and its end, kept only when the books
  saw both within a minute and covered most of the slot.

Money is grid money, as in the books: import cost minus export revenue, and the same
house without a battery; the plan's wear and the value of stored energy are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from statistics import fmean
from typing import Any, Literal
from zoneinfo import ZoneInfo

from custom_components.ems.planner import PlanSlot

from .accounting import PeriodTotals
from .inputs import slot_start

STATE_VERSION = 1
# The books must see a slot's start and end within this long after them...
_LATE = timedelta(minutes=1)
# ...and have booked this share of the slot, or the slot has no measurement.
_COVERED = 0.9
# The day's running totals the review differences, in this order.
_COUNTERS = (
    "import_kwh",
    "export_kwh",
    "pv_kwh",
    "load_kwh",
    "charged_kwh",
    "discharged_kwh",
    "net_cost",
    "cost_no_battery",
    "covered_hours",
)


class ReviewError(ValueError):
    """Stored review data that cannot be read."""


def _priced(kwh: float, import_price: float, export_price: float) -> float:
    """Return what a net grid exchange (+ import) costs at a slot's prices."""
    return kwh * (import_price if kwh >= 0.0 else export_price)


@dataclass(frozen=True, kw_only=True, slots=True)
class Forecast:
    """The PV and load (kW) a plan expected for a slot."""

    pv_kw: float
    load_kw: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Planned:
    """What the plan in force when a slot began said for it."""

    mode: str
    reason: str
    battery_kw: float
    grid_kw: float
    soc_percent: float
    pv_kw: float
    load_kw: float
    import_price: float
    export_price: float

    @classmethod
    def of(cls, slot: PlanSlot) -> Planned:
        """Return what a plan's slot says."""
        return cls(
            mode=slot.mode.value,
            reason=slot.reason,
            battery_kw=slot.battery_kw,
            grid_kw=slot.grid_kw,
            soc_percent=slot.soc_percent,
            pv_kw=slot.pv_kw,
            load_kw=slot.load_kw,
            import_price=slot.import_price,
            export_price=slot.export_price,
        )

    def cost(self, hours: float) -> float:
        """Return the planned grid cost of the slot."""
        return _priced(self.grid_kw * hours, self.import_price, self.export_price)

    def saving(self, hours: float) -> float:
        """Return what the plan expected the battery to save against having none."""
        idle = (self.load_kw - self.pv_kw) * hours
        return _priced(idle, self.import_price, self.export_price) - self.cost(hours)


@dataclass(frozen=True, kw_only=True, slots=True)
class Measured:
    """What the books measured over a slot: energy in kWh, money, the SoC at its end."""

    import_kwh: float
    export_kwh: float
    pv_kwh: float
    load_kwh: float
    charged_kwh: float
    discharged_kwh: float
    net_cost: float
    cost_no_battery: float
    soc_percent: float | None

    @property
    def saving(self) -> float:
        """Return what the battery saved against having none."""
        return self.cost_no_battery - self.net_cost


@dataclass(frozen=True, kw_only=True, slots=True)
class SlotReview:
    """One slot: its day-ahead forecast, the plan at its start, what was measured."""

    start: datetime
    end: datetime
    day_ahead: Forecast | None = None
    planned: Planned | None = None
    measured: Measured | None = None

    @property
    def hours(self) -> float:
        """Return the slot's length in hours."""
        return (self.end - self.start).total_seconds() / 3600.0


@dataclass(frozen=True, kw_only=True, slots=True)
class ForecastError:
    """How far a forecast was from what was measured, in kW per slot."""

    mae_kw: float
    bias_kw: float  # mean of forecast - measured: positive when it expected too much
    slots: int


def forecast_error(pairs: Iterable[tuple[float, float]]) -> ForecastError | None:
    """Return the error of (forecast, measured) pairs; None without any."""
    errors = [forecast - measured for forecast, measured in pairs]
    if not errors:
        return None
    return ForecastError(
        mae_kw=fmean(abs(error) for error in errors),
        bias_kw=fmean(errors),
        slots=len(errors),
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class SavingReview:
    """The battery's saving over the slots that have both a plan and a measurement."""

    planned: float
    realised: float
    slots: int


@dataclass(frozen=True, kw_only=True, slots=True)
class _Mark:
    """The day's running totals when the running slot began."""

    slot_start: datetime
    day_start: datetime
    counters: tuple[float, ...]


def _counters(totals: PeriodTotals) -> tuple[float, ...]:
    return tuple(float(getattr(totals, name)) for name in _COUNTERS)


class PlanReview:
    """Today's and yesterday's slots: what was forecast and planned, what happened."""

    def __init__(self, zone: ZoneInfo, slot_minutes: int) -> None:
        """Start an empty review for slots of `slot_minutes` in the home's `zone`."""
        self.zone = zone
        self.slot_minutes = slot_minutes
        self._slot = timedelta(minutes=slot_minutes)
        self._slots: dict[datetime, SlotReview] = {}
        self._mark: _Mark | None = None

    def day_start(self, moment: datetime) -> datetime:
        """Return the start (UTC) of the local day holding `moment`."""
        day = moment.astimezone(self.zone).date()
        return datetime.combine(day, time(), self.zone).astimezone(UTC)

    def note_plan(self, slots: Sequence[PlanSlot], now: datetime) -> None:
        """Keep the day-ahead forecast of every slot and the plan at a slot's start."""
        now = now.astimezone(UTC)
        self._forget(now)
        after_tomorrow = self.day_start(self.day_start(now) + timedelta(hours=49))
        for slot in slots:
            start, end = slot.start.astimezone(UTC), slot.end.astimezone(UTC)
            if end - start != self._slot or start >= after_tomorrow:
                continue
            known = self._slots.get(start) or SlotReview(start=start, end=end)
            review = known
            if review.day_ahead is None and now < self.day_start(start):
                forecast = Forecast(pv_kw=slot.pv_kw, load_kw=slot.load_kw)
                review = replace(review, day_ahead=forecast)
            if review.planned is None and start <= now < end:
                review = replace(review, planned=Planned.of(slot))
            if review is not known:
                self._slots[start] = review

    def note_books(
        self,
        current: PeriodTotals,
        previous: PeriodTotals | None,
        at: datetime,
        soc_percent: float | None,
    ) -> None:
        """Measure the slot that ended from the day's totals; mark the one that began.

        `current` and `previous` are the books' day totals, booked up to `at`.
        """
        at = at.astimezone(UTC)
        mark = self._mark
        if mark is not None and at >= mark.slot_start + self._slot:
            self._mark = None
            day = next(
                (
                    totals
                    for totals in (current, previous)
                    if totals is not None and totals.start == mark.day_start
                ),
                None,
            )
            if day is not None and at - (mark.slot_start + self._slot) <= _LATE:
                self._measure(mark, _counters(day), soc_percent)
        if self._mark is None:
            start = slot_start(at, self.slot_minutes)
            if at - start <= _LATE and current.start <= at < current.end:
                self._mark = _Mark(
                    slot_start=start,
                    day_start=current.start,
                    counters=_counters(current),
                )

    def _measure(
        self, mark: _Mark, counters: tuple[float, ...], soc_percent: float | None
    ) -> None:
        change = dict(
            zip(
                _COUNTERS,
                (
                    end - begin
                    for end, begin in zip(counters, mark.counters, strict=True)
                ),
                strict=True,
            )
        )
        if change.pop("covered_hours") < _COVERED * self._slot.total_seconds() / 3600:
            return
        start = mark.slot_start
        known = self._slots.get(start) or SlotReview(
            start=start, end=start + self._slot
        )
        self._slots[start] = replace(
            known, measured=Measured(**change, soc_percent=soc_percent)
        )

    def _forget(self, now: datetime) -> None:
        """Drop what is older than yesterday."""
        keep_from = self.day_start(self.day_start(now) - timedelta(hours=1))
        for start in [start for start in self._slots if start < keep_from]:
            del self._slots[start]

    def day(self, day: date) -> list[SlotReview]:
        """Return the slots of a local day, in time order."""
        return sorted(
            (
                review
                for review in self._slots.values()
                if review.start.astimezone(self.zone).date() == day
            ),
            key=lambda review: review.start,
        )

    def accuracy(
        self, day: date, quantity: Literal["pv", "load"]
    ) -> ForecastError | None:
        """Return the day-ahead `pv` or `load` forecast's error over a day's slots."""
        return forecast_error(
            (
                getattr(review.day_ahead, f"{quantity}_kw"),
                getattr(review.measured, f"{quantity}_kwh") / review.hours,
            )
            for review in self.day(day)
            if review.day_ahead is not None and review.measured is not None
        )

    def saving(self, day: date) -> SavingReview:
        """Return the planned and the realised saving over a day's compared slots."""
        compared = [
            (review.planned.saving(review.hours), review.measured.saving)
            for review in self.day(day)
            if review.planned is not None and review.measured is not None
        ]
        return SavingReview(
            planned=sum(planned for planned, _ in compared),
            realised=sum(realised for _, realised in compared),
            slots=len(compared),
        )

    def planned_for_day(
        self, day: date, plan_slots: Sequence[PlanSlot], now: datetime
    ) -> float:
        """Return the saving planned for a whole day.

        Slots that have begun count as planned when they began; the others as the
        plan in force now has them.
        """
        now = now.astimezone(UTC)
        begun = sum(
            review.planned.saving(review.hours)
            for review in self.day(day)
            if review.planned is not None and review.start <= now
        )
        coming = sum(
            Planned.of(slot).saving((slot.end - slot.start).total_seconds() / 3600.0)
            for slot in plan_slots
            if slot.start > now and slot.start.astimezone(self.zone).date() == day
        )
        return begun + coming

    def to_dict(self) -> dict[str, Any]:
        """Return the review as a versioned JSON-able dict (for the books' Store)."""
        return {
            "version": STATE_VERSION,
            "slot_minutes": self.slot_minutes,
            "mark": None if self._mark is None else _to_json(self._mark),
            "slots": [_to_json(review) for review in self._slots.values()],
        }

    @classmethod
    def from_dict(
        cls, zone: ZoneInfo, slot_minutes: int, data: Mapping[str, Any]
    ) -> PlanReview:
        """Resume from `to_dict` output; another slot length starts afresh.

        Raises ReviewError on data of another version or shape.
        """
        review = cls(zone, slot_minutes)
        if not isinstance(data, Mapping) or data.get("version") != STATE_VERSION:
            raise ReviewError("stored review has an unknown version")
        if data.get("slot_minutes") != slot_minutes:
            return review
        try:
            for item in data["slots"]:
                slot = _slot_from_json(item)
                review._slots[slot.start] = slot
            mark = data["mark"]
            if mark is not None:
                review._mark = _Mark(
                    slot_start=datetime.fromisoformat(mark["slot_start"]),
                    day_start=datetime.fromisoformat(mark["day_start"]),
                    counters=tuple(float(value) for value in mark["counters"]),
                )
        except (KeyError, TypeError, ValueError) as err:
            raise ReviewError(f"stored review is invalid: {err}") from err
        return review


def _to_json(item: Any) -> Any:
    """Return a review dataclass as JSON-able data (times as ISO strings)."""
    if isinstance(item, datetime):
        return item.isoformat()
    if isinstance(item, float):
        return round(item, 5)
    if isinstance(item, tuple):
        return [_to_json(value) for value in item]
    if is_dataclass(item):
        return {
            field.name: _to_json(getattr(item, field.name)) for field in fields(item)
        }
    return item


def _slot_from_json(data: Mapping[str, Any]) -> SlotReview:
    forecast, planned, measured = data["day_ahead"], data["planned"], data["measured"]
    return SlotReview(
        start=datetime.fromisoformat(data["start"]).astimezone(UTC),
        end=datetime.fromisoformat(data["end"]).astimezone(UTC),
        day_ahead=None if forecast is None else Forecast(**forecast),
        planned=None if planned is None else Planned(**planned),
        measured=None if measured is None else Measured(**measured),
    )
