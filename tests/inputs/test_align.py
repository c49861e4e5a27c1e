"""Alignment onto the planner's slot grid: resampling, DST, horizon and gaps."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.ems.core.inputs import (
    AlignedInputs,
    InputsError,
    IssueKind,
    PowerPoint,
    PowerSeries,
    PricePoint,
    PriceSeries,
    align_inputs,
    resample_power,
    slot_start,
    slot_starts,
)
from custom_components.ems.planner.prices import RetailTariff

from .shared_data import EMHASS_PV, PARIS, SE3_15MIN, SE3_HOURLY, STOCKHOLM, local_day

TARIFF = RetailTariff(
    markup_per_kwh=0.05,
    vat_percent=25,
    fees_per_kwh=0.4,
    export_factor=0.9,
    export_fee_per_kwh=0.02,
)


def _buy(spot_per_mwh: float) -> float:
    """Return the retail import price, written out independently of RetailTariff."""
    return (spot_per_mwh / 1000 + 0.05) * 1.25 + 0.4


def _sell(spot_per_mwh: float) -> float:
    return spot_per_mwh / 1000 * 0.9 - 0.02


def _spot(rows: list[tuple[datetime, float]], step: timedelta) -> PriceSeries:
    """Spot prices in per kWh from (start, per MWh) rows."""
    return PriceSeries(
        points=tuple(
            PricePoint(start=s, end=s + step, price=v / 1000) for s, v in rows
        ),
        currency="EUR",
        is_spot=True,
    )


def _flat_power(start: datetime, end: datetime, kw: float) -> PowerSeries:
    return PowerSeries(
        points=(PowerPoint(start=start, end=end, kw=kw),),
        span_start=start,
        span_end=end,
    )


def _day(day: date, zone: ZoneInfo = STOCKHOLM) -> tuple[datetime, datetime]:
    return (
        datetime.combine(day, time(), zone),
        datetime.combine(day + timedelta(days=1), time(), zone),
    )


def _align(
    prices: PriceSeries,
    start: datetime,
    slot_minutes: int,
    hours: float = 48,
    *,
    pv: PowerSeries | None = None,
) -> AlignedInputs:
    flat = _flat_power(start, start + timedelta(days=3), 0.5)
    return align_inputs(
        start=start,
        slot_minutes=slot_minutes,
        max_horizon=timedelta(hours=hours),
        import_prices=prices,
        export_prices=prices,
        tariff=TARIFF,
        pv=pv or flat,
    )


def test_hourly_prices_held_flat_over_quarter_hours() -> None:
    """60 -> 15: each quarter-hour carries its hour's retail price."""
    rows = local_day(SE3_HOURLY, date(2024, 12, 12), STOCKHOLM)
    start, end = _day(date(2024, 12, 12))
    aligned = _align(_spot(rows, timedelta(hours=1)), start, 15)
    assert len(aligned.starts) == 96
    assert aligned.horizon_end == end
    assert aligned.issues == ()
    expected_buy = [_buy(v) for _, v in rows for _ in range(4)]
    assert aligned.import_price == pytest.approx(expected_buy)
    assert aligned.export_price == pytest.approx(
        [_sell(v) for _, v in rows for _ in range(4)]
    )


@pytest.mark.parametrize("slot_minutes", [30, 60])
def test_quarter_hour_prices_averaged_into_longer_slots(slot_minutes: int) -> None:
    """15 -> 30/60: the volatile SE3 day; each slot is the mean of its quarter-hours."""
    rows = local_day(SE3_15MIN, date(2025, 10, 1), STOCKHOLM)
    start, end = _day(date(2025, 10, 1))
    aligned = _align(_spot(rows, timedelta(minutes=15)), start, slot_minutes)
    per_slot = slot_minutes // 15
    means = [
        sum(v for _, v in rows[i : i + per_slot]) / per_slot
        for i in range(0, 96, per_slot)
    ]
    assert aligned.horizon_end == end
    assert aligned.import_price == pytest.approx([_buy(m) for m in means])
    # a plan's import cost at constant load is the same on either grid
    quarter = _align(_spot(rows, timedelta(minutes=15)), start, 15)
    assert sum(aligned.import_price) * slot_minutes == pytest.approx(
        sum(quarter.import_price) * 15
    )


