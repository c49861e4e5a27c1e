"""Savings accounting from the user's own energy meters (kWh counters).

With the grid import and export meters selected, each accounting sample books the
meters' differences since the previous sample instead of integrated grid power. PV,
battery charge and battery discharge come from their meters where selected, otherwise
from the power reading held since the previous sample; the load follows from the
balance. Each interval is priced at the prices in force when it began.

A meter is checked before its difference is booked:

- a drop of more than 10 % is a reset (a utility meter at midnight, a new meter): the
  new value is what was counted since the reset; a smaller drop is a dip and counts
  nothing (both as Home Assistant's statistics judge `total_increasing` sensors);
- a difference beyond what the house's limits allow in the time (at least five
  minutes, as meters report late and in steps) is a spike: the interval is not booked;
- an unreadable meter (unavailable, unknown, not a number, no energy unit) books
  nothing until it is back. Within the ledger's `max_gap` (15 minutes) the difference
  then covers the outage; a longer outage is a gap.

The last readings are saved with the books, so a restart neither loses nor
double-counts: the first difference after it covers the time Home Assistant was down,
if that was within `max_gap`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant, State

from custom_components.ems.const import LOGGER
from custom_components.ems.core.accounting import (
    AccountingError,
    EnergyFlows,
    Ledger,
    PowerSample,
    complete_sample,
)
from custom_components.ems.core.config import MeterConfig
from custom_components.ems.core.house import (
    HouseLimits,
    Quantity,
    ReadingError,
    convert_energy,
)

# A drop by more than this share of the previous value is a reset, a smaller one a dip.
RESET_DROP: Final = 0.1
# Meters report late and in steps: a difference may hold this much time's energy.
METER_SLACK: Final = timedelta(minutes=5)


class MeterFlow(StrEnum):
    """What an energy meter counts."""

    IMPORT = "import"
    EXPORT = "export"
    PV = "pv"
    CHARGE = "charge"
    DISCHARGE = "discharge"


def meter_entities(meters: MeterConfig) -> dict[MeterFlow, str]:
    """Return the selected meters; none unless both grid meters are selected."""
    if not meters.books_from_meters:
        return {}
    selected = {
        MeterFlow.IMPORT: meters.grid_import,
        MeterFlow.EXPORT: meters.grid_export,
        MeterFlow.PV: meters.pv,
        MeterFlow.CHARGE: meters.battery_charge,
        MeterFlow.DISCHARGE: meters.battery_discharge,
    }
    return {flow: entity for flow, entity in selected.items() if entity}


def flow_limit_kw(flow: MeterFlow, limits: HouseLimits) -> float:
    """Return the highest believable power of a metered flow."""
    match flow:
        case MeterFlow.IMPORT:
            return limits.plausible_range(Quantity.GRID_POWER)[1]
        case MeterFlow.EXPORT:
            return -limits.plausible_range(Quantity.GRID_POWER)[0]
        case MeterFlow.PV:
            return limits.plausible_range(Quantity.PV_POWER)[1]
        case MeterFlow.CHARGE:
            return limits.plausible_range(Quantity.BATTERY_POWER)[1]
        case MeterFlow.DISCHARGE:
            return -limits.plausible_range(Quantity.BATTERY_POWER)[0]


@dataclass(frozen=True, kw_only=True, slots=True)
class MeterBaseline:
    """The meters (kWh) and the held power readings and prices at the last sample."""

    at: datetime
    entities: Mapping[MeterFlow, str]
    kwh: Mapping[MeterFlow, float]
    pv_kw: float | None
    battery_kw: float | None
    import_price: float | None
    export_price: float | None

    def to_dict(self) -> dict[str, Any]:
        """Return the baseline as a JSON-able dict (saved with the books)."""
        return {
            "at": self.at.isoformat(),
            "entities": {flow.value: entity for flow, entity in self.entities.items()},
            "kwh": {flow.value: value for flow, value in self.kwh.items()},
            "pv_kw": self.pv_kw,
            "battery_kw": self.battery_kw,
            "import_price": self.import_price,
            "export_price": self.export_price,
        }

    @classmethod
    def from_dict(cls, data: Any) -> MeterBaseline:
        """Restore `to_dict` output; raise AccountingError on another shape."""
        try:
            return cls(
                at=datetime.fromisoformat(data["at"]),
                entities={MeterFlow(k): str(v) for k, v in data["entities"].items()},
                kwh={MeterFlow(k): float(v) for k, v in data["kwh"].items()},
                **{
                    name: None if data[name] is None else float(data[name])
                    for name in ("pv_kw", "battery_kw", "import_price", "export_price")
                },
            )
        except (AttributeError, KeyError, TypeError, ValueError) as err:
            raise AccountingError(f"stored meter readings are invalid: {err}") from err


class EnergyMeters:
    """Turns the user's energy meters into metered intervals for the ledger."""

    def __init__(
        self,
        hass: HomeAssistant,
        entities: Mapping[MeterFlow, str],
        limits: HouseLimits,
        max_gap: timedelta,
    ) -> None:
        """Start without a baseline: the first readable sample sets one."""
        self._hass = hass
        self._entities = dict(entities)
        self._limits = limits
        self._max_gap = max_gap
        self._baseline: MeterBaseline | None = None
        self._lost: set[MeterFlow] = set()
        self._spiking: set[MeterFlow] = set()

    def restore(self, data: Any) -> None:
        """Resume from saved readings (None or unreadable: start from the next sample)."""
        self._baseline = None
        if data is None:
            return
        try:
            self._baseline = MeterBaseline.from_dict(data)
        except AccountingError as err:
            LOGGER.warning("EMS starts reading the energy meters afresh: %s", err)

    def to_dict(self) -> dict[str, Any] | None:
        """Return the last readings to save with the books."""
        return None if self._baseline is None else self._baseline.to_dict()

    def book(self, ledger: Ledger, sample: PowerSample) -> bool:
        """Book the meters' differences since the last sample; True if books changed.

        Without a usable baseline (the first sample, other meters, a long outage) the
        sample goes to the ledger as a power sample: it sets the start, continues
        books kept from power readings, or books the outage as a gap.
        """
        now = sample.at
        base = self._baseline
        if base is not None and now <= base.at:
            return False
        readings = self._read_all()
        if readings is None:
            return False
        sample = complete_sample(sample, None)
        if (
            base is None
            or base.entities != self._entities
            or now - base.at > self._max_gap
        ):
            self._baseline = self._baseline_at(sample, readings, None)
            return ledger.add_sample(sample)
        hours = (now - base.at).total_seconds() / 3600.0
        deltas: dict[MeterFlow, float] = {}
        kept: dict[MeterFlow, float] = {}
        spike = False
        for flow, value in readings.items():
            delta, kept[flow] = self._difference(flow, base.kwh[flow], value, hours)
            if delta is None:
                spike = True
            else:
                deltas[flow] = delta
        self._baseline = self._baseline_at(sample, kept, base)
        flows = None if spike else _flows(base, now, hours, deltas)
        if flows is None:
            return False
        return ledger.add_energy(flows, soc_percent=sample.soc_percent)

    def _baseline_at(
        self,
        sample: PowerSample,
        kwh: Mapping[MeterFlow, float],
        before: MeterBaseline | None,
    ) -> MeterBaseline:
        """Return the new baseline; a missing price holds the previous one."""
        import_price, export_price = sample.import_price, sample.export_price
        if before is not None:
            import_price = before.import_price if import_price is None else import_price
            export_price = before.export_price if export_price is None else export_price
        return MeterBaseline(
            at=sample.at,
            entities=dict(self._entities),
            kwh=dict(kwh),
            pv_kw=sample.pv_kw,
            battery_kw=sample.battery_kw,
            import_price=import_price,
            export_price=export_price,
        )

    def _read_all(self) -> dict[MeterFlow, float] | None:
        """Return every meter in kWh; None if any cannot be read."""
        values = {
            flow: self._read(flow, entity) for flow, entity in self._entities.items()
        }
        if any(value is None for value in values.values()):
            return None
        return {flow: value for flow, value in values.items() if value is not None}

    def _read(self, flow: MeterFlow, entity_id: str) -> float | None:
        """Return a meter's value in kWh; log once when it is lost and when back."""
        try:
            value = _meter_kwh(self._hass.states.get(entity_id))
        except ReadingError as err:
            if flow not in self._lost:
                self._lost.add(flow)
                LOGGER.warning(
                    "EMS cannot read the energy meter %s (%s); the savings books "
                    "count the time until it is back as a gap",
                    entity_id,
                    err,
                )
            return None
        if flow in self._lost:
            self._lost.discard(flow)
            LOGGER.info("EMS reads the energy meter %s again", entity_id)
        return value

    def _difference(
        self, flow: MeterFlow, before: float, after: float, hours: float
    ) -> tuple[float | None, float]:
        """Return the energy counted (None for a spike) and the value to go on from."""
        entity_id = self._entities[flow]
        if before * (1.0 - RESET_DROP) <= after < before:
            return 0.0, before
        reset = after < before
        delta = after if reset else after - before
        slack_hours = METER_SLACK.total_seconds() / 3600.0
        allowed = flow_limit_kw(flow, self._limits) * max(hours, slack_hours)
        if delta > allowed:
            if flow not in self._spiking:
                self._spiking.add(flow)
                LOGGER.warning(
                    "EMS ignores a jump of the energy meter %s by %g kWh in %.1f "
                    "minutes (more than the limits allow); the interval is a gap",
                    entity_id,
                    delta,
                    hours * 60.0,
                )
            return None, after
        self._spiking.discard(flow)
        if reset:
            LOGGER.info(
                "EMS: the energy meter %s was reset (%g kWh after %g kWh); "
                "its new value is booked as counted since the reset",
                entity_id,
                after,
                before,
            )
        return delta, after


