"""Totals of one period and what a single interval adds to them."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from .battery import Inventory, self_use_step
from .model import AccountingError, BatterySpec, EnergyFlows, PeriodKind

# Attribute names (fields and properties) of PeriodTotals by what they measure, so the
# glue can give each sensor its device class without a list of its own.
MONEY_KEYS = (
    "import_cost",
    "export_revenue",
    "fixed_charge",
    "net_cost",
    "cost_no_battery",
    "cost_self_use",
    "savings_vs_no_battery",
    "savings_vs_self_use",
    "arbitrage_profit",
)
ENERGY_KEYS = (
    "import_kwh",
    "export_kwh",
    "pv_kwh",
    "load_kwh",
    "charged_kwh",
    "charged_from_grid_kwh",
    "charged_from_pv_kwh",
    "discharged_kwh",
    "throughput_kwh",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class IntervalOutcome:
    """What one interval did to the battery's books, credited to every period it is in."""

    flows: EnergyFlows
    charged_from_grid_kwh: float
    charged_from_pv_kwh: float
    arbitrage_profit: float
    wacb: float | None


def book_interval(
    inventory: Inventory, spec: BatterySpec, flows: EnergyFlows
) -> tuple[Inventory, IntervalOutcome]:
    """Book an interval's charging and discharging.

    Charging comes from the grid as far as the house imported, the rest from PV.
    Discharge earns the import price where it covered the load, the export price where
    it was exported; arbitrage profit is that value minus the stored energy's cost.
    """
    from_grid = min(flows.charge_kwh, flows.import_kwh)
    from_pv = flows.charge_kwh - from_grid
    inventory = inventory.charged(
        spec,
        from_grid_kwh=from_grid,
        import_price=flows.import_price,
        from_pv_kwh=from_pv,
        export_price=flows.export_price,
    )
    profit = 0.0
    if flows.discharge_kwh > 0.0:
        exported = min(flows.discharge_kwh, flows.export_kwh)
        value = (
            flows.discharge_kwh - exported
        ) * flows.import_price + exported * flows.export_price
        inventory, cost = inventory.discharged(
            spec, flows.discharge_kwh, flows.export_price
        )
        profit = value - cost
    return inventory, IntervalOutcome(
        flows=flows,
        charged_from_grid_kwh=from_grid,
        charged_from_pv_kwh=from_pv,
        arbitrage_profit=profit,
        wacb=inventory.wacb,
    )


def _grid_cost(net_kwh: float, flows: EnergyFlows) -> float:
    """Cost of a net grid exchange (+ import) at the interval's prices."""
    price = flows.import_price if net_kwh >= 0.0 else flows.export_price
    return net_kwh * price


