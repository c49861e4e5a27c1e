"""The battery's books: what the stored energy cost (WACB) and a plain self-use twin.

Stored energy is counted on the storage side: charging `c` kWh (AC) stores
`c * charge_efficiency`, delivering `d` kWh (AC) draws `d / discharge_efficiency`. So the
weighted average cost of the energy in the battery (WACB) is per stored kWh and includes
the charging losses; a delivered kWh costs WACB / discharge_efficiency.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .model import BatterySpec


@dataclass(frozen=True, kw_only=True, slots=True)
class Inventory:
    """Energy in the battery and its average cost; `wacb` None until first needed."""

    stored_kwh: float = 0.0
    wacb: float | None = None

    def charged(
        self,
        spec: BatterySpec,
        *,
        from_grid_kwh: float,
        import_price: float,
        from_pv_kwh: float,
        export_price: float,
    ) -> Inventory:
        """Add charged energy at its cost: grid at the import price, PV at the export price forgone."""
        added = (from_grid_kwh + from_pv_kwh) * spec.charge_efficiency
        if added <= 0.0:
            return self
        cost = from_grid_kwh * import_price + from_pv_kwh * export_price
        held = self.stored_kwh * self.cost_or(export_price)
        stored = self.stored_kwh + added
        return Inventory(stored_kwh=stored, wacb=(held + cost) / stored)

    def discharged(
        self, spec: BatterySpec, delivered_kwh: float, export_price: float
    ) -> tuple[Inventory, float]:
        """Draw down for `delivered_kwh` (AC); return the new books and that energy's cost."""
        drawn = delivered_kwh / spec.discharge_efficiency
        wacb = self.cost_or(export_price)
        stored = max(self.stored_kwh - drawn, 0.0)
        return Inventory(stored_kwh=stored, wacb=wacb), drawn * wacb

    def measured(self, spec: BatterySpec, soc_percent: float) -> Inventory:
        """Follow the measured state of charge; the average cost stays."""
        return replace(self, stored_kwh=max(spec.kwh(soc_percent), 0.0))

    def cost_or(self, export_price: float) -> float:
        """Return the WACB; energy of unknown origin is valued at the export price forgone."""
        return export_price if self.wacb is None else self.wacb


def self_use_step(
    spec: BatterySpec,
    stored_kwh: float,
    *,
    pv_kwh: float,
    load_kwh: float,
    hours: float,
) -> tuple[float, float]:
    """Run plain self use over one interval of constant PV and load.

    Surplus PV charges the battery, a deficit is covered from it, within the power and
    SoC limits. Returns (battery kWh on the AC side, + charging; stored kWh afterwards).
    """
    surplus = pv_kwh - load_kwh
    if surplus >= 0.0:
        room = max(spec.kwh(spec.max_soc_percent) - stored_kwh, 0.0)
        charge = min(surplus, spec.max_charge_kw * hours, room / spec.charge_efficiency)
        return charge, stored_kwh + charge * spec.charge_efficiency
    spare = max(stored_kwh - spec.kwh(spec.min_soc_percent), 0.0)
    delivered = min(
        -surplus, spec.max_discharge_kw * hours, spare * spec.discharge_efficiency
    )
    return -delivered, stored_kwh - delivered / spec.discharge_efficiency
