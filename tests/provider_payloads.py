"""Entity states of the shapes upstream integrations publish, for the source tests.

Each builder follows the upstream code that sets the attributes (read, not copied):
- Amber Electric: Home Assistant core `amberelectric/sensor.py` (`AmberPriceSensor`,
  `AmberForecastSensor`: `extra_state_attributes`; unique IDs `<site>-current-<channel>`,
  `<site>-forecasts-<channel>`; prices rounded to cents, feed-in negated) and
  `binary_sensor.py` (`spike_status`); an interval's `start_time` is a second after the
  previous end, as Amber's API returns it ("02:00:01Z" to "02:30:00Z").
- Octopus Energy: BottlecapDave/HomeAssistant-OctopusEnergy `electricity/current_rate.py`
  (attributes, unique ID `octopus_energy_electricity_<serial>_<mpan>_current_rate`),
  `electricity/rates_current_day.py` and `rates_next_day.py` (event entities whose
  attributes are the event data of `coordinators/__init__.py` `raise_rate_events`),
  `utils/__init__.py` `private_rates_to_public_rates` (local datetimes, pounds per kWh).
- Meteoalarm: core `meteoalarm/binary_sensor.py` (on while the alert has not expired;
  the attributes are meteoalertapi's alert: the CAP `info` strings and the parameters
  `awareness_level`, `awareness_type`), values from meteoalert-api's
  `tests/ireland_sample_detail.xml`.
- DWD: core `dwd_weather_warnings/sensor.py` (`warning_count`, `warning_<i>_*`, the
  start and end as dwdwfsapi's aware datetimes).
- NWS Alerts: finity69x2/nws_alerts `coordinator.py` and `sensor.py` (state: the count;
  `Alerts`), values from its `tests/fixtures/api.json`.
- BOM: bremor/bureau_of_meteorology `sensor.py` `WarningsSensor` (state: the count;
  `warnings`: the API's list, `api doc/API.md`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SYDNEY = ZoneInfo("Australia/Sydney")
LONDON = ZoneInfo("Europe/London")
HALF_HOUR = timedelta(minutes=30)
UTC_SECOND = timedelta(seconds=1)

AMBER_SITE = "01J6ZC1X7G4SZWAVS1R7KX8ZTB"
AMBER_GENERAL_PRICE = "sensor.home_general_price"
AMBER_GENERAL_FORECAST = "sensor.home_general_forecast"
AMBER_FEED_IN_PRICE = "sensor.home_feed_in_price"
AMBER_FEED_IN_FORECAST = "sensor.home_feed_in_forecast"

OCTOPUS_SERIAL = "21L1234567"
OCTOPUS_MPAN = "1012345678901"
OCTOPUS_BASE = f"octopus_energy_electricity_{OCTOPUS_SERIAL.lower()}_{OCTOPUS_MPAN}"
OCTOPUS_CURRENT_RATE = f"sensor.{OCTOPUS_BASE}_current_rate"
OCTOPUS_CURRENT_DAY = f"event.{OCTOPUS_BASE}_current_day_rates"
OCTOPUS_NEXT_DAY = f"event.{OCTOPUS_BASE}_next_day_rates"
OCTOPUS_TARIFF = "E-1R-AGILE-24-10-01-C"


def amber_interval(
    start: datetime,
    per_kwh: float,
    *,
    channel: str = "general",
    spike: str = "none",
    minutes: int = 30,
) -> dict[str, Any]:
    """Return one Amber interval as the forecast sensor lists it ($/kWh)."""
    end = start + timedelta(minutes=minutes)
    price = round(per_kwh, 2)
    return {
        "duration": minutes,
        "date": start.astimezone(SYDNEY).date().isoformat(),
        "nem_date": end.astimezone(ZoneInfo("Etc/GMT-10")).isoformat(),
        "per_kwh": -price if channel == "feedIn" else price,
        "spot_per_kwh": round(per_kwh * 0.4, 2),
        "start_time": (start + UTC_SECOND).astimezone(ZoneInfo("UTC")).isoformat(),
        "end_time": end.astimezone(ZoneInfo("UTC")).isoformat(),
        "renewables": 51,
        "spike_status": spike,
        "descriptor": "spike" if spike == "spike" else "neutral",
    }


def amber_current(interval: dict[str, Any]) -> dict[str, Any]:
    """Return the current price sensor's attributes for the running interval."""
    return {key: value for key, value in interval.items() if key != "descriptor"} | {
        "estimate": True,
        "channel_type": "general",
        "attribution": "Data provided by Amber Electric",
        "unit_of_measurement": "$/kWh",
    }


