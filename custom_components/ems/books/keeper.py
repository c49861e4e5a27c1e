"""Savings accounting in Home Assistant: the ledger fed from the house, kept in a Store.

Sampling: the ledger integrates power with the left rectangle rule (a reading holds
until the next sample), so every sample should come at a change. EMS samples

- on every coordinator update: the coordinator refreshes on the 5-minute slot clock
  and as soon as a source moves by more than its deadband (0.05 kW), so steps are
  booked at the instant they happen;
- every 30 s from the source states, validated exactly as the coordinator validates
  them: the coordinator's deadband lets a drift of up to 0.05 kW per reading go
  unrefreshed for hours (up to 1.2 kWh a day); a 30 s sample bounds that error to what
  changes within half a minute, for a few arithmetic operations per sample.

Prices are those of the plan's current slot (retail import and export). Without a
plan they come from the price reading the way the planner prices it: import through
the retail tariff when prices are spot prices, export always through the export factor
and fee (with the defaults, export is valued at the import price).

With the user's grid import and export meters selected, the samples book meter
differences instead (`accounting_meters`).

The books are saved with a delay and on unload; a restored ledger ignores samples it
has booked already, so a restart neither loses nor double-counts energy. The last meter
readings are saved beside the books under `meters`, and the review of today's and
yesterday's slots, planned against measured (`core.review`), under `review`, and the
controllable loads' books (`books.loads`) under `loads` (books saved without them
still load).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import (
    async_track_point_in_utc_time,
    async_track_time_interval,
)
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from custom_components.ems.const import DOMAIN, LOGGER
from custom_components.ems.coordinator import EmsCoordinator
from custom_components.ems.core.accounting import (
    AccountingError,
    BatterySpec,
    Ledger,
    LedgerConfig,
    LedgerReport,
    PeriodKind,
    PowerSample,
    period_bounds,
)
from custom_components.ems.core.config import EmsConfig
from custom_components.ems.core.review import PlanReview, ReviewError
from custom_components.ems.planner import Plan

from .meters import EnergyMeters, meter_entities

STORAGE_VERSION: Final = 1
SAMPLE_INTERVAL: Final = timedelta(seconds=30)
# At most this much accounting is lost when the machine loses power.
SAVE_DELAY_SECONDS: Final = 300


def storage_key(entry_id: str) -> str:
    """Return the Store key of an entry's books."""
    return f"{DOMAIN}.accounting.{entry_id}"


def ledger_config(hass: HomeAssistant, config: EmsConfig) -> LedgerConfig:
    """Return the books' configuration: the battery, the time zone, the daily charge."""
    battery = config.battery
    return LedgerConfig(
        battery=BatterySpec(
            capacity_kwh=battery.capacity_kwh,
            min_soc_percent=battery.min_soc_percent,
            max_soc_percent=battery.max_soc_percent,
            max_charge_kw=battery.max_charge_kw,
            max_discharge_kw=battery.max_discharge_kw,
            charge_efficiency=battery.charge_efficiency,
            discharge_efficiency=battery.discharge_efficiency,
        ),
        zone=ZoneInfo(hass.config.time_zone),
        billing_start_day=config.billing_start_day,
        daily_charge=config.prices.daily_charge,
    )


def current_prices(plan: Plan | None, at: datetime) -> tuple[float, float] | None:
    """Return the (import, export) prices of the plan's slot holding `at`."""
    slot = None if plan is None else plan.slot_at(at)
    return None if slot is None else (slot.import_price, slot.export_price)


