"""PV forecast adapters: Solcast, Forecast.Solar and the no-forecast fallback."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from custom_components.ems.core.inputs import (
    PowerSeries,
    SolcastEstimate,
    forecast_solar,
    held_measured_pv,
    resample_power,
    slot_starts,
    solcast,
    sum_power,
)

from .shared_data import EMHASS_PV, EMHASS_PV_FORECAST, PARIS, local_day

DAYS = (date(2024, 10, 26), date(2024, 10, 27))  # the second is a 25-hour day in Paris


def _solcast_day(day: date) -> tuple[dict[str, object], list[dict[str, object]], float]:
    """Return a Solcast day sensor's attributes, its hourly list and the day's kWh."""
    rows = local_day(EMHASS_PV_FORECAST, day, PARIS)
    half_hourly: list[dict[str, object]] = [
        {
            # Home Assistant hands over local datetimes in the zone, as Solcast sets them
            "period_start": start.astimezone(PARIS),
            "pv_estimate": kw,
            "pv_estimate10": 0.7 * kw,
            "pv_estimate90": 1.2 * kw,
        }
        for start, kw in rows
    ]
    hourly: list[dict[str, object]] = [
        {
            "period_start": first[0].astimezone(PARIS),
            "pv_estimate": (first[1] + second[1]) / 2,
            "pv_estimate10": 0.0,
            "pv_estimate90": 0.0,
        }
        for first, second in zip(rows[::2], rows[1::2], strict=True)
    ]
    attributes: dict[str, object] = {
        "detailedForecast": half_hourly,
        "detailedHourly": hourly,
    }
    return attributes, hourly, sum(kw for _, kw in rows) / 2


@pytest.mark.parametrize(
    ("estimate", "factor"),
    [
        (SolcastEstimate.MEDIAN, 1.0),
        (SolcastEstimate.PESSIMISTIC, 0.7),
        (SolcastEstimate.OPTIMISTIC, 1.2),
    ],
)
def test_solcast_two_days_energy_and_risk_option(
    estimate: SolcastEstimate, factor: float
) -> None:
    """Today + tomorrow read as one series; the chosen estimate scales the energy."""
    days = [_solcast_day(day) for day in DAYS]
    series = solcast([attributes for attributes, _, _ in days], estimate=estimate)
    assert series.warnings == ()
    assert series.span_start == datetime.combine(DAYS[0], time(), PARIS)
    assert series.span_end == datetime.combine(
        DAYS[1] + timedelta(days=1), time(), PARIS
    )
    assert len(series.points) == 48 + 50  # 2024-10-27 has 25 hours in Paris
    assert all(
        later.start == earlier.end
        for earlier, later in zip(series.points, series.points[1:], strict=False)
    )
    kwh = sum(
        point.kw * (point.end - point.start).total_seconds() / 3600
        for point in series.points
    )
    expected = factor * sum(kwh for _, _, kwh in days)
    assert kwh == pytest.approx(expected)


def test_solcast_falls_back_to_hourly_and_names_bad_periods() -> None:
    """Without detailedForecast the hourly list is used; bad entries are named."""
    _, hourly, day_kwh = _solcast_day(DAYS[0])
    hourly[3] = {"period_start": "never", "pv_estimate": 1.0}
    series = solcast([{"detailedHourly": hourly}, {}])
    assert series.warnings == (
        "detailedHourly[3]: unreadable period_start or pv_estimate",
        "detailedForecast: missing",
    )
    assert len(series.points) == 23
    kwh = sum(point.kw for point in series.points)
    assert kwh == pytest.approx(day_kwh, abs=1e-9)  # hour 3 is night: 0 kW


def _wh_hours(day: date) -> tuple[dict[str, float], float]:
    """Forecast.Solar's wh_hours from a real PV day: keys are period ENDS, first is sunrise."""
    rows = local_day(EMHASS_PV, day, PARIS)
    by_hour: dict[datetime, float] = {}
    for start, kw in rows:
        hour = start.replace(minute=0)
        by_hour[hour] = by_hour.get(hour, 0.0) + kw * 500  # Wh in half an hour
    lit = [hour for hour, wh in by_hour.items() if wh > 0]
    sunrise = lit[0] + timedelta(
        minutes=37
    )  # the first lit hour ends the sunrise period
    wh_hours = {sunrise.isoformat(): 0.0}
    first_hour_wh = by_hour[lit[0]]
    for hour in lit:
        wh_hours[(hour + timedelta(hours=1)).isoformat()] = by_hour[hour]
    return wh_hours, first_hour_wh


