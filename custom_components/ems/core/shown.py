"""Numbers as a person reads them (pure)."""

from __future__ import annotations


def rounded(value: float, digits: int) -> float:
    """Return `value` rounded to `digits` decimals, never as negative zero.

    A tiny negative number would otherwise show as "-0.00".
    """
    return round(value, digits) + 0.0
