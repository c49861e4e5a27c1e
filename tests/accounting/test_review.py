"""The review: what was forecast and planned for each slot, and what the books measured."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.ems.core.accounting import PeriodKind, PeriodTotals
from custom_components.ems.core.review import PlanReview, ReviewError, forecast_error
from custom_components.ems.planner import InverterMode, PlanSlot

ZONE = ZoneInfo("Europe/Stockholm")
QUARTER = timedelta(minutes=15)
DAY = datetime(2025, 10, 1, tzinfo=ZONE)
SECOND = timedelta(seconds=1)


def slot(start: datetime, **values: float) -> PlanSlot:
    """Return a planned quarter-hour: 2 kW charging from the grid by default."""
    fields: dict[str, float] = {
        "battery_kw": 2.0,
        "grid_kw": 2.5,
        "soc_percent": 60.0,
        "import_price": 0.3,
        "export_price": 0.1,
        "pv_kw": 0.0,
        "load_kw": 0.5,
    } | values
    return PlanSlot(
        start=start,
        end=start + QUARTER,
        mode=InverterMode.FORCE_CHARGE,
        reason="cheap at 10:00",
        **fields,
    )


def totals(day: datetime, **values: float) -> PeriodTotals:
    """Return a day's running totals."""
    return PeriodTotals(
        kind=PeriodKind.DAY,
        start=day.astimezone(UTC),
        end=(day + timedelta(days=1)).astimezone(UTC),
        capacity_kwh=10.0,
        **values,
    )


def test_a_slot_planned_day_ahead_and_measured() -> None:
    """The day-ahead forecast, the plan at the slot's start and the books' difference."""
    review = PlanReview(ZONE, 15)
    ten = DAY + timedelta(hours=10)
    review.note_plan([slot(ten, pv_kw=1.0, load_kw=0.4)], DAY - timedelta(hours=10))
    # Planned again during the day: the day-ahead forecast stays the first.
    review.note_plan([slot(ten, pv_kw=3.0)], ten - timedelta(hours=2))
    review.note_books(totals(DAY, covered_hours=10.0), None, ten + SECOND, 55.0)
    review.note_plan([slot(ten, grid_kw=2.0)], ten + SECOND)
    review.note_plan([slot(ten, grid_kw=9.0)], ten + 5 * SECOND)
    at_end = totals(
        DAY,
        import_kwh=0.6,
        pv_kwh=0.2,
        load_kwh=0.1,
        charged_kwh=0.7,
        import_cost=0.18,
        cost_no_battery=-0.01,
        covered_hours=10.25,
    )
    review.note_books(at_end, None, ten + QUARTER + SECOND, 61.5)

    (reviewed,) = review.day(DAY.date())
    assert reviewed.day_ahead is not None
    assert (reviewed.day_ahead.pv_kw, reviewed.day_ahead.load_kw) == (1.0, 0.4)
    assert reviewed.planned is not None
    assert reviewed.planned.grid_kw == 2.0  # the plan in force when the slot began
    assert reviewed.planned.cost(0.25) == pytest.approx(0.15)
    assert reviewed.planned.saving(0.25) == pytest.approx(0.5 * 0.25 * 0.3 - 0.15)
    measured = reviewed.measured
    assert measured is not None
    assert measured.import_kwh == pytest.approx(0.6)
    assert measured.net_cost == pytest.approx(0.18)
    assert measured.saving == pytest.approx(-0.19)
    assert measured.soc_percent == 61.5

    accuracy = review.accuracy(DAY.date(), "pv")
    assert accuracy is not None
    assert accuracy.mae_kw == pytest.approx(1.0 - 0.8)
    assert accuracy.bias_kw == pytest.approx(0.2)
    saving = review.saving(DAY.date())
    assert (saving.slots, saving.planned, saving.realised) == (
        1,
        pytest.approx(reviewed.planned.saving(0.25)),
        pytest.approx(-0.19),
    )


def test_a_forecast_made_on_the_day_is_not_day_ahead() -> None:
    """Only a plan made before the slot's day began gives the day-ahead forecast."""
    review = PlanReview(ZONE, 15)
    noon = DAY + timedelta(hours=12)
    review.note_plan([slot(noon + timedelta(hours=2))], noon)
    assert review.day(DAY.date()) == []
    assert review.accuracy(DAY.date(), "pv") is None


