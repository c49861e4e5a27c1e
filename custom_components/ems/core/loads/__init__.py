"""Controllable loads (appliances, EV chargers, SG-Ready heat pumps): switched by rules."""

from .decide import decide_loads
from .model import (
    HouseNow,
    LoadCommand,
    LoadKind,
    LoadMemory,
    LoadMode,
    LoadReading,
    LoadsDecision,
    LoadSpec,
    LoadStatus,
    SgReady,
)

__all__ = [
    "HouseNow",
    "LoadCommand",
    "LoadKind",
    "LoadMemory",
    "LoadMode",
    "LoadReading",
    "LoadSpec",
    "LoadStatus",
    "LoadsDecision",
    "SgReady",
    "decide_loads",
]
