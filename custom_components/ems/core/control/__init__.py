"""Control: decide every control period what the inverter should do; pure, no Home Assistant.

`decide(state, plan, override, now, settings=, memory=)` returns a `Decision` of
inverter-neutral commands; each inverter's link writes what its inverter does not
already follow. `foxess` maps commands to Fox ESS client calls; `growatt` and
`growatt_sph` turn a plan into Growatt time-of-use tables and the entries that need
writing. `verify` judges whether the battery does what it was told; `selftest` holds the
control self-test's pulses and how each is judged.
"""

from .model import (
    Command,
    ControllerMemory,
    ControlSettings,
    ControlState,
    Decision,
    HardwareLimits,
    Layer,
    Override,
    OverrideError,
    SetMinSoc,
    SetMode,
    Threshold,
)
from .policy import decide, min_soc_floor, next_run_at, slot_at, validate_override

__all__ = [
    "Command",
    "ControlSettings",
    "ControlState",
    "ControllerMemory",
    "Decision",
    "HardwareLimits",
    "Layer",
    "Override",
    "OverrideError",
    "SetMinSoc",
    "SetMode",
    "Threshold",
    "decide",
    "min_soc_floor",
    "next_run_at",
    "slot_at",
    "validate_override",
]