def _meter_kwh(state: State | None) -> float:
    """Return a meter's state in kWh; raise ReadingError if it is no usable count."""
    if state is None:
        raise ReadingError("the entity does not exist")
    value = convert_energy(state.state, state.attributes.get(ATTR_UNIT_OF_MEASUREMENT))
    if value < 0.0:
        raise ReadingError(f"{value:g} kWh is below zero")
    return value


def _flows(
    base: MeterBaseline, end: datetime, hours: float, deltas: Mapping[MeterFlow, float]
) -> EnergyFlows | None:
    """Return the interval's energy: metered flows, the rest from held power."""
    pv = deltas.get(MeterFlow.PV)
    if pv is None and base.pv_kw is not None:
        pv = base.pv_kw * hours
    charge, discharge = deltas.get(MeterFlow.CHARGE), deltas.get(MeterFlow.DISCHARGE)
    if base.battery_kw is not None:
        if charge is None:
            charge = max(base.battery_kw, 0.0) * hours
        if discharge is None:
            discharge = max(-base.battery_kw, 0.0) * hours
    if (
        pv is None
        or charge is None
        or discharge is None
        or base.import_price is None
        or base.export_price is None
    ):
        return None
    return EnergyFlows(
        start=base.at,
        end=end,
        import_kwh=deltas[MeterFlow.IMPORT],
        export_kwh=deltas[MeterFlow.EXPORT],
        pv_kwh=pv,
        charge_kwh=charge,
        discharge_kwh=discharge,
        import_price=base.import_price,
        export_price=base.export_price,
    )