def amber_forecast(intervals: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Return the forecast sensor's attributes: the intervals after the current one."""
    return {
        "forecasts": list(intervals),
        "channel_type": "general",
        "attribution": "Data provided by Amber Electric",
        "unit_of_measurement": "$/kWh",
    }


def octopus_rates(
    rows: Sequence[tuple[datetime, float]], zone: ZoneInfo = LONDON
) -> list[dict[str, Any]]:
    """Return rates as the day rates events carry them: local datetimes, £/kWh."""
    return [
        {
            "start": start.astimezone(zone),
            "end": (start + HALF_HOUR).astimezone(zone),
            "value_inc_vat": round(value, 6),
            "is_capped": False,
        }
        for start, value in rows
    ]


def octopus_event(rates: Sequence[dict[str, Any]], event_type: str) -> dict[str, Any]:
    """Return a day rates event entity's attributes: the event's data."""
    values = [rate["value_inc_vat"] for rate in rates]
    return {
        "event_type": event_type,
        "event_types": [event_type],
        "rates": list(rates),
        "tariff_code": OCTOPUS_TARIFF,
        "mpan": OCTOPUS_MPAN,
        "serial_number": OCTOPUS_SERIAL,
        "min_rate": min(values) if values else None,
        "max_rate": max(values) if values else None,
        "average_rate": sum(values) / len(values) if values else None,
    }


def octopus_current_rate(rate: dict[str, Any]) -> dict[str, Any]:
    """Return the current rate sensor's attributes for the running rate."""
    return {
        "mpan": OCTOPUS_MPAN,
        "serial_number": OCTOPUS_SERIAL,
        "is_export": False,
        "is_smart_meter": True,
        "tariff": OCTOPUS_TARIFF,
        "start": rate["start"],
        "end": rate["end"],
        "is_capped": False,
        "is_intelligent_adjusted": False,
        "current_day_min_rate": 0.1,
        "current_day_max_rate": 0.4,
        "current_day_average_rate": 0.2,
        "unit_of_measurement": "GBP/kWh",
        "device_class": "monetary",
    }


def meteoalarm(onset: datetime, expires: datetime) -> dict[str, Any]:
    """Return a Meteoalarm binary sensor's attributes: an orange wind warning."""
    return {
        "language": "en-GB",
        "category": "Met",
        "event": "Orange Wind Warning",
        "responseType": "Prepare",
        "urgency": "Future",
        "severity": "Severe",
        "certainty": "Likely",
        "effective": (onset - timedelta(hours=12)).isoformat(),
        "onset": onset.isoformat(),
        "expires": expires.isoformat(),
        "senderName": "Met Éireann",
        "headline": "Wind warning for Ireland",
        "description": "Southwest winds will reach mean speeds of 65 to 80 km/h.",
        "awareness_level": "3; orange; Severe",
        "awareness_type": "1; Wind",
        "attribution": "Information provided by MeteoAlarm",
        "device_class": "safety",
        "friendly_name": "meteoalarm",
    }


def dwd(warnings: Sequence[tuple[str, int, datetime, datetime]]) -> dict[str, Any]:
    """Return a DWD warning sensor's attributes: (name, level, start, end) each."""
    data: dict[str, Any] = {
        "region_name": "Kreis Nordfriesland",
        "region_id": 101054000,
        "last_update": warnings[0][2] - timedelta(hours=6) if warnings else None,
        "warning_count": len(warnings),
    }
    for index, (name, level, start, end) in enumerate(warnings, 1):
        warning = {
            "event": name,
            "event_code": 52,
            "level": level,
            "headline": f"Amtliche WARNUNG vor {name}",
            "description": "Es treten Orkanböen mit Geschwindigkeiten um 120 km/h auf.",
            "instruction": "Schließen Sie alle Fenster und Türen!",
            "start_time": start,
            "end_time": end,
            "parameters": {"Böen": "~120 [km/h]"},
            "color": "#ff0000",
            "urgency": "immediate",
        }
        for key, attribute in (
            ("event", "name"),
            ("event_code", "type"),
            ("level", "level"),
            ("headline", "headline"),
            ("description", "description"),
            ("instruction", "instruction"),
            ("start_time", "start"),
            ("end_time", "end"),
            ("parameters", "parameters"),
            ("color", "color"),
        ):
            data[f"warning_{index}_{attribute}"] = warning[key]
        data[f"warning_{index}"] = warning
    return data


def nws(alerts: Sequence[tuple[str, str, datetime, datetime | None]]) -> dict[str, Any]:
    """Return an NWS Alerts sensor's attributes: (event, severity, onset, ends) each."""
    return {
        "Alerts": [
            {
                "Event": event,
                "ID": f"2f6c3b1e-0000-4000-8000-00000000000{index}",
                "URL": f"https://api.weather.gov/alerts/urn:oid:2.49.0.1.840.0.{index}",
                "Headline": f"{event.upper()} IN EFFECT",
                "Type": "Update",
                "NWSCode": "EHW",
                "Status": "Actual",
                "Severity": severity,
                "Certainty": "Likely",
                "Sent": (onset - timedelta(hours=10)).isoformat(),
                "Onset": onset.isoformat(),
                # An update's message expires long before the event ends.
                "Expires": (onset - timedelta(hours=7)).isoformat(),
                "Ends": ends.isoformat() if ends else None,
                "AreasAffected": "Lower Colorado River Valley",
                "Description": "* WHAT...Dangerously hot conditions.",
                "Instruction": "Drink plenty of fluids.",
            }
            for index, (event, severity, onset, ends) in enumerate(alerts)
        ],
        "configuration_type": "Zone ID",
        "zone_id": "AZZ530,CAZ566",
        "attribution": "Data provided by Weather.gov",
        "friendly_name": "NWS Alerts Alerts",
    }


def bom(warnings: Sequence[tuple[str, str, datetime, str]]) -> dict[str, Any]:
    """Return a BOM warnings sensor's attributes: (title, group, expiry, phase) each."""
    return {
        "response_timestamp": "2022-10-07T01:08:55Z",
        "copyright": "This Application Programming Interface (API) is owned by the Bureau.",
        "attribution": "Data from the Australian Bureau of Meteorology",
        "warnings": [
            {
                "id": f"NSW_PW00{index}_IDN2900{index}",
                "type": "severe_thunderstorm_warning",
                "title": f"{title} for Metropolitan Sydney",
                "short_title": title,
                "state": "NSW",
                "warning_group_type": group,
                "issue_time": (expiry - timedelta(hours=6)).isoformat(),
                "expiry_time": expiry.isoformat(),
                "phase": phase,
            }
            for index, (title, group, expiry, phase) in enumerate(warnings)
        ],
    }