@pytest.mark.parametrize(
    ("day", "source_day", "quarters"),
    [
        (date(2025, 3, 30), date(2024, 3, 31), 92),
        (date(2025, 10, 26), date(2024, 10, 27), 100),
    ],
)
def test_dst_days(day: date, source_day: date, quarters: int) -> None:
    """Real 23/25-hour price days on the 2025 DST dates: 92 and 100 quarter-hours."""
    source = local_day(SE3_HOURLY, source_day, STOCKHOLM)
    # replay the 2024 DST day on the 2025 one: same UTC hours relative to local midnight
    start, end = _day(day)
    source_start = _day(source_day)[0]
    rows = [(start.astimezone(UTC) + (s - source_start), v) for s, v in source]
    assert rows[-1][0] + timedelta(hours=1) == end
    aligned = _align(_spot(rows, timedelta(hours=1)), start, 15)
    assert len(aligned.starts) == quarters
    assert aligned.horizon_end == end
    assert aligned.import_price == pytest.approx(
        [_buy(v) for _, v in source for _ in range(4)]
    )
    assert all(s.tzinfo is UTC for s in aligned.starts)
    hourly = _align(_spot(rows, timedelta(hours=1)), start, 60)
    assert len(hourly.starts) == quarters // 4


def test_missing_tomorrow_ends_the_horizon_at_midnight_without_an_issue() -> None:
    """Before tomorrow's prices, the plan runs to midnight: normal, not a problem."""
    rows = local_day(SE3_15MIN, date(2025, 10, 1), STOCKHOLM)
    now = datetime(2025, 10, 1, 14, 7, tzinfo=STOCKHOLM)
    start = slot_start(now, 15)
    assert start == datetime(2025, 10, 1, 14, tzinfo=STOCKHOLM)
    aligned = _align(_spot(rows, timedelta(minutes=15)), start, 15, hours=36)
    assert len(aligned.starts) == 40
    assert aligned.horizon_end == _day(date(2025, 10, 1))[1]
    assert aligned.issues == ()


def test_horizon_capped_at_the_configured_maximum() -> None:
    """Two days of prices, 24 h maximum: 24 hourly slots."""
    rows = local_day(SE3_HOURLY, date(2024, 12, 11), STOCKHOLM) + local_day(
        SE3_HOURLY, date(2024, 12, 12), STOCKHOLM
    )
    start = datetime(2024, 12, 11, 13, tzinfo=STOCKHOLM)
    aligned = _align(_spot(rows, timedelta(hours=1)), start, 60, hours=24)
    assert len(aligned.import_price) == 24
    assert aligned.horizon_end == start + timedelta(hours=24)


def test_a_gap_shortens_the_horizon_and_is_reported() -> None:
    """A missing hour stops the horizon there: never a made-up price."""
    rows = local_day(SE3_HOURLY, date(2024, 12, 12), STOCKHOLM)
    start, _ = _day(date(2024, 12, 12))
    aligned = _align(_spot(rows[:10] + rows[11:], timedelta(hours=1)), start, 15)
    assert aligned.horizon_end == rows[10][0]
    assert len(aligned.import_price) == 40
    assert [issue.kind for issue in aligned.issues] == [IssueKind.PRICE_GAP]
    assert aligned.issues[0].at == rows[10][0]


def test_no_price_now_gives_an_empty_plan_and_an_issue() -> None:
    """Today's prices missing: nothing to plan, and the glue raises a repair issue."""
    rows = local_day(SE3_HOURLY, date(2024, 12, 12), STOCKHOLM)
    aligned = _align(
        _spot(rows, timedelta(hours=1)), datetime(2024, 12, 13, 8, tzinfo=STOCKHOLM), 15
    )
    assert aligned.starts == aligned.import_price == aligned.pv_kw == ()
    assert [issue.kind for issue in aligned.issues] == [IssueKind.NO_PRICES]


