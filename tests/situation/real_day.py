"""A Situation from the committed slices: the FR household on 2024-10-27 (DST ends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.ems.core.situation import (
    Command,
    History,
    Prices,
    PvForecast,
    Situation,
)
from custom_components.ems.planner import Battery, Grid
from tests.inputs.shared_data import (
    EMHASS_LOAD,
    EMHASS_PV,
    EMHASS_PV_FORECAST,
    PARIS,
    SE3_HOURLY,
    read_series,
)

NOW = datetime(2024, 10, 27, 10, 7, tzinfo=PARIS)
SLOT = timedelta(minutes=30)
FIRST = datetime(2024, 10, 27, 10, 0, tzinfo=PARIS)
END_OF_DAY = datetime(2024, 10, 28, tzinfo=PARIS)
HISTORY_START = datetime(2024, 10, 13, tzinfo=PARIS)
PV_FORECAST_START = datetime(2024, 10, 26, tzinfo=PARIS)


def _slots(begin: datetime, end: datetime) -> list[datetime]:
    count = round((end.astimezone(UTC) - begin.astimezone(UTC)) / SLOT)
    return [begin.astimezone(UTC) + index * SLOT for index in range(count)]


def _values(
    series: tuple[str, ...], begin: datetime, end: datetime
) -> list[float | None]:
    rows = {start.astimezone(UTC): value for start, value in read_series(series)}
    return [rows.get(moment) for moment in _slots(begin, end)]


def retail(spot_per_kwh: float) -> float:
    """Return the issue's retail price: (spot + 0.04) x 1.25 + 0.07."""
    return (spot_per_kwh + 0.04) * 1.25 + 0.07


def situation(
    *,
    soc_percent: float = 50.0,
    previous: Command | None = None,
    pv_past: bool = True,
) -> Situation:
    """Return what the house knows at 10:07 on 2024-10-27 (prices until midnight)."""
    hourly = {
        start.astimezone(UTC): value
        for start, value in read_series(SE3_HOURLY)
        if value is not None
    }
    spot = [
        hourly[moment.replace(minute=0)] / 1000.0
        for moment in _slots(FIRST, END_OF_DAY)
    ]
    pv_start = PV_FORECAST_START if pv_past else FIRST
    return Situation(
        now=NOW,
        slot_minutes=30,
        battery=Battery(
            capacity_kwh=10.0,
            soc_percent=soc_percent,
            min_soc_percent=10.0,
            max_charge_kw=5.0,
            max_discharge_kw=5.0,
            charge_efficiency=0.95,
            discharge_efficiency=0.95,
        ),
        grid=Grid(max_import_kw=11.0),
        prices=Prices(
            start=FIRST,
            import_price=tuple(retail(price) for price in spot),
            export_price=tuple(spot),
        ),
        pv_forecast=PvForecast(
            start=pv_start,
            p50=tuple(
                value or 0.0
                for value in _values(EMHASS_PV_FORECAST, pv_start, END_OF_DAY)
            ),
        ),
        history=History(
            start=HISTORY_START,
            load_kw=tuple(_values(EMHASS_LOAD, HISTORY_START, FIRST)),
            pv_kw=tuple(_values(EMHASS_PV, HISTORY_START, FIRST)),
        ),
        time_zone="Europe/Paris",
        previous=previous,
    )
