"""EMS: plans and runs a home battery for money.

Home Assistant's entry points live in `entry.py`. They are imported here only when Home
Assistant runs (it has imported `homeassistant.core` before it loads an integration),
so that the pure planner's command line, `python -m custom_components.ems.planner`,
starts without importing Home Assistant.
"""

from __future__ import annotations

import sys

if "homeassistant.core" in sys.modules:
    from .entry import (
        CONFIG_SCHEMA,
        async_remove_entry,
        async_setup,
        async_setup_entry,
        async_unload_entry,
    )

    __all__ = [
        "CONFIG_SCHEMA",
        "async_remove_entry",
        "async_setup",
        "async_setup_entry",
        "async_unload_entry",
    ]
