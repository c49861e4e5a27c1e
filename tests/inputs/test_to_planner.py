"""Aligned inputs and the measured history make a Situation that gets planned."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from custom_components.ems.core.inputs import (
    PowerPoint,
    PowerSeries,
    align_inputs,
    nordpool_hacs,
    slot_start,
)
from custom_components.ems.core.situation import (
    History,
    Prices,
    PvForecast,
    Situation,
    plan_situation,
)
from custom_components.ems.planner import Battery, Grid, evaluate
from custom_components.ems.planner.prices import RetailTariff

from .shared_data import (
    EMHASS_PV_FORECAST,
    SE3_15MIN,
    STOCKHOLM,
    hourly_means,
    local_day,
    window,
)


def test_the_volatile_se3_day_into_a_plan() -> None:
    """Nord Pool 15-minute prices, a real PV forecast and a load forecast, planned."""
    prices = nordpool_hacs(
        {
            "unit": "kWh",
            "currency": "SEK",
            "price_in_cents": False,
            "raw_today": [
                {"start": s, "end": s + timedelta(minutes=15), "value": v / 1000}
                for s, v in local_day(SE3_15MIN, date(2025, 10, 1), STOCKHOLM)
            ],
            "tomorrow_valid": False,
        }
    )
    start = slot_start(datetime(2025, 10, 1, 6, 3, tzinfo=STOCKHOLM), 15)
    # a real October PV forecast, replayed a year later at the same UTC times
    pv_rows = window(
        EMHASS_PV_FORECAST,
        datetime(2024, 10, 1, tzinfo=UTC),
        datetime(2024, 10, 2, tzinfo=UTC),
    )
    year = datetime(2025, 10, 1, tzinfo=UTC) - datetime(2024, 10, 1, tzinfo=UTC)
    pv = PowerSeries(
        points=tuple(
            PowerPoint(start=s + year, end=s + year + timedelta(minutes=30), kw=kw)
            for s, kw in pv_rows
        ),
        span_start=datetime(2025, 10, 1, tzinfo=UTC),
        span_end=datetime(2025, 10, 2, tzinfo=UTC),
    )
    begin = datetime(2025, 9, 17, tzinfo=UTC)
    measured = {
        moment + year: kw
        for moment, kw in hourly_means(begin - year, datetime(2024, 10, 1, tzinfo=UTC))
    }
    quarters = round((start - begin) / timedelta(minutes=15))
    history = History(
        start=begin,
        load_kw=tuple(
            measured.get((begin + index * timedelta(minutes=15)).replace(minute=0))
            for index in range(quarters)
        ),
        pv_kw=(None,) * quarters,
    )
    aligned = align_inputs(
        start=start,
        slot_minutes=15,
        max_horizon=timedelta(hours=36),
        import_prices=prices,
        export_prices=prices,
        tariff=RetailTariff(
            markup_per_kwh=0.05, vat_percent=25, fees_per_kwh=0.45, export_factor=1.0
        ),
        pv=pv,
    )
    assert aligned.issues == ()
    assert len(aligned.starts) == 18 * 4  # 06:00 to midnight
    situation = Situation(
        now=datetime(2025, 10, 1, 6, 3, tzinfo=STOCKHOLM),
        slot_minutes=15,
        battery=Battery(
            capacity_kwh=10,
            soc_percent=20,
            min_soc_percent=10,
            max_charge_kw=5,
            max_discharge_kw=5,
        ),
        grid=Grid(),
        prices=Prices(
            start=aligned.start,
            import_price=aligned.import_price,
            export_price=aligned.export_price,
        ),
        pv_forecast=PvForecast(start=aligned.start, p50=aligned.pv_kw),
        history=history,
        time_zone="Europe/Stockholm",
    )
    problem, result = plan_situation(situation)
    assert len(result.slots) == problem.horizon == len(aligned.starts)
    assert problem.pv_kw == aligned.pv_kw
    # A load profile from two weeks of hourly history, not a flat line.
    assert max(problem.load_kw) - min(problem.load_kw) > 0.2
    judged = evaluate(problem, [slot.battery_kw for slot in result.slots])
    assert judged.violations == ()
    assert judged.cost <= result.cost_idle + 1e-6
