"""Confirm a state-of-charge reading before a safety layer may act on it (pure).

Sources glitch: during a Home Assistant restart an integration may publish 0 % for a
fraction of a second, and a source that comes back may start from a stale value. A
reading is confirmed once readings within `tolerance_percent` of it have held for
`settle`; until then the policy knows the SoC but treats it as unconfirmed, so a
single-sample drop never starts a grid charge. Readings that move gradually (within the
tolerance of the confirmed value) are confirmed at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_SETTLE = timedelta(seconds=30)
DEFAULT_TOLERANCE_PERCENT = 2.0


@dataclass(frozen=True, kw_only=True, slots=True)
class SocConfirmation:
    """The last confirmed SoC, and a different reading waiting to settle."""

    confirmed: float | None = None
    candidate: float | None = None
    candidate_since: datetime | None = None

    def is_confirmed(self, reading: float | None) -> bool:
        """Return whether `reading` is the confirmed SoC."""
        return reading is not None and reading == self.confirmed

    def settles_at(self, settle: timedelta = DEFAULT_SETTLE) -> datetime | None:
        """Return when the waiting reading becomes confirmed, None if none waits."""
        if self.candidate_since is None:
            return None
        return self.candidate_since + settle


def confirm_soc(
    previous: SocConfirmation,
    reading: float | None,
    now: datetime,
    *,
    settle: timedelta = DEFAULT_SETTLE,
    tolerance_percent: float = DEFAULT_TOLERANCE_PERCENT,
) -> SocConfirmation:
    """Return the confirmation after `reading` at `now` (None: the source is lost)."""
    if reading is None:
        return SocConfirmation()
    confirmed = previous.confirmed
    if confirmed is not None and abs(reading - confirmed) <= tolerance_percent:
        return SocConfirmation(confirmed=reading)
    candidate, since = previous.candidate, previous.candidate_since
    if (
        candidate is None
        or since is None
        or abs(reading - candidate) > tolerance_percent
    ):
        return SocConfirmation(
            confirmed=confirmed, candidate=reading, candidate_since=now
        )
    if now - since >= settle:
        return SocConfirmation(confirmed=reading)
    return SocConfirmation(
        confirmed=confirmed, candidate=reading, candidate_since=since
    )