def test_forecast_solar_keys_end_their_period_and_energy_is_kept() -> None:
    """10:00 -> 9 Wh means 9 Wh between 09:00 and 10:00; quarter-hours keep the total."""
    wh_hours, _ = _wh_hours(DAYS[0])
    series = forecast_solar({"wh_hours": wh_hours})
    assert series.warnings == ()
    assert series.span_start == datetime.combine(DAYS[0], time(), PARIS)
    assert series.span_end == datetime.combine(
        DAYS[0] + timedelta(days=1), time(), PARIS
    )
    quarters = slot_starts(datetime.combine(DAYS[0], time(), PARIS), 15, 96)
    maybe_kw = resample_power(series, quarters, timedelta(minutes=15))
    kw = [value for value in maybe_kw if value is not None]
    assert len(kw) == 96
    assert sum(kw) / 4 == pytest.approx(sum(wh_hours.values()) / 1000)
    noon_end = datetime.combine(DAYS[0], time(13), PARIS)
    noon_kw = kw[quarters.index(noon_end - timedelta(minutes=15))]
    assert noon_kw == pytest.approx(wh_hours[noon_end.isoformat()] / 1000)
    # before the sunrise key nothing is produced
    sunrise = datetime.fromisoformat(next(iter(wh_hours)))
    assert all(
        value == 0
        for moment, value in zip(quarters, kw, strict=True)
        if moment < sunrise - timedelta(hours=1)
    )


def test_forecast_solar_short_first_period_after_sunrise() -> None:
    """The first lit key follows the sunrise key by 23 minutes: its Wh fall in those minutes."""
    wh_hours, first_hour_wh = _wh_hours(DAYS[0])
    series = forecast_solar({"wh_hours": wh_hours})
    first = series.points[0]
    assert first.end - first.start == timedelta(minutes=23)
    assert first.kw == pytest.approx(first_hour_wh / 1000 / (23 / 60))
    assert forecast_solar(
        {"wh_hours": {"x": 1, "2024-10-26T10:00:00+02:00": -5}}
    ).warnings == (
        "wh_hours[x]: unreadable",
        "wh_hours[2024-10-26T10:00:00+02:00]: unreadable",
    )


def test_without_forecast_measured_pv_holds_for_the_next_slot_only() -> None:
    """No PV forecast: measured 2.4 kW now, zero from the second slot on."""
    start = datetime(2024, 10, 26, 12, tzinfo=PARIS)
    series = held_measured_pv(
        2.4, start=start, slot=timedelta(minutes=15), until=start + timedelta(hours=2)
    )
    kw = resample_power(series, slot_starts(start, 15, 8), timedelta(minutes=15))
    assert kw == [2.4, 0, 0, 0, 0, 0, 0, 0]


def _kwh(series: PowerSeries) -> float:
    return sum(p.kw * (p.end - p.start).total_seconds() / 3600 for p in series.points)


def test_two_forecast_solar_roofs_are_summed() -> None:
    """East and west roofs: the sum keeps both days' energy, on the 25-hour day too."""
    east = forecast_solar({"wh_hours": _wh_hours(DAYS[0])[0]})
    west_hours = {key: value * 0.6 for key, value in _wh_hours(DAYS[0])[0].items()}
    west = forecast_solar({"wh_hours": west_hours})
    both = sum_power([east, west])
    assert both.span_start == east.span_start
    assert both.span_end == east.span_end
    assert _kwh(both) == pytest.approx(_kwh(east) * 1.6)
    quarters = slot_starts(datetime.combine(DAYS[0], time(), PARIS), 15, 96)
    slot = timedelta(minutes=15)
    for total, one, other in zip(
        resample_power(both, quarters, slot),
        resample_power(east, quarters, slot),
        resample_power(west, quarters, slot),
        strict=True,
    ):
        assert total == pytest.approx((one or 0.0) + (other or 0.0))


def test_solcast_and_forecast_solar_are_summed_where_both_are_known() -> None:
    """Solcast knows two days, Forecast.Solar one: the sum spans the day both know."""
    solcast_days = solcast([_solcast_day(day)[0] for day in DAYS])
    roof = forecast_solar({"wh_hours": _wh_hours(DAYS[0])[0]})
    both = sum_power([solcast_days, roof])
    assert both.span_start == roof.span_start
    assert both.span_end == roof.span_end
    first_day = [p for p in solcast_days.points if p.end <= roof.span_end]
    assert _kwh(both) == pytest.approx(
        sum(p.kw * (p.end - p.start).total_seconds() / 3600 for p in first_day)
        + _kwh(roof)
    )


def test_a_roof_without_data_is_left_out() -> None:
    """A failed source has no span: the others are summed, its warnings kept."""
    roof = forecast_solar({"wh_hours": _wh_hours(DAYS[0])[0]})
    failed = forecast_solar({})
    both = sum_power([roof, failed])
    assert both.points == roof.points
    assert both.warnings == ("wh_hours: expected a mapping",)
