"""Simulated devices for tests and the development setup (not part of the integration)."""

from ._models import MODELS
from .foxess import FoxEssSimulator

__all__ = ["MODELS", "FoxEssSimulator"]
