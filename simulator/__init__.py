"""Simulated devices for tests and the development setup (not part of the integration)."""

from .foxess import MODELS, FoxEssSimulator

__all__ = ["MODELS", "FoxEssSimulator"]
