"""Price units and the retail price formula for prices that arrive as spot prices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class PriceScale(StrEnum):
    """How a source states its prices."""

    PER_KWH = "per_kwh"
    PER_MWH = "per_mwh"
    CENTS_PER_KWH = "cents_per_kwh"


_DIVISOR: dict[PriceScale, float] = {
    PriceScale.PER_KWH: 1.0,
    PriceScale.PER_MWH: 1000.0,
    PriceScale.CENTS_PER_KWH: 100.0,
}


def to_per_kwh(price: float, scale: PriceScale) -> float:
    """Convert a price in `scale` to currency per kWh."""
    return price / _DIVISOR[scale]


@dataclass(frozen=True, kw_only=True)
class RetailTariff:
    """What turns a spot price (currency per kWh) into what the house pays and earns.

    buy = (spot + markup) x (1 + VAT) + fees; sell = spot x export factor - export fee.
    """

    markup_per_kwh: float = 0.0
    vat_percent: float = 0.0
    fees_per_kwh: float = 0.0
    export_factor: float = 1.0
    export_fee_per_kwh: float = 0.0

    def buy(self, spot_per_kwh: float) -> float:
        """Return the retail import price for a spot price."""
        return (spot_per_kwh + self.markup_per_kwh) * (
            1.0 + self.vat_percent / 100.0
        ) + self.fees_per_kwh

    def sell(self, spot_per_kwh: float) -> float:
        """Return the export price earned for a spot price."""
        return spot_per_kwh * self.export_factor - self.export_fee_per_kwh

    def buy_series(self, spot_per_kwh: Sequence[float]) -> list[float]:
        """Return retail import prices for a series of spot prices."""
        return [self.buy(price) for price in spot_per_kwh]

    def sell_series(self, spot_per_kwh: Sequence[float]) -> list[float]:
        """Return export prices for a series of spot prices."""
        return [self.sell(price) for price in spot_per_kwh]
