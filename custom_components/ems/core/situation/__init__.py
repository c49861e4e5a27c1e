"""Planning from what is known now: FORMAT.md's Situation and `plan_situation`."""

from .demand import DemandTariff
from .memory import ForecastMemory, slot_temperatures
from .model import (
    Command,
    History,
    Prices,
    PvForecast,
    Situation,
    Temperatures,
    situation_from_json,
    situation_to_json,
)
from .plan import plan_situation, running_command, situation_problem
from .policy import Policy

__all__ = [
    "Command",
    "DemandTariff",
    "ForecastMemory",
    "History",
    "Policy",
    "Prices",
    "PvForecast",
    "Situation",
    "Temperatures",
    "plan_situation",
    "running_command",
    "situation_from_json",
    "situation_problem",
    "situation_to_json",
    "slot_temperatures",
]
