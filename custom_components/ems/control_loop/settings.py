"""What the user set on the EMS entities and actions, saved the moment it changes.

Control, the operating mode, the strategy, the two SoC floors, a running override and
each load's Control and mode are written to a Store on every change, so they survive a hard crash (a killed process, a power cut) as
well as a clean restart. So is what the inverter link must remember (the battery
currents a Fox ESS hold set to 0 A), which is saved without telling the listeners. A stored override whose end passed while Home Assistant was
down is dropped on load. Entries from before the store take their settings once from
the entities' restore states, as those entities kept them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, restore_state
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from custom_components.ems.const import DOMAIN, LOGGER, OperatingMode
from custom_components.ems.core.config import BatteryConfig
from custom_components.ems.core.control.model import Override
from custom_components.ems.core.inputs import StormReserve
from custom_components.ems.core.loads import LoadMode
from custom_components.ems.planner import InverterMode, Strategy

STORAGE_VERSION: Final = 1


def settings_storage_key(entry_id: str) -> str:
    """Return the Store key of an entry's settings."""
    return f"{DOMAIN}.settings.{entry_id}"


@dataclass(kw_only=True)
class LoadSettings:
    """What the user set for one controllable load: its Control switch and mode."""

    control_enabled: bool = False
    mode: LoadMode = LoadMode.AUTO

    def as_dict(self) -> dict[str, Any]:
        """Return the load's settings as stored."""
        return {"control_enabled": self.control_enabled, "mode": self.mode.value}


def _load_settings(data: Any) -> dict[str, LoadSettings]:
    """Return stored per-load settings, each checked (Control off and auto otherwise)."""
    loads: dict[str, LoadSettings] = {}
    for load_id, stored in (data if isinstance(data, dict) else {}).items():
        values = stored if isinstance(stored, dict) else {}
        mode = values.get("mode")
        loads[str(load_id)] = LoadSettings(
            control_enabled=values.get("control_enabled") is True,
            mode=LoadMode(mode) if mode in set(LoadMode) else LoadMode.AUTO,
        )
    return loads


