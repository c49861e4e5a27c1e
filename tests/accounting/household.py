"""A real week of the emhass household (PV, load) with a simple battery policy on top."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from custom_components.ems.core.accounting import BatterySpec, PowerSample
from tests.inputs.shared_data import DATA

from .helpers import PARIS

HOUSEHOLD = DATA / "emhass-household-fr"
PV_FILE = HOUSEHOLD / "pv_2024-10-21_2024-10-28_30min_kW.csv"
LOAD_FILE = HOUSEHOLD / "load_no_deferrable_2024-10-11_2024-11-08_30min_kW.csv"

# ISO week 43 of 2024 (Monday 21 to Sunday 27 October, a 25-hour day), gap-free.
WEEK_START = datetime(2024, 10, 21, tzinfo=PARIS)
WEEK_END = datetime(2024, 10, 28, tzinfo=PARIS)
SLOT = timedelta(minutes=30)

HOUSE_BATTERY = BatterySpec(
    capacity_kwh=10.0,
    min_soc_percent=10.0,
    max_soc_percent=100.0,
    max_charge_kw=5.0,
    max_discharge_kw=5.0,
    charge_efficiency=0.95,
    discharge_efficiency=0.95,
)
NIGHT_PRICE, DAY_PRICE, EXPORT_PRICE = 0.18, 0.27, 0.06
NIGHT_CHARGE_KW = 2.0


@dataclass(frozen=True, kw_only=True, slots=True)
class Slot:
    """One half-hour of the week: what was measured and what the battery did."""

    start: datetime
    pv_kw: float
    load_kw: float
    battery_kw: float
    soc_percent: float
    import_price: float
    grid_charge_kwh: float

    @property
    def grid_kw(self) -> float:
        """Return the grid power the balance gives (+ import)."""
        return self.load_kw - self.pv_kw + self.battery_kw

    def sample(self) -> PowerSample:
        """Return the readings at the slot's start, as the glue would pass them."""
        return PowerSample(
            at=self.start,
            grid_kw=self.grid_kw,
            pv_kw=self.pv_kw,
            battery_kw=self.battery_kw,
            load_kw=self.load_kw,
            soc_percent=self.soc_percent,
            import_price=self.import_price,
            export_price=EXPORT_PRICE,
        )


def _read(path: Path, start: datetime, end: datetime) -> dict[datetime, float]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = {
            datetime.fromisoformat(row["start"]): row["value"]
            for row in csv.DictReader(handle)
        }
    picked = {at: value for at, value in rows.items() if start <= at <= end}
    assert all(picked.values()), f"{path.name} has gaps in the test week"
    return {at: float(value) for at, value in picked.items()}


def _battery_kw(hour: int, surplus_kw: float, stored_kwh: float) -> float:
    """Charge from the grid 02:00-05:00, otherwise plain self use, within the limits."""
    spec = HOUSE_BATTERY
    hours = SLOT.total_seconds() / 3600.0
    room = (
        (spec.kwh(spec.max_soc_percent) - stored_kwh) / spec.charge_efficiency / hours
    )
    spare = (
        (stored_kwh - spec.kwh(spec.min_soc_percent))
        * spec.discharge_efficiency
        / hours
    )
    if 2 <= hour < 5:
        return min(NIGHT_CHARGE_KW, room)
    if surplus_kw >= 0.0:
        return min(surplus_kw, spec.max_charge_kw, room)
    return -min(-surplus_kw, spec.max_discharge_kw, spare)


def household_week(first_soc_percent: float = 30.0) -> list[Slot]:
    """Return the week's slots plus the first slot of the next Monday."""
    pv = _read(PV_FILE, WEEK_START, WEEK_END)
    load = _read(LOAD_FILE, WEEK_START, WEEK_END)
    assert pv.keys() == load.keys()
    stored = HOUSE_BATTERY.kwh(first_soc_percent)
    slots = []
    hours = SLOT.total_seconds() / 3600.0
    for start in sorted(pv):
        hour = start.astimezone(PARIS).hour
        battery = _battery_kw(hour, pv[start] - load[start], stored)
        grid_charge = battery * hours if 2 <= hour < 5 else 0.0
        slots.append(
            Slot(
                start=start,
                pv_kw=pv[start],
                load_kw=load[start],
                battery_kw=battery,
                soc_percent=100.0 * stored / HOUSE_BATTERY.capacity_kwh,
                import_price=NIGHT_PRICE if hour < 6 or hour >= 22 else DAY_PRICE,
                grid_charge_kwh=grid_charge,
            )
        )
        if battery >= 0.0:
            stored += battery * HOUSE_BATTERY.charge_efficiency * hours
        else:
            stored += battery / HOUSE_BATTERY.discharge_efficiency * hours
    return slots
