"""Prices from Home Assistant, per the entry's configuration: entity attributes or services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from custom_components.ems.const import PriceSource
from custom_components.ems.core.config import PriceConfig
from custom_components.ems.core.inputs import (
    AmberSpike,
    InputsError,
    PricePoint,
    PriceSeries,
    TwoRateTariff,
    attribute_list,
    detect_source,
    entsoe,
    merge_prices,
    nordpool_core,
    nordpool_hacs,
    scale_from_unit,
    tibber,
    two_rate_prices,
)

from .log import SourceLog
from .providers import read_amber, read_octopus

SERVICE_RETRY = timedelta(minutes=15)
"""How long a day a price service did not (fully) answer waits before asking again."""

_NO_PRICES = PriceSeries(points=(), currency=None, is_spot=False)
NO_PRICE_LIST = (
    "no price list EMS knows in its attributes "
    "(Nord Pool, ENTSO-e, Amber Electric, Octopus Energy)"
)
# How the reasons shown to the user name each adapter.
SOURCE_NAMES: dict[PriceSource, str] = {
    PriceSource.AUTO: "no known price list",
    PriceSource.NORDPOOL_HACS: "Nord Pool, HACS",
    PriceSource.NORDPOOL_CORE: "Nord Pool",
    PriceSource.ENTSOE: "ENTSO-e",
    PriceSource.TIBBER: "Tibber",
    PriceSource.ATTRIBUTE_LIST: "price list",
    PriceSource.TWO_RATE: "two-rate tariff",
    PriceSource.AMBER: "Amber Electric",
    PriceSource.OCTOPUS: "Octopus Energy",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Prices:
    """Import and export prices as the sources publish them."""

    import_prices: PriceSeries
    export_prices: PriceSeries


class _DailyCache:
    """Prices a service returns per local day; a complete day is never asked again."""

    def __init__(self, fetch: Callable[[date], Awaitable[PriceSeries]]) -> None:
        self._fetch = fetch
        self._days: dict[date, tuple[PriceSeries, datetime]] = {}

    async def read(self, days: list[date], now: datetime) -> PriceSeries:
        for day in days:
            cached = self._days.get(day)
            if cached is not None and (
                _covers_day(cached[0], day) or now - cached[1] < SERVICE_RETRY
            ):
                continue
            self._days[day] = (await self._fetch(day), now)
        self._days = {day: self._days[day] for day in days}
        return merge_prices(*(self._days[day][0] for day in days))


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = dt_util.get_default_time_zone()
    begin = datetime.combine(day, time(), zone)
    return begin, datetime.combine(day + timedelta(days=1), time(), zone)


def _covers_day(series: PriceSeries, day: date) -> bool:
    begin, end = _day_bounds(day)
    return bool(series.points) and (
        series.points[0].start <= begin and series.points[-1].end >= end
    )


class PriceReader:
    """Reads import and export prices from the source the options name."""

    def __init__(
        self, hass: HomeAssistant, config: PriceConfig, log: SourceLog
    ) -> None:
        """Remember where the prices come from; warnings go to `log`."""
        self.hass = hass
        self.config = config
        self.entity_id = config.entity_id
        self.source = config.source
        self.log = log
        # Amber's spike flag, when Amber gives the import prices.
        self.spike: AmberSpike | None = None
        # What gave the import and export prices, as the user reads it.
        self.labels: dict[str, str] = {}
        self._nordpool = _DailyCache(self._fetch_nordpool)
        self._tibber = _DailyCache(self._fetch_tibber)

    async def read(self, *, now: datetime, until: datetime, is_spot: bool) -> Prices:
        """Return today's and tomorrow's prices (the tariff's up to `until`)."""
        source = self.source
        if source is PriceSource.TWO_RATE:
            self.labels = dict.fromkeys(("import", "export"), "two-rate tariff")
            return self._two_rate(now, until)
        today = dt_util.as_local(now).date()
        days = [today, today + timedelta(days=1)]
        if source is PriceSource.NORDPOOL_CORE:
            imports = await self._nordpool.read(days, now)
            self.log.report("nordpool.get_prices_for_date", imports.warnings)
            area = self.config.nordpool_area or "the entry's area"
            self.labels["import"] = f"nordpool.get_prices_for_date ({area})"
        elif source is PriceSource.TIBBER:
            imports = await self._tibber.read(days, now)
            self.log.report("tibber.get_prices", imports.warnings)
            self.labels["import"] = "tibber.get_prices"
        else:
            imports = self._from_entity(self.entity_id, "import", is_spot=is_spot)
        export_entity = self.config.export_entity_id
        if export_entity:
            exports = self._from_entity(export_entity, "export", is_spot=True)
        else:
            exports = imports
            self.labels["export"] = self.labels["import"]
        # Export prices always go through the export factor and fee.
        return Prices(
            import_prices=imports, export_prices=replace(exports, is_spot=True)
        )

    def _from_entity(self, entity_id: str, role: str, *, is_spot: bool) -> PriceSeries:
        """Read a price entity with the adapter the options pick for imports.

        An export sensor gets the adapter its own attributes call for, whatever the
        import source (a Nord Pool export sensor next to Tibber, say).
        """
        state = self.hass.states.get(entity_id)
        if state is None:
            self.labels[role] = entity_id
            self.log.report(entity_id, ["entity not found"])
            return replace(_NO_PRICES, is_spot=is_spot)
        attributes = state.attributes
        unit = attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        unit = unit if isinstance(unit, str) and scale_from_unit(unit) else "EUR/kWh"
        source = self.source if role == "import" else PriceSource.AUTO
        if source is PriceSource.AUTO:
            source = detect_source(attributes) or (
                PriceSource.ATTRIBUTE_LIST
                if self.source is PriceSource.ATTRIBUTE_LIST
                else PriceSource.AUTO
            )
        self.labels[role] = f"{entity_id} ({SOURCE_NAMES[source]})"
        if source is PriceSource.AMBER:
            series, spike = read_amber(self.hass, entity_id)
            if role == "import":
                self.spike = spike
        elif source is PriceSource.OCTOPUS:
            series = read_octopus(self.hass, entity_id)
        elif source is PriceSource.ATTRIBUTE_LIST:
            series = attribute_list(
                attributes,
                attribute=self.config.attribute,
                start_key=self.config.start_key,
                price_key=self.config.value_key,
                end_key=self.config.end_key,
                unit=self.config.unit,
                is_spot=is_spot,
            )
        elif source is PriceSource.NORDPOOL_HACS:
            series = nordpool_hacs(attributes, is_spot=is_spot)
        elif source is PriceSource.ENTSOE:
            series = entsoe(attributes, unit=unit, is_spot=is_spot)
        else:
            series = replace(
                _NO_PRICES,
                is_spot=is_spot,
                warnings=(NO_PRICE_LIST,),
            )
        self.log.report(entity_id, series.warnings)
        return series

    async def _call(self, domain: str, service: str, data: dict[str, Any]) -> Any:
        """Call a price service; any failure of it is a `HomeAssistantError`."""
        try:
            return await self.hass.services.async_call(
                domain, service, data, blocking=True, return_response=True
            )
        except HomeAssistantError:
            raise
        except Exception as err:  # noqa: BLE001 - another integration's service may raise anything
            raise HomeAssistantError(
                f"{domain}.{service} failed: {type(err).__name__}: {err}"
            ) from err

    async def _fetch_nordpool(self, day: date) -> PriceSeries:
        """Ask core Nord Pool for one day's prices (tomorrow's exist after ~13:00 CET)."""
        area = self.config.nordpool_area
        currency = self.config.currency
        data: dict[str, Any] = {
            "config_entry": self.config.nordpool_entry,
            "date": day.isoformat(),
        }
        if area:
            data["areas"] = [area]
        if currency:
            data["currency"] = currency
        try:
            response = await self._call("nordpool", "get_prices_for_date", data)
        except HomeAssistantError as err:
            return self._unanswered(day, f"{day}: {err}")
        if not isinstance(response, Mapping):
            return self._unanswered(day, f"{day}: no response")
        if not area and len(response) == 1:
            area = next(iter(response))
        return nordpool_core(response, area=area, currency=currency)

    async def _fetch_tibber(self, day: date) -> PriceSeries:
        """Ask Tibber for one day's prices (total per kWh, as billed)."""
        begin, end = _day_bounds(day)
        try:
            response = await self._call(
                "tibber",
                "get_prices",
                {"start": begin.isoformat(), "end": end.isoformat()},
            )
        except HomeAssistantError as err:
            return self._unanswered(day, f"{day}: {err}")
        if not isinstance(response, Mapping):
            return self._unanswered(day, f"{day}: no response")
        series = tibber(response, home=self.config.tibber_home)
        # Tomorrow's list is empty until Tibber publishes it: that is no error.
        if not series.points and day > dt_util.now().date():
            return replace(series, warnings=())
        return series

    def _unanswered(self, day: date, reason: str) -> PriceSeries:
        """Tomorrow unanswered is normal before publication; today is worth a warning."""
        if day > dt_util.now().date():
            return _NO_PRICES
        return replace(_NO_PRICES, warnings=(reason,))

    def _two_rate(self, now: datetime, until: datetime) -> Prices:
        """Return the fixed tariff over the horizon; export earns the fixed price."""
        try:
            two_rate = self.config.two_rate
            tariff = TwoRateTariff(
                peak_price=two_rate.peak_price,
                offpeak_price=two_rate.offpeak_price,
                peak_windows=((two_rate.peak_start, two_rate.peak_end),),
                time_zone=self.hass.config.time_zone,
                peak_weekdays=frozenset(range(5 if two_rate.weekdays_only else 7)),
            )
        except (InputsError, ValueError) as err:
            self.log.report("two-rate tariff", [str(err)])
            return Prices(import_prices=_NO_PRICES, export_prices=_NO_PRICES)
        self.log.report("two-rate tariff", [])
        imports = two_rate_prices(tariff, now, until)
        fixed = self.config.fixed_export_price
        exports = PriceSeries(
            points=tuple(
                PricePoint(start=point.start, end=point.end, price=fixed)
                for point in imports.points
            ),
            currency=None,
            is_spot=False,
        )
        return Prices(import_prices=imports, export_prices=exports)
