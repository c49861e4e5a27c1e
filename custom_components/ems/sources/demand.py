"""The billing month's peaks so far: the recorder's statistics and EMS's own record.

Each plan reads the grid power sensor's statistics since the month began (5-minute
means where the recorder still has them, about 10 days; hourly means before that),
takes each day's highest counted mean over the measure, and keeps the higher of that
and what EMS recorded before, day by day, in a Store: a restart or the recorder's
purge of its 5-minute statistics loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final

from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.const import UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from custom_components.ems.const import DOMAIN, LOGGER
from custom_components.ems.core.demand import (
    DemandConfig,
    daily_peaks,
    demand_tariff,
    month_bounds,
)
from custom_components.ems.core.situation import DemandTariff

STORAGE_VERSION: Final = 1
_PERIODS = (("5minute", 5), ("hour", 60))


def demand_storage_key(entry_id: str) -> str:
    """Return the Store key of an entry's record of this month's peaks."""
    return f"{DOMAIN}.demand.{entry_id}"


def _recorded(data: Any, month: str) -> dict[date, float]:
    """Return the stored daily peaks of `month` ("YYYY-MM"); nothing from another."""
    if not isinstance(data, dict) or data.get("month") != month:
        return {}
    days = data.get("days")
    peaks: dict[date, float] = {}
    for day, kw in (days if isinstance(days, dict) else {}).items():
        try:
            peaks[date.fromisoformat(str(day))] = float(kw)
        except (TypeError, ValueError):
            continue
    return peaks


class DemandReader:
    """Knows this month's daily peaks and the demand charge the plan pays."""

    def __init__(
        self, hass: HomeAssistant, entry_id: str, config: DemandConfig
    ) -> None:
        """Keep the record of one entry."""
        self.hass = hass
        self.config = config
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, demand_storage_key(entry_id)
        )
        self._month = ""
        self.peaks: dict[date, float] = {}
        self.tariff: DemandTariff | None = None

    @property
    def peak_this_month_kw(self) -> float | None:
        """Return the month's highest counted peak measured so far (None: none yet)."""
        return max(self.peaks.values()) if self.peaks else None

    async def async_tariff(self, now: datetime) -> DemandTariff:
        """Return the demand charge with the peak so far, and record today's peaks."""
        zone = dt_util.get_default_time_zone()
        start, end = month_bounds(now, zone)
        month = f"{start:%Y-%m}"
        if month != self._month:
            self._month = month
            self.peaks = _recorded(await self._store.async_load(), month)
        measured = daily_peaks(await self._async_means(start, now), self.config, zone)
        merged = {
            day: max(self.peaks.get(day, 0.0), measured.get(day, 0.0))
            for day in self.peaks.keys() | measured.keys()
        }
        if merged != self.peaks:
            self.peaks = merged
            await self._store.async_save(
                {
                    "month": month,
                    "days": {day.isoformat(): kw for day, kw in merged.items()},
                }
            )
        self.tariff = demand_tariff(
            self.config, self.peaks, today=now.astimezone(zone).date(), period_end=end
        )
        return self.tariff

    async def _async_means(
        self, start: datetime, now: datetime
    ) -> list[tuple[datetime, float, int]]:
        """Return (start, mean kW, minutes) of the recorded periods since `start`.

        An hour that has 5-minute means is taken from them alone.
        """
        entity = self.config.grid_entity
        if entity is None or "recorder" not in self.hass.config.components:
            return []
        means: list[tuple[datetime, float, int]] = []
        covered: set[datetime] = set()
        for period, minutes in _PERIODS:
            try:
                rows = await get_instance(self.hass).async_add_executor_job(
                    statistics_during_period,
                    self.hass,
                    start,
                    now,
                    {entity},
                    period,
                    {"power": UnitOfPower.KILO_WATT},
                    {"mean"},
                )
            except (OSError, RuntimeError, ValueError) as err:
                LOGGER.warning("EMS cannot read %s statistics: %s", entity, err)
                return means
            for row in rows.get(entity, []):
                begin = dt_util.utc_from_timestamp(row["start"])
                hour = begin.replace(minute=0)
                mean = row.get("mean")
                if mean is None or (minutes == 60 and hour in covered):
                    continue
                means.append((begin, mean, minutes))
                covered.add(hour)
        return means

    def as_dict(self) -> Mapping[str, Any]:
        """Return the sensor's attributes: the daily peaks and what the plan is charged."""
        tariff = self.tariff
        return {
            "daily_peaks_kw": {
                day.isoformat(): round(kw, 3) for day, kw in sorted(self.peaks.items())
            },
            "billed_peak_kw": None if tariff is None else tariff.peak_so_far_kw,
            "price_per_kw": None if tariff is None else tariff.price_per_kw,
            "rule": self.config.rule.value,
            "measure_minutes": self.config.measure_minutes,
        }


async def async_remove_demand_record(hass: HomeAssistant, entry_id: str) -> None:
    """Delete an entry's record of this month's peaks (the entry is removed)."""
    await Store[Any](hass, STORAGE_VERSION, demand_storage_key(entry_id)).async_remove()
