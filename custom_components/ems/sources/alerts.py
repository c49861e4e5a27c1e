"""Weather warnings from Home Assistant: the storm reserve they call for, if any."""

from __future__ import annotations

from datetime import datetime

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant

from custom_components.ems.core.config import WarningConfig
from custom_components.ems.core.inputs import (
    StormReserve,
    WeatherWarning,
    read_warnings,
    storm_reserve,
)

from .log import SourceLog

UNKNOWN_SHAPE = (
    "not a warning EMS knows: pick a binary sensor, or a DWD, NWS Alerts or BOM "
    "warnings sensor"
)


class WarningReader:
    """Reads the warning entities the options name (Meteoalarm, DWD, NWS, BOM, any binary sensor)."""

    def __init__(
        self, hass: HomeAssistant, config: WarningConfig, log: SourceLog
    ) -> None:
        """Remember the warning entities and the reserve they raise."""
        self.hass = hass
        self.config = config
        self.log = log

    @property
    def entity_ids(self) -> tuple[str, ...]:
        """Return the warning entities followed."""
        return self.config.entities

    def read(self, now: datetime) -> StormReserve | None:
        """Return the storm reserve for the first warning in force or announced."""
        found: list[WeatherWarning] = []
        for entity_id in self.config.entities:
            state = self.hass.states.get(entity_id)
            if state is None:
                self.log.report(entity_id, ["entity not found"])
                continue
            if state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
                self.log.report(entity_id, [f"state is {state.state}"])
                continue
            warnings = read_warnings(entity_id, state.state, state.attributes)
            if warnings is None:
                self.log.report(entity_id, [UNKNOWN_SHAPE])
                continue
            self.log.report(entity_id, [])
            found += warnings
        return storm_reserve(
            found,
            now=now,
            soc_percent=self.config.reserve_soc_percent,
            min_severity=self.config.min_severity,
        )
