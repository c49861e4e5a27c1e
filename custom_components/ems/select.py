"""The selects: the operating mode (`auto` follows the plan), the strategy, load modes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import OperatingMode
from .core.loads import LoadMode
from .core.loads.config import LoadConfig, LoadType
from .data import EmsConfigEntry, EmsRuntimeData
from .entity import EmsEntity, EmsEntityDescription, follow_settings
from .planner import Strategy

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EmsSelectEntityDescription(SelectEntityDescription, EmsEntityDescription):
    """Describes an EMS select: the option in force and how a choice is applied."""

    current_fn: Callable[[EmsRuntimeData], str]
    select_fn: Callable[[EmsRuntimeData, str], None]
    replans: bool = False  # a choice calls for a new plan at once


def _select_mode(runtime: EmsRuntimeData, option: str) -> None:
    """Change the operating mode; this ends any override."""
    runtime.settings.mode = OperatingMode(option)
    runtime.events.record("mode", "mode_selected", mode=option)
    runtime.overrides.async_set(None)


MODE_SELECT = EmsSelectEntityDescription(
    key="mode",
    translation_key="mode",
    options=[mode.value for mode in OperatingMode],
    follows=(follow_settings,),
    # An override's mode while it runs.
    current_fn=lambda runtime: runtime.settings.effective_mode.value,
    select_fn=_select_mode,
)


def _select_strategy(runtime: EmsRuntimeData, option: str) -> None:
    runtime.settings.strategy = Strategy(option)
    runtime.settings.changed()


STRATEGY_SELECT = EmsSelectEntityDescription(
    key="strategy",
    translation_key="strategy",
    options=[strategy.value for strategy in Strategy],
    follows=(follow_settings,),
    current_fn=lambda runtime: runtime.settings.strategy.value,
    select_fn=_select_strategy,
    replans=True,
)


def load_mode_select(load: LoadConfig) -> EmsSelectEntityDescription:
    """Return a load's mode select: auto follows the plan; boost for SG-Ready only."""
    load_id = load.spec.load_id

    def select(runtime: EmsRuntimeData, option: str) -> None:
        runtime.settings.load(load_id).mode = LoadMode(option)
        runtime.settings.changed()

    modes = [LoadMode.AUTO, LoadMode.OFF, LoadMode.ON]
    if load.load_type is LoadType.HEAT_PUMP:
        modes.append(LoadMode.BOOST)
    return EmsSelectEntityDescription(
        key=f"{load_id}_mode",
        translation_key="load_mode",
        options=[mode.value for mode in modes],
        follows=(follow_settings,),
        current_fn=lambda runtime: runtime.settings.load(load_id).mode.value,
        select_fn=select,
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the operating mode and strategy selects (kept in the settings store)."""
    async_add_entities(
        [EmsSelect(entry, MODE_SELECT), EmsSelect(entry, STRATEGY_SELECT)]
    )
    for load in entry.runtime_data.loads.loads:
        async_add_entities(
            [EmsSelect(entry, load_mode_select(load), load=load)],
            config_subentry_id=load.spec.load_id,
        )


class EmsSelect(EmsEntity, SelectEntity):
    """A select of the EMS device."""

    entity_description: EmsSelectEntityDescription

    @property
    def current_option(self) -> str:
        """Return the option the description reads."""
        return self.entity_description.current_fn(self.runtime)

    async def async_select_option(self, option: str) -> None:
        """Apply the choice (and plan again if it changes what the plan aims at)."""
        self.entity_description.select_fn(self.runtime, option)
        if self.entity_description.replans:
            await self.runtime.coordinator.async_replan()