class EmsAccounting:
    """The entry's ledger: fed from the house, saved in a Store, shown by sensors."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        config: EmsConfig,
        coordinator: EmsCoordinator,
    ) -> None:
        """Keep empty books until `async_load` restores the saved ones."""
        self.hass = hass
        self._coordinator = coordinator
        self._config = ledger_config(hass, config)
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, storage_key(entry_id)
        )
        self.ledger = Ledger(self._config)
        self._slot_minutes = config.planning.slot_minutes
        self.review = PlanReview(self._config.zone, self._slot_minutes)
        self._listeners: list[Callable[[], None]] = []
        self._unsubs: list[CALLBACK_TYPE] = []
        self._unsub_midnight: CALLBACK_TYPE | None = None
        entities = meter_entities(config.meters)
        self._meters = (
            EnergyMeters(hass, entities, config.house_limits, self._config.max_gap)
            if entities
            else None
        )

    async def async_load(self) -> None:
        """Restore the saved books; on unreadable data start fresh with a warning."""
        try:
            stored = await self._store.async_load()
            if stored is not None:
                self.ledger = Ledger.from_dict(self._config, stored)
        except (AccountingError, HomeAssistantError) as err:
            LOGGER.warning("EMS starts its accounting afresh: %s", err)
            self.ledger = Ledger(self._config)
            stored = None
        if self._meters is not None and stored is not None:
            self._meters.restore(stored.get("meters"))
        if stored is not None:
            self._coordinator.load_books.restore(stored.get("loads"))
        if stored is not None and stored.get("review") is not None:
            try:
                self.review = PlanReview.from_dict(
                    self._config.zone, self._slot_minutes, stored["review"]
                )
            except ReviewError as err:
                LOGGER.warning("EMS starts its review of the plan afresh: %s", err)

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Sample now, on coordinator updates, every 30 s and at midnight."""
        self._unsubs = [
            self._coordinator.async_add_listener(self._on_coordinator_update),
            async_track_time_interval(
                self.hass, self._on_timer, SAMPLE_INTERVAL, cancel_on_shutdown=True
            ),
        ]
        self._schedule_midnight()
        self.sample()
        return self._async_stop_tracking

    async def async_stop(self) -> None:
        """Book up to now, stop sampling and save at once (the entry unloads)."""
        if self._unsubs:
            self.sample()
        self._async_stop_tracking()
        await self._store.async_save(self._stored())

    @callback
    def _async_stop_tracking(self) -> None:
        for unsub in self._unsubs:
            unsub()
        self._unsubs = []
        if self._unsub_midnight is not None:
            self._unsub_midnight()
            self._unsub_midnight = None

    @property
    def currency(self) -> str:
        """Return the currency the books are kept in (the home's)."""
        return self.hass.config.currency

    def report(self) -> LedgerReport:
        """Return the current and previous totals of every period."""
        return self.ledger.report()

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` when the totals shown change; return the remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def sample(self) -> None:
        """Book the time since the last sample from the house as it is now."""
        sample = self._read_sample(dt_util.utcnow())
        if self._meters is None:
            changed = self.ledger.add_sample(sample)
        else:
            changed = self._meters.book(self.ledger, sample)
        if changed:
            self._note_books(sample.soc_percent)
            self._store.async_delay_save(self._stored, SAVE_DELAY_SECONDS)

    def _note_books(self, soc_percent: float | None) -> None:
        """Show the review the day's totals as booked now."""
        report = self.ledger.report()
        day = report.current.get(PeriodKind.DAY)
        if day is not None and report.accounted_until is not None:
            self.review.note_books(
                day,
                report.previous.get(PeriodKind.DAY),
                report.accounted_until,
                soc_percent,
            )

    def _stored(self) -> dict[str, Any]:
        """Return what the Store keeps: the books, the meters' last readings, the review."""
        stored = self.ledger.to_dict()
        if self._meters is not None:
            stored["meters"] = self._meters.to_dict()
        stored["review"] = self.review.to_dict()
        stored["loads"] = self._coordinator.load_books.to_dict()
        return stored

    def _read_sample(self, now: datetime) -> PowerSample:
        """Read the source states, validated as the coordinator validates them."""
        readings, _problems = self._coordinator.house.read()
        import_price, export_price = self._prices(readings.price_per_kwh, now)
        return PowerSample(
            at=now,
            grid_kw=readings.grid_kw,
            pv_kw=readings.pv_kw,
            battery_kw=readings.battery_kw,
            load_kw=readings.load_kw,
            soc_percent=readings.soc_percent,
            import_price=import_price,
            export_price=export_price,
        )

    def _prices(
        self, price_reading: float | None, now: datetime
    ) -> tuple[float | None, float | None]:
        """Return the retail (import, export) prices in force; None where unknown."""
        data = self._coordinator.data
        if (planned := current_prices(data.plan if data else None, now)) is not None:
            return planned
        if price_reading is None:
            return None, None
        planning = self._coordinator.planning
        tariff = planning.tariff
        # As the planner prices it: export always through the export factor and fee.
        buy = tariff.buy(price_reading) if planning.prices_are_spot else price_reading
        return buy, tariff.sell(price_reading)

    @callback
    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    @callback
    def _on_coordinator_update(self) -> None:
        # Show the timer's samples too, at most as often as the coordinator updates.
        self.sample()
        if (data := self._coordinator.data) is not None and data.plan is not None:
            self.review.note_plan(data.plan.slots, dt_util.utcnow())
        self._notify()

    @callback
    def _on_timer(self, _now: datetime) -> None:
        # Sensors follow the coordinator's updates, not every 30 s sample.
        self.sample()

    @callback
    def _schedule_midnight(self, after: datetime | None = None) -> None:
        now = dt_util.utcnow() if after is None else max(after, dt_util.utcnow())
        _, midnight = period_bounds(PeriodKind.DAY, now, self._config.zone)
        self._unsub_midnight = async_track_point_in_utc_time(
            self.hass, self._on_midnight, midnight
        )

    @callback
    def _on_midnight(self, midnight: datetime) -> None:
        """Close the day (and week, month, cycle) at midnight and show the new one."""
        self.sample()
        self.ledger.advance(midnight)
        self._schedule_midnight(midnight)
        self._notify()
