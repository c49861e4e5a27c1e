"""Read prices and forecasts from Home Assistant and align them onto the slot grid."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant

from .const import CONF_PRICE_ENTITY, LOGGER
from .house import HouseReadings
from .inputs import (
    AlignedInputs,
    PowerPoint,
    PowerSeries,
    PriceSeries,
    align_inputs,
    entsoe,
    held_measured_pv,
    nordpool_hacs,
    slot_start,
)
from .planning import PlanningConfig


class PriceReader:
    """Reads the price entity's published prices; logs each new warning once."""

    def __init__(self, hass: HomeAssistant, options: Mapping[str, Any]) -> None:
        """Remember which entity holds the prices."""
        self.hass = hass
        self.entity_id: str = options[CONF_PRICE_ENTITY]
        self._warned: set[str] = set()

    def read(self, *, is_spot: bool) -> PriceSeries:
        """Return the prices the entity publishes (today, and tomorrow when known)."""
        state = self.hass.states.get(self.entity_id)
        attributes: Mapping[str, Any] = state.attributes if state else {}
        if "raw_today" in attributes:
            series = nordpool_hacs(attributes, is_spot=is_spot)
        elif "prices_today" in attributes or "prices" in attributes:
            series = entsoe(attributes, is_spot=is_spot)
        else:
            series = PriceSeries(
                points=(),
                currency=None,
                is_spot=is_spot,
                warnings=("no list of prices in raw_today or prices_today",),
            )
        for warning in series.warnings:
            if warning not in self._warned:
                LOGGER.warning("Price entity %s: %s", self.entity_id, warning)
        self._warned = set(series.warnings)
        return series


def flat_load(readings: HouseReadings, start: datetime, end: datetime) -> PowerSeries:
    """Without a load forecast: the measured load holds over the horizon."""
    load_kw = max(readings.load_kw or 0.0, 0.0)
    return PowerSeries(
        points=(PowerPoint(start=start, end=end, kw=load_kw),),
        span_start=start,
        span_end=end,
    )


def gather_inputs(
    prices: PriceReader,
    config: PlanningConfig,
    readings: HouseReadings,
    now: datetime,
) -> AlignedInputs:
    """Return the planner's inputs from the current slot on, as far as prices go."""
    start = slot_start(now, config.slot_minutes)
    horizon = timedelta(hours=config.horizon_hours)
    import_prices = prices.read(is_spot=config.prices_are_spot)
    # Export prices always go through the export factor and fee, retail or spot.
    export_prices = replace(import_prices, is_spot=True)
    return align_inputs(
        start=start,
        slot_minutes=config.slot_minutes,
        max_horizon=horizon,
        import_prices=import_prices,
        export_prices=export_prices,
        tariff=config.tariff,
        pv=held_measured_pv(
            readings.pv_kw or 0.0,
            start=start,
            slot=timedelta(minutes=config.slot_minutes),
            until=start + horizon,
        ),
        load=flat_load(readings, start, start + horizon),
    )
