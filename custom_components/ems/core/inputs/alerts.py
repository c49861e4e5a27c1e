"""Weather warnings from the entities Home Assistant's warning integrations publish.

Shapes read (attributes as the integrations set them):
- Meteoalarm (core `meteoalarm`): a binary sensor, on while an alert has not expired;
  the alert's CAP fields `event`, `headline`, `onset`, `expires`, `severity`,
  `awareness_level` ("3; orange; Severe").
- DWD (core `dwd_weather_warnings`): a sensor (the level) with `warning_count` and
  `warning_<i>_name`, `_level` (1-4), `_start`, `_end` per warning.
- NWS (HACS `nws_alerts`): a sensor (the count) with `Alerts`, a list of `Event`,
  `Severity`, `Onset`, `Ends`, `Expires`, `Type`.
- BOM (HACS `bureau_of_meteorology`): a sensor (the count) with `warnings`, a list of
  `short_title`, `title`, `warning_group_type` (major, minor), `expiry_time`, `phase`.
- Any other binary sensor: on means a warning in force now, with no known end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from .series import parse_instant, parse_number


class Severity(IntEnum):
    """How severe a warning is, in the CAP standard's terms."""

    MINOR = 1
    MODERATE = 2
    SEVERE = 3
    EXTREME = 4

    @classmethod
    def named(cls, name: object) -> Severity | None:
        """Return the severity a CAP name ("Severe") or option ("severe") means."""
        if not isinstance(name, str):
            return None
        return cls.__members__.get(name.strip().upper())


@dataclass(frozen=True, kw_only=True, slots=True)
class WeatherWarning:
    """One warning: in force from `start` (None: already) until `end` (None: unknown)."""

    name: str
    entity_id: str
    start: datetime | None = None
    end: datetime | None = None
    severity: Severity | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class StormReserve:
    """The reserve kept for a warning from `start` to `end` (None: beyond the horizon)."""

    name: str
    soc_percent: float
    start: datetime
    end: datetime | None

    def active(self, now: datetime) -> bool:
        """Return whether the warning is in force at `now`."""
        return self.start <= now and (self.end is None or now < self.end)


def _named(entity_id: str, attributes: Mapping[str, object], *keys: str) -> str:
    for key in keys:
        value = attributes.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return entity_id


def _meteoalarm_severity(attributes: Mapping[str, object]) -> Severity | None:
    if (severity := Severity.named(attributes.get("severity"))) is not None:
        return severity
    level = attributes.get("awareness_level")
    if isinstance(level, str) and level.split(";")[-1].strip():
        return Severity.named(level.split(";")[-1])
    return None


def _binary_sensor(
    entity_id: str, state: str, attributes: Mapping[str, object]
) -> list[WeatherWarning]:
    if state != "on":
        return []
    return [
        WeatherWarning(
            name=_named(entity_id, attributes, "event", "headline", "friendly_name"),
            entity_id=entity_id,
            start=parse_instant(attributes.get("onset")),
            end=parse_instant(attributes.get("expires")),
            severity=_meteoalarm_severity(attributes),
        )
    ]


def _dwd(entity_id: str, attributes: Mapping[str, object]) -> list[WeatherWarning]:
    count = parse_number(attributes.get("warning_count")) or 0.0
    found: list[WeatherWarning] = []
    for index in range(1, int(count) + 1):
        level = parse_number(attributes.get(f"warning_{index}_level"))
        found.append(
            WeatherWarning(
                name=_named(
                    entity_id,
                    attributes,
                    f"warning_{index}_name",
                    f"warning_{index}_headline",
                ),
                entity_id=entity_id,
                start=parse_instant(attributes.get(f"warning_{index}_start")),
                end=parse_instant(attributes.get(f"warning_{index}_end")),
                severity=Severity(int(level)) if level in (1, 2, 3, 4) else None,
            )
        )
    return found


def _entries(value: object) -> Iterable[Mapping[str, object]]:
    if isinstance(value, list | tuple):
        return (entry for entry in value if isinstance(entry, Mapping))
    return ()


def _nws(entity_id: str, attributes: Mapping[str, object]) -> list[WeatherWarning]:
    return [
        WeatherWarning(
            name=_named(entity_id, alert, "Event", "Headline"),
            entity_id=entity_id,
            start=parse_instant(alert.get("Onset")),
            end=parse_instant(alert.get("Ends")) or parse_instant(alert.get("Expires")),
            severity=Severity.named(alert.get("Severity")),
        )
        for alert in _entries(attributes.get("Alerts"))
        if alert.get("Type") != "Cancel"
    ]


def _bom(entity_id: str, attributes: Mapping[str, object]) -> list[WeatherWarning]:
    groups = {"major": Severity.SEVERE, "minor": Severity.MINOR}
    return [
        WeatherWarning(
            name=_named(entity_id, warning, "short_title", "title", "type"),
            entity_id=entity_id,
            end=parse_instant(warning.get("expiry_time")),
            severity=groups.get(str(warning.get("warning_group_type"))),
        )
        for warning in _entries(attributes.get("warnings"))
        if warning.get("phase") != "cancelled"
    ]


def read_warnings(
    entity_id: str, state: str, attributes: Mapping[str, object]
) -> list[WeatherWarning] | None:
    """Return the warnings an entity publishes; None for a shape EMS does not know."""
    if entity_id.startswith("binary_sensor."):
        return _binary_sensor(entity_id, state, attributes)
    if "warning_count" in attributes:
        return _dwd(entity_id, attributes)
    if "Alerts" in attributes:
        return _nws(entity_id, attributes)
    if "warnings" in attributes:
        return _bom(entity_id, attributes)
    return None


def storm_reserve(
    warnings: Sequence[WeatherWarning],
    *,
    now: datetime,
    soc_percent: float,
    min_severity: Severity,
) -> StormReserve | None:
    """Return the reserve for the first warning in force or announced, None without one.

    Warnings below `min_severity` are ignored (one of unknown severity counts). The
    reserve runs from the first warning's onset (now, if it is in force) to the end of
    the last warning that overlaps the ones before it.
    """
    relevant = sorted(
        (
            warning
            for warning in warnings
            if (warning.severity is None or warning.severity >= min_severity)
            and (warning.end is None or warning.end > now)
        ),
        key=lambda warning: max(warning.start or now, now),
    )
    if not relevant:
        return None
    first = relevant[0]
    end = first.end
    for warning in relevant[1:]:
        if end is None or max(warning.start or now, now) > end:
            break
        end = None if warning.end is None else max(end, warning.end)
    return StormReserve(
        name=first.name,
        soc_percent=soc_percent,
        start=max(first.start or now, now),
        end=end,
    )
