"""What the forecasts said: the PV forecast past slots had, as the Situation carries it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
import math

from custom_components.ems.core.inputs.series import hourly_on_slots

from .model import PvForecast, Temperatures


class ForecastMemory:
    """The PV forecast each slot had when it was last planned, kept for the history.

    The planner calibrates the PV forecast against the measured PV of past slots, so
    it needs the forecast those slots had; Home Assistant's forecast sources only say
    what is coming. `snapshot` and `restored` carry it over a restart.
    """

    def __init__(self) -> None:
        """Start with nothing remembered (kW by slot start, in seconds since the epoch)."""
        self._kw: dict[int, float] = {}

    def snapshot(self) -> dict[str, float]:
        """Return what is remembered as JSON: kW by slot start (epoch seconds as text)."""
        return {str(moment): kw for moment, kw in self._kw.items()}

    @classmethod
    def restored(cls, data: Mapping[str, object]) -> ForecastMemory:
        """Return a memory holding what `snapshot` returned; entries that are not numbers are skipped."""
        memory = cls()
        for moment, kw in data.items():
            if (
                moment.isdigit()
                and isinstance(kw, int | float)
                and not isinstance(kw, bool)
                and math.isfinite(kw)
                and kw >= 0.0
            ):
                memory._kw[int(moment)] = float(kw)
        return memory

    def forecast(
        self,
        *,
        history_start: datetime,
        first: datetime,
        minutes: int,
        coming: Sequence[float],
    ) -> PvForecast:
        """Remember `coming` (kW per slot from `first`); return past and coming.

        Slots before `history_start` are forgotten.
        """
        step = minutes * 60
        begin = int(history_start.timestamp())
        now = int(first.timestamp())
        self._kw.update(
            zip(range(now, now + step * len(coming), step), coming, strict=True)
        )
        for moment in [moment for moment in self._kw if moment < begin]:
            del self._kw[moment]
        remembered = self._kw.get
        return PvForecast(
            start=history_start.astimezone(UTC),
            p50=(*map(remembered, range(begin, now, step)), *coming),
        )


def slot_temperatures(
    by_hour: Mapping[datetime, float], *, first: datetime, minutes: int, count: int
) -> Temperatures | None:
    """Return an hourly temperature forecast on the slots from `first`, if any."""
    if not by_hour:
        return None
    first = first.astimezone(UTC)
    end = first + count * timedelta(minutes=minutes)
    return Temperatures(
        start=first, values=hourly_on_slots(by_hour, first, end, minutes)
    )
