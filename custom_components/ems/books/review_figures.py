"""What the planned-against-actual sensors show (the review kept with the books).

- The saving planned for today: slots that have begun as planned when they began, the
  rest as the plan in force has them; beside it, over the slots that have ended, the
  saving planned for them and the saving the books measured.
- Yesterday's day-ahead PV forecast against the measured PV: mean absolute error and
  bias per slot, in kW.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from homeassistant.util import dt as dt_util

from custom_components.ems.core.shown import rounded
from custom_components.ems.planner import Plan

from .keeper import EmsAccounting

# Attributes that change with every slot stay out of the recorder.
UNRECORDED = frozenset({"planned_so_far", "realised_so_far", "slots_compared"})


def _today(books: EmsAccounting) -> date:
    return dt_util.utcnow().astimezone(books.review.zone).date()


def planned_saving(books: EmsAccounting, plan: Plan | None) -> float:
    """Return the saving planned for today as a whole."""
    slots = () if plan is None else plan.slots
    return rounded(
        books.review.planned_for_day(_today(books), slots, dt_util.utcnow()), 4
    )


def saving_attributes(books: EmsAccounting) -> dict[str, Any]:
    """Return the saving planned and realised over the slots that ended, slot for slot.

    Today's so far, and yesterday's.
    """
    today = _today(books)
    so_far = books.review.saving(today)
    previous = books.review.saving(today - timedelta(days=1))
    return {
        "planned_so_far": rounded(so_far.planned, 4),
        "realised_so_far": rounded(so_far.realised, 4),
        "slots_compared": so_far.slots,
        "previous_day_planned": rounded(previous.planned, 4),
        "previous_day_realised": rounded(previous.realised, 4),
        "previous_day_slots_compared": previous.slots,
    }


def pv_accuracy_value(books: EmsAccounting, field: str) -> float | None:
    """Return yesterday's PV forecast error (`mae_kw` or `bias_kw`), when known."""
    error = books.review.accuracy(_today(books) - timedelta(days=1), "pv")
    return None if error is None else rounded(getattr(error, field), 4)


def pv_accuracy_attributes(books: EmsAccounting) -> dict[str, Any] | None:
    """Return the day judged and how many of its slots had a forecast and a reading."""
    day = _today(books) - timedelta(days=1)
    error = books.review.accuracy(day, "pv")
    if error is None:
        return None
    return {"day": day.isoformat(), "slots": error.slots}
