"""Weather warnings from Meteoalarm, DWD, NWS Alerts, BOM and any binary sensor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.ems.core.inputs import (
    Severity,
    StormReserve,
    WeatherWarning,
    read_warnings,
    storm_reserve,
)
from tests.provider_payloads import bom, dwd, meteoalarm, nws

NOW = datetime(2024, 12, 6, 18, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_meteoalarm_announced_warning() -> None:
    """On with an onset ahead: the warning runs from its onset to its expiry."""
    onset, expires = NOW + 6 * HOUR, NOW + 18 * HOUR
    warnings = read_warnings(
        "binary_sensor.meteoalarm", "on", meteoalarm(onset, expires)
    )
    assert warnings == [
        WeatherWarning(
            name="Orange Wind Warning",
            entity_id="binary_sensor.meteoalarm",
            start=onset,
            end=expires,
            severity=Severity.SEVERE,
        )
    ]
    assert read_warnings("binary_sensor.meteoalarm", "off", {}) == []


def test_meteoalarm_severity_from_the_awareness_level() -> None:
    """Without a CAP severity the awareness level's name counts."""
    attributes = meteoalarm(NOW, NOW + HOUR)
    del attributes["severity"]
    attributes["awareness_level"] = "2; yellow; Moderate"
    (warning,) = read_warnings("binary_sensor.meteoalarm", "on", attributes) or []
    assert warning.severity is Severity.MODERATE


def test_any_binary_sensor_is_a_warning_now() -> None:
    """A plain binary sensor: in force while on, end unknown, named by its name."""
    warnings = read_warnings(
        "binary_sensor.storm", "on", {"friendly_name": "Storm watch"}
    )
    assert warnings == [
        WeatherWarning(name="Storm watch", entity_id="binary_sensor.storm")
    ]


def test_dwd_warnings_with_levels() -> None:
    """DWD's numbered attributes: name, level 1-4, start and end as datetimes."""
    attributes = dwd(
        [
            ("ORKANBÖEN", 3, NOW + 2 * HOUR, NOW + 10 * HOUR),
            ("FROST", 1, NOW + 20 * HOUR, NOW + 30 * HOUR),
        ]
    )
    warnings = read_warnings("sensor.dwd_advance_warning_level", "3", attributes)
    assert warnings == [
        WeatherWarning(
            name="ORKANBÖEN",
            entity_id="sensor.dwd_advance_warning_level",
            start=NOW + 2 * HOUR,
            end=NOW + 10 * HOUR,
            severity=Severity.SEVERE,
        ),
        WeatherWarning(
            name="FROST",
            entity_id="sensor.dwd_advance_warning_level",
            start=NOW + 20 * HOUR,
            end=NOW + 30 * HOUR,
            severity=Severity.MINOR,
        ),
    ]
    assert read_warnings("sensor.dwd_current_warning_level", "0", dwd([])) == []


def test_nws_alerts_end_at_ends_not_expires() -> None:
    """An NWS update expires before the event ends: the event's end counts."""
    onset, ends = NOW + 2 * HOUR, NOW + 40 * HOUR
    warnings = read_warnings(
        "sensor.nws_alerts_alerts",
        "1",
        nws([("Excessive Heat Warning", "Severe", onset, ends)]),
    )
    assert warnings == [
        WeatherWarning(
            name="Excessive Heat Warning",
            entity_id="sensor.nws_alerts_alerts",
            start=onset,
            end=ends,
            severity=Severity.SEVERE,
        )
    ]


def test_bom_warnings_skip_cancelled() -> None:
    """BOM's list: in force until expiry; major is severe, cancelled ones are gone."""
    attributes = bom(
        [
            ("Severe Thunderstorm Warning", "major", NOW + 3 * HOUR, "new"),
            ("Sheep Graziers Warning", "minor", NOW + 5 * HOUR, "cancelled"),
        ]
    )
    warnings = read_warnings("sensor.sydney_warnings", "2", attributes)
    assert warnings == [
        WeatherWarning(
            name="Severe Thunderstorm Warning",
            entity_id="sensor.sydney_warnings",
            end=NOW + 3 * HOUR,
            severity=Severity.SEVERE,
        )
    ]


def test_unknown_shape() -> None:
    """A sensor of another kind is no warning EMS knows."""
    assert (
        read_warnings("sensor.temperature", "21", {"unit_of_measurement": "°C"}) is None
    )


def test_the_reserve_covers_overlapping_warnings() -> None:
    """The first warning's onset to the end of those overlapping it; minor ones ignored."""
    warnings = [
        WeatherWarning(name="Frost", entity_id="a", severity=Severity.MINOR),
        WeatherWarning(
            name="Wind",
            entity_id="b",
            start=NOW + 2 * HOUR,
            end=NOW + 8 * HOUR,
            severity=Severity.SEVERE,
        ),
        WeatherWarning(
            name="Rain", entity_id="c", start=NOW + 6 * HOUR, end=NOW + 12 * HOUR
        ),
        WeatherWarning(
            name="Later",
            entity_id="d",
            start=NOW + 20 * HOUR,
            end=NOW + 22 * HOUR,
            severity=Severity.EXTREME,
        ),
        WeatherWarning(
            name="Over", entity_id="e", start=NOW - 5 * HOUR, end=NOW - HOUR
        ),
    ]
    reserve = storm_reserve(
        warnings, now=NOW, soc_percent=80.0, min_severity=Severity.MODERATE
    )
    assert reserve == StormReserve(
        name="Wind", soc_percent=80.0, start=NOW + 2 * HOUR, end=NOW + 12 * HOUR
    )
    assert reserve.active(NOW + 3 * HOUR)
    assert not reserve.active(NOW)
    assert (
        storm_reserve(
            warnings[:1], now=NOW, soc_percent=80.0, min_severity=Severity.MODERATE
        )
        is None
    )


def test_a_warning_in_force_starts_now() -> None:
    """A warning already in force (or without an onset) starts the reserve now."""
    reserve = storm_reserve(
        [WeatherWarning(name="Storm", entity_id="a", start=NOW - HOUR)],
        now=NOW,
        soc_percent=90.0,
        min_severity=Severity.EXTREME,
    )
    assert reserve == StormReserve(name="Storm", soc_percent=90.0, start=NOW, end=None)
    assert reserve.active(NOW)