def test_retail_prices_pass_through_and_export_may_differ() -> None:
    """Retail import passes through; a spot export still gets the export formula."""
    rows = local_day(SE3_HOURLY, date(2024, 12, 12), STOCKHOLM)
    start, _ = _day(date(2024, 12, 12))
    retail = PriceSeries(
        points=_spot(rows, timedelta(hours=1)).points, currency="SEK", is_spot=False
    )
    aligned = align_inputs(
        start=start,
        slot_minutes=60,
        max_horizon=timedelta(hours=24),
        import_prices=retail,
        export_prices=_spot(rows, timedelta(hours=1)),
        tariff=TARIFF,
        pv=_flat_power(start, start + timedelta(days=1), 0),
    )
    assert aligned.import_price == pytest.approx([v / 1000 for _, v in rows])
    assert aligned.export_price == pytest.approx([_sell(v) for _, v in rows])


@pytest.mark.parametrize("slot_minutes", [15, 30, 60])
def test_pv_energy_is_conserved(slot_minutes: int) -> None:
    """The real half-hourly PV keeps its daily kWh on every grid, 25-hour day included."""
    day = date(2024, 10, 27)  # 25 hours in Paris
    start, end = _day(day, PARIS)
    series = {}
    energy = {}
    for name, path in (("pv", EMHASS_PV),):
        rows = local_day(path, day, PARIS)
        assert len(rows) == 50
        step = timedelta(minutes=30)
        series[name] = PowerSeries(
            points=tuple(PowerPoint(start=s, end=s + step, kw=kw) for s, kw in rows),
            span_start=start,
            span_end=end,
        )
        energy[name] = sum(kw for _, kw in rows) / 2
    prices = PriceSeries(
        points=(PricePoint(start=start, end=end, price=0.2),),
        currency="EUR",
        is_spot=False,
    )
    aligned = _align(prices, start, slot_minutes, pv=series["pv"])
    hours = slot_minutes / 60
    assert len(aligned.pv_kw) == 25 * 60 // slot_minutes
    assert sum(aligned.pv_kw) * hours == pytest.approx(energy["pv"])
    assert aligned.issues == ()


def test_pv_forecast_shorter_than_the_prices_is_filled_and_reported() -> None:
    """PV past its forecast counts as 0 kW, and is reported."""
    start = datetime(2024, 12, 12, tzinfo=UTC)
    prices = PriceSeries(
        points=(PricePoint(start=start, end=start + timedelta(hours=4), price=0.3),),
        currency=None,
        is_spot=False,
    )
    aligned = _align(
        prices,
        start,
        60,
        pv=_flat_power(start, start + timedelta(hours=2), 1.0),
    )
    assert aligned.pv_kw == (1.0, 1.0, 0.0, 0.0)
    assert [(i.kind, i.at) for i in aligned.issues] == [
        (IssueKind.PV_SHORT, start + timedelta(hours=2)),
    ]


def test_grid_helpers() -> None:
    """Slots are UTC instants; only 15, 30 and 60 minutes are allowed."""
    assert slot_starts(datetime(2025, 3, 30, 1, 30, tzinfo=STOCKHOLM), 30, 3) == (
        datetime(2025, 3, 30, 0, 30, tzinfo=UTC),
        datetime(2025, 3, 30, 1, 0, tzinfo=UTC),
        datetime(2025, 3, 30, 1, 30, tzinfo=UTC),
    )
    with pytest.raises(InputsError):
        slot_start(datetime(2025, 1, 1, tzinfo=UTC), 20)
    rows = local_day(SE3_HOURLY, date(2024, 12, 12), STOCKHOLM)
    with pytest.raises(InputsError):
        _align(_spot(rows, timedelta(hours=1)), rows[0][0], 60, hours=0.5)
    empty = PowerSeries(points=(), span_start=None, span_end=None)
    assert resample_power(
        empty, [datetime(2025, 1, 1, tzinfo=UTC)], timedelta(hours=1)
    ) == [None]
