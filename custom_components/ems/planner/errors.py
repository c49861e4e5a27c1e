"""The planner's one input error, shared by the problem model and its sections."""

from __future__ import annotations


class ProblemError(ValueError):
    """An invalid planning problem; the message is one line meant for the user."""


def check(condition: bool, message: str) -> None:
    """Raise ProblemError with `message` unless `condition` holds."""
    if not condition:
        raise ProblemError(message)
