"""What a loaded EMS entry holds, assembled complete before it is assigned."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .books.keeper import EmsAccounting
from .control_loop.controller import EmsController
from .control_loop.events import EventLog
from .control_loop.loads import LoadController
from .control_loop.overrides import Overrides
from .control_loop.settings import EmsSettings
from .coordinator import EmsCoordinator
from .core.config import EmsConfig


@dataclass(frozen=True, kw_only=True, slots=True)
class EmsRuntimeData:
    """The entry's configuration and the objects that run it."""

    config: EmsConfig
    settings: EmsSettings
    coordinator: EmsCoordinator
    controller: EmsController
    overrides: Overrides
    events: EventLog
    accounting: EmsAccounting
    loads: LoadController


type EmsConfigEntry = ConfigEntry[EmsRuntimeData]