def test_late_or_partly_booked_slots_have_no_measurement() -> None:
    """A slot the books saw late, or only partly (a gap), is not measured."""
    review = PlanReview(ZONE, 15)
    ten = DAY + timedelta(hours=10)
    review.note_books(totals(DAY, covered_hours=10.0), None, ten + SECOND, None)
    late = ten + QUARTER + timedelta(minutes=2)
    review.note_books(totals(DAY, covered_hours=10.25), None, late, None)
    quarter_past = ten + 2 * QUARTER
    review.note_books(totals(DAY, covered_hours=10.3), None, quarter_past, None)
    gap = totals(DAY, covered_hours=10.35)
    review.note_books(gap, None, quarter_past + QUARTER, None)
    assert review.day(DAY.date()) == []


def test_the_last_slot_of_the_day_is_measured_from_the_day_closed() -> None:
    """At midnight the books start a new day; the slot before it counts the old one."""
    review = PlanReview(ZONE, 15)
    last = DAY + timedelta(days=1) - QUARTER
    review.note_books(
        totals(DAY, load_kwh=9.0, covered_hours=23.75), None, last + SECOND, 40.0
    )
    closed = totals(DAY, load_kwh=9.2, covered_hours=24.0)
    next_day = totals(DAY + timedelta(days=1), covered_hours=0.0003)
    review.note_books(next_day, closed, last + QUARTER + SECOND, 39.0)
    (reviewed,) = review.day(DAY.date())
    assert reviewed.measured is not None
    assert reviewed.measured.load_kwh == pytest.approx(0.2)


def test_saved_and_restored() -> None:
    """The review survives a restart; another slot length or version does not."""
    review = PlanReview(ZONE, 15)
    ten = DAY + timedelta(hours=10)
    review.note_plan([slot(ten)], DAY - timedelta(hours=1))
    review.note_books(totals(DAY, covered_hours=10.0), None, ten + SECOND, 50.0)
    review.note_plan([slot(ten)], ten + SECOND)
    stored = review.to_dict()
    restored = PlanReview.from_dict(ZONE, 15, stored)
    assert restored.day(DAY.date()) == review.day(DAY.date())
    restored.note_books(
        totals(DAY, pv_kwh=0.5, covered_hours=10.25), None, ten + QUARTER, 51.0
    )
    (reviewed,) = restored.day(DAY.date())
    assert reviewed.measured is not None
    assert reviewed.measured.pv_kwh == pytest.approx(0.5)
    assert PlanReview.from_dict(ZONE, 30, stored).day(DAY.date()) == []
    with pytest.raises(ReviewError):
        PlanReview.from_dict(ZONE, 15, {**stored, "version": 99})
    with pytest.raises(ReviewError):
        PlanReview.from_dict(ZONE, 15, {**stored, "slots": [{"start": "x"}]})


def test_older_days_are_forgotten() -> None:
    """Only today and yesterday are kept."""
    review = PlanReview(ZONE, 15)
    review.note_plan([slot(DAY + timedelta(hours=1))], DAY - timedelta(hours=1))
    two_days_later = DAY + timedelta(days=2, hours=1)
    review.note_plan([], two_days_later)
    assert review.day(DAY.date()) == []


def test_planned_for_the_day_joins_the_past_and_the_plan() -> None:
    """Slots that began count as planned then; the rest as the plan in force."""
    review = PlanReview(ZONE, 15)
    ten = DAY + timedelta(hours=10)
    review.note_plan([slot(ten, grid_kw=0.0)], ten + SECOND)
    later = [slot(ten + QUARTER), slot(DAY + timedelta(days=1))]
    planned = review.planned_for_day(date(2025, 10, 1), later, ten + 2 * SECOND)
    idle = 0.5 * 0.25 * 0.3
    assert planned == pytest.approx(idle + (idle - 2.5 * 0.25 * 0.3))


def test_forecast_error() -> None:
    """Mean absolute error and bias of (forecast, measured) pairs."""
    error = forecast_error([(1.0, 0.5), (0.0, 1.0)])
    assert error is not None
    assert (error.mae_kw, error.bias_kw, error.slots) == (0.75, -0.25, 2)
    assert forecast_error([]) is None
