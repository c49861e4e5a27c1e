"""The house as its sensors show it now: validated readings, and why any is missing."""

from __future__ import annotations

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import CoreState, HomeAssistant

from custom_components.ems.const import LOGGER
from custom_components.ems.core.config import EmsConfig
from custom_components.ems.core.house import (
    HouseReadings,
    Quantity,
    ReadingError,
    derive_load_kw,
    read,
)


class HouseReader:
    """Reads the configured source entities; logs a reading lost and back once each."""

    def __init__(self, hass: HomeAssistant, config: EmsConfig) -> None:
        """Read the entities the configuration names, within its plausible limits."""
        self.hass = hass
        self.sources = config.house.by_quantity()
        self.limits = config.house_limits
        self._problems: dict[Quantity, str] = {}

    def read(self) -> tuple[HouseReadings, dict[Quantity, str]]:
        """Read the source entities now: validated readings, and why any is missing."""
        values: dict[Quantity, float] = {}
        problems: dict[Quantity, str] = {}
        for quantity, entity_id in self.sources.items():
            state = self.hass.states.get(entity_id)
            if state is None:
                problems[quantity] = f"{entity_id} does not exist"
                continue
            unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
            try:
                values[quantity] = read(quantity, state.state, unit, self.limits)
            except ReadingError as err:
                problems[quantity] = f"{entity_id}: {err}"
        if Quantity.LOAD_POWER not in self.sources:
            self._derive_load(values, problems)
        return (
            HouseReadings(
                soc_percent=values.get(Quantity.SOC),
                battery_kw=values.get(Quantity.BATTERY_POWER),
                pv_kw=values.get(Quantity.PV_POWER),
                load_kw=values.get(Quantity.LOAD_POWER),
                grid_kw=values.get(Quantity.GRID_POWER),
                price_per_kwh=values.get(Quantity.PRICE),
            ),
            problems,
        )

    def log_transitions(self, problems: dict[Quantity, str]) -> None:
        """Log once when a reading is lost and once when it is back.

        While Home Assistant starts, sources are still loading: nothing is logged then,
        and what is still missing once it runs is warned about.
        """
        if self.hass.state is not CoreState.running:
            return
        for quantity, problem in problems.items():
            if quantity not in self._problems:
                LOGGER.warning(
                    "EMS ignores the %s reading (%s) until it recovers",
                    quantity.value.replace("_", " "),
                    problem,
                )
        for quantity in self._problems.keys() - problems.keys():
            LOGGER.info("EMS has the %s reading back", quantity.value.replace("_", " "))
        self._problems = problems

    def _derive_load(
        self, values: dict[Quantity, float], problems: dict[Quantity, str]
    ) -> None:
        parts = (Quantity.GRID_POWER, Quantity.PV_POWER, Quantity.BATTERY_POWER)
        missing = [part.value for part in parts if part not in values]
        if missing:
            problems[Quantity.LOAD_POWER] = f"derived load needs {', '.join(missing)}"
            return
        load_kw = derive_load_kw(*(values[part] for part in parts))
        low, high = self.limits.plausible_range(Quantity.LOAD_POWER)
        if low <= load_kw <= high:
            values[Quantity.LOAD_POWER] = load_kw
        else:
            problems[Quantity.LOAD_POWER] = (
                f"derived load {load_kw:g} kW is outside {low:g} to {high:g}"
            )