@dataclass(frozen=True, kw_only=True, slots=True)
class PeriodTotals:
    """Measured totals of one period [start, end) and its two counterfactuals.

    Money in the prices' currency. `cost_no_battery` replays the measured PV and load
    with no battery; `cost_self_use` with the same battery in plain self use, starting
    from the stored energy measured at the period start (`self_use_stored_kwh` is that
    simulation's state). The fixed daily charge (`fixed_charge`) is in the net cost
    and in both counterfactuals: every house pays it, battery or not. `wacb_per_kwh` is the battery's average cost at the last
    interval booked. Start and end are UTC instants.
    """

    kind: PeriodKind
    start: datetime
    end: datetime
    capacity_kwh: float
    import_kwh: float = 0.0
    import_cost: float = 0.0
    export_kwh: float = 0.0
    export_revenue: float = 0.0
    pv_kwh: float = 0.0
    load_kwh: float = 0.0
    charged_kwh: float = 0.0
    charged_from_grid_kwh: float = 0.0
    charged_from_pv_kwh: float = 0.0
    discharged_kwh: float = 0.0
    arbitrage_profit: float = 0.0
    wacb_per_kwh: float | None = None
    cost_no_battery: float = 0.0
    cost_self_use: float = 0.0
    self_use_stored_kwh: float = 0.0
    covered_hours: float = 0.0
    gap_hours: float = 0.0
    fixed_charge: float = 0.0

    @property
    def net_cost(self) -> float:
        """Return import cost minus export revenue, plus the fixed charge."""
        return self.import_cost - self.export_revenue + self.fixed_charge

    @property
    def savings_vs_no_battery(self) -> float:
        """Return what the battery saved against having none."""
        return self.cost_no_battery - self.net_cost

    @property
    def savings_vs_self_use(self) -> float:
        """Return what EMS saved against the same battery in plain self use."""
        return self.cost_self_use - self.net_cost

    @property
    def throughput_kwh(self) -> float:
        """Return the energy moved through the battery: charged plus discharged (AC)."""
        return self.charged_kwh + self.discharged_kwh

    @property
    def equivalent_full_cycles(self) -> float:
        """Return throughput over twice the capacity (one cycle = full charge and discharge)."""
        return self.throughput_kwh / (2.0 * self.capacity_kwh)

    def credited(self, outcome: IntervalOutcome, spec: BatterySpec) -> PeriodTotals:
        """Return the totals with one booked interval added."""
        flows = outcome.flows
        net_load = flows.load - flows.pv_kwh
        self_use_kwh, self_use_stored = self_use_step(
            spec,
            self.self_use_stored_kwh,
            pv_kwh=flows.pv_kwh,
            load_kwh=flows.load,
            hours=flows.hours,
        )
        return replace(
            self,
            import_kwh=self.import_kwh + flows.import_kwh,
            import_cost=self.import_cost + flows.import_kwh * flows.import_price,
            export_kwh=self.export_kwh + flows.export_kwh,
            export_revenue=self.export_revenue + flows.export_kwh * flows.export_price,
            pv_kwh=self.pv_kwh + flows.pv_kwh,
            load_kwh=self.load_kwh + flows.load,
            charged_kwh=self.charged_kwh + flows.charge_kwh,
            charged_from_grid_kwh=self.charged_from_grid_kwh
            + outcome.charged_from_grid_kwh,
            charged_from_pv_kwh=self.charged_from_pv_kwh + outcome.charged_from_pv_kwh,
            discharged_kwh=self.discharged_kwh + flows.discharge_kwh,
            arbitrage_profit=self.arbitrage_profit + outcome.arbitrage_profit,
            wacb_per_kwh=outcome.wacb,
            cost_no_battery=self.cost_no_battery + _grid_cost(net_load, flows),
            cost_self_use=self.cost_self_use
            + _grid_cost(net_load + self_use_kwh, flows),
            self_use_stored_kwh=self_use_stored,
            covered_hours=self.covered_hours + flows.hours,
        )

    def with_gap(self, hours: float) -> PeriodTotals:
        """Return the totals with `hours` of missing data counted."""
        return replace(self, gap_hours=self.gap_hours + hours)

    def with_fixed_charge(self, amount: float) -> PeriodTotals:
        """Return the totals with a share of the fixed daily charge added."""
        return replace(
            self,
            fixed_charge=self.fixed_charge + amount,
            cost_no_battery=self.cost_no_battery + amount,
            cost_self_use=self.cost_self_use + amount,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the stored fields as JSON-able values."""
        data: dict[str, Any] = {
            field.name: getattr(self, field.name) for field in fields(self)
        }
        data["kind"] = self.kind.value
        data["start"] = self.start.isoformat()
        data["end"] = self.end.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], capacity_kwh: float) -> PeriodTotals:
        """Rebuild totals stored by `to_dict`, with today's capacity."""
        try:
            # Books stored before the fixed charge existed have none.
            values = {"fixed_charge": 0.0} | {
                field.name: data[field.name]
                for field in fields(cls)
                if field.name in data or field.name != "fixed_charge"
            }
            values["kind"] = PeriodKind(values["kind"])
            values["start"] = datetime.fromisoformat(values["start"])
            values["end"] = datetime.fromisoformat(values["end"])
            for name in _NUMBER_FIELDS:
                if not (name == "wacb_per_kwh" and values[name] is None):
                    values[name] = float(values[name])
        except (KeyError, TypeError, ValueError) as err:
            raise AccountingError(f"stored period totals are invalid: {err}") from err
        values["capacity_kwh"] = capacity_kwh
        return cls(**values)


_NUMBER_FIELDS = tuple(
    field.name
    for field in fields(PeriodTotals)
    if field.name not in ("kind", "start", "end")
)
