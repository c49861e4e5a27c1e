"""The books of the controllable loads: what each drew and what it cost, in memory.

The load controller samples every load on each decision (every minute and on every
reading): the read-back power sensor, else the load's power while its switch reads on.
A sample holds until the next one, at most `HOLD`, at the import price of the plan's
slot (or of the price reading without a plan). The savings books keep them in their
Store (under `loads`); the time Home Assistant was down is not booked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from custom_components.ems.core.loads.energy import Consumed, LoadLedger

HOLD = timedelta(minutes=2)


@dataclass(frozen=True, kw_only=True, slots=True)
class _Sample:
    at: datetime
    kw: float
    price: float


class LoadBooks:
    """Each load's energy and cost per quarter hour, fed by the load controller."""

    def __init__(self) -> None:
        """Start with empty books."""
        self.ledger = LoadLedger()
        self._last: dict[str, _Sample] = {}

    def sample(self, load_id: str, now: datetime, *, kw: float, price: float) -> None:
        """Book the previous sample up to `now` and hold this one."""
        if (last := self._last.get(load_id)) is not None and last.at < now:
            self.ledger.add(
                load_id,
                start=last.at,
                end=min(now, last.at + HOLD),
                kw=last.kw,
                price=last.price,
            )
        self._last[load_id] = _Sample(at=now, kw=kw, price=price)

    def to_dict(self) -> dict[str, Any]:
        """Return the books as stored."""
        return self.ledger.to_dict()

    def restore(self, data: Any) -> None:
        """Take the stored books back (nothing when there are none)."""
        self.ledger = LoadLedger.from_dict(data)

    def since(self, load_id: str, moment: datetime) -> Consumed:
        """Return what the load drew from `moment` (by quarter hour) on."""
        return self.ledger.since(load_id, moment)