@dataclass(kw_only=True)
class EmsSettings:
    """The user's choices; listeners hear every change."""

    mode: OperatingMode = OperatingMode.AUTO
    strategy: Strategy = Strategy.COST
    control_enabled: bool = False
    reserve_soc_percent: float
    min_soc_percent: float
    override: Override | None = None
    # Each controllable load's Control and mode, by load (subentry) id.
    loads: dict[str, LoadSettings] = field(default_factory=dict)
    inverter_memory: dict[str, Any] = field(default_factory=dict)
    # A weather warning in force raises the reserve (set on each refresh, never stored).
    storm: StormReserve | None = field(default=None, compare=False)
    _listeners: list[Callable[[], None]] = field(
        default_factory=list, repr=False, compare=False
    )
    _savers: list[Callable[[], None]] = field(
        default_factory=list, repr=False, compare=False
    )

    @property
    def effective_mode(self) -> OperatingMode:
        """Return the mode in force: an active override wins over the select."""
        if self.override is not None:
            return OperatingMode(self.override.mode.value)
        return self.mode

    def as_dict(self) -> dict[str, Any]:
        """Return the settings as stored, and for diagnostics and service responses."""
        override = self.override
        return {
            "mode": self.mode.value,
            "effective_mode": self.effective_mode.value,
            "strategy": self.strategy.value,
            "control_enabled": self.control_enabled,
            "reserve_soc_percent": self.reserve_soc_percent,
            "min_soc_percent": self.min_soc_percent,
            "override": None
            if override is None
            else {
                "mode": override.mode.value,
                "until": override.until.isoformat(),
                "power_kw": override.power_kw,
                "target_soc_percent": override.target_soc_percent,
            },
            "loads": {key: value.as_dict() for key, value in self.loads.items()},
        }

    def load(self, load_id: str) -> LoadSettings:
        """Return a load's settings (Control off and auto until the user changes them)."""
        return self.loads.setdefault(load_id, LoadSettings())

    def stored(self) -> dict[str, Any]:
        """Return what the Store keeps: the settings and the inverter link's memory."""
        return {**self.as_dict(), "inverter_memory": self.inverter_memory}

    def remember_inverter(self, memory: dict[str, Any]) -> None:
        """Keep the inverter link's memory and save it (the listeners are not told)."""
        if memory != self.inverter_memory:
            self.inverter_memory = memory
            for saver in self._savers:
                saver()

    def add_saver(self, saver: Callable[[], None]) -> None:
        """Call `saver` when the inverter link's memory changes (the Store saves it)."""
        self._savers.append(saver)

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` after every change; return the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def changed(self) -> None:
        """Tell the listeners that a setting changed."""
        for listener in list(self._listeners):
            listener()


def override_from_dict(data: Any) -> Override | None:
    """Return a stored override that has not yet ended, else None."""
    if not isinstance(data, dict):
        return None
    try:
        until = dt_util.parse_datetime(str(data["until"]))
        if until is None:
            return None
        override = Override(
            mode=InverterMode(data["mode"]),
            until=until,
            power_kw=data.get("power_kw"),
            target_soc_percent=data.get("target_soc_percent"),
        )
    except (KeyError, ValueError, TypeError):
        return None
    return override if override.until > dt_util.utcnow() else None


def settings_from_dict(data: Any, battery: BatteryConfig) -> EmsSettings:
    """Return stored settings, each value checked; defaults for what is missing or bad.

    A floor outside the battery's configured SoC range (the options changed) falls back
    to the battery's minimum.
    """
    stored = data if isinstance(data, dict) else {}
    low, high = battery.min_soc_percent, battery.max_soc_percent

    def floor(key: str) -> float:
        value = stored.get(key)
        if isinstance(value, int | float) and low <= value <= high:
            return float(value)
        return low

    mode = stored.get("mode")
    strategy = stored.get("strategy")
    return EmsSettings(
        mode=OperatingMode(mode) if mode in set(OperatingMode) else OperatingMode.AUTO,
        strategy=Strategy(strategy) if strategy in set(Strategy) else Strategy.COST,
        control_enabled=stored.get("control_enabled") is True,
        reserve_soc_percent=floor("reserve_soc_percent"),
        min_soc_percent=floor("min_soc_percent"),
        override=override_from_dict(stored.get("override")),
        loads=_load_settings(stored.get("loads")),
        inverter_memory=dict(memory)
        if isinstance(memory := stored.get("inverter_memory"), dict)
        else {},
    )


class SettingsStore:
    """Loads an entry's settings and saves them on every change."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Keep the settings of one entry."""
        self._hass = hass
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, settings_storage_key(entry_id)
        )

    async def async_load(
        self, battery: BatteryConfig, entry_unique_id: str | None
    ) -> EmsSettings:
        """Return the saved settings (defaults for a new entry) and save each change."""
        data = await self._store.async_load()
        if data is None and entry_unique_id is not None:
            data = self._from_restore_states(entry_unique_id)
        settings = settings_from_dict(data, battery)
        if data is not None:
            LOGGER.debug("EMS restored its settings: %s", settings.as_dict())
        settings.add_listener(lambda: self._save(settings))
        settings.add_saver(lambda: self._save(settings))
        return settings

    def _from_restore_states(self, entry_unique_id: str) -> dict[str, Any] | None:
        """Return the settings the entities kept before the store existed, if any."""
        registry = er.async_get(self._hass)
        last_states = restore_state.async_get(self._hass).last_states

        def stored(platform: str, key: str) -> restore_state.StoredState | None:
            entity_id = registry.async_get_entity_id(
                platform, DOMAIN, f"{entry_unique_id}_{key}"
            )
            return last_states.get(entity_id) if entity_id else None

        data: dict[str, Any] = {}
        if (mode := stored("select", "mode")) and mode.extra_data:
            extra = mode.extra_data.as_dict()
            data |= {key: extra.get(key) for key in ("mode", "override")}
        if control := stored("switch", "control"):
            data["control_enabled"] = control.state.state == STATE_ON
        for key, name in (
            ("reserve_soc", "reserve_soc_percent"),
            ("minimum_soc", "min_soc_percent"),
        ):
            if (number := stored("number", key)) and number.extra_data:
                data[name] = number.extra_data.as_dict().get("native_value")
        return data or None

    @callback
    def _save(self, settings: EmsSettings) -> None:
        self._hass.async_create_task(
            self._store.async_save(settings.stored()), eager_start=True
        )

    async def async_remove(self) -> None:
        """Delete the saved settings (the entry is removed)."""
        await self._store.async_remove()
