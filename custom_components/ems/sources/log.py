"""One log line per input source when its data turns bad, not one per refresh."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from custom_components.ems.const import LOGGER
from custom_components.ems.core.inputs import describe_warnings


class SourceLog:
    """Logs each source's warnings once, and again only when they change."""

    def __init__(self, starting: Callable[[], bool] = lambda: False) -> None:
        """Start with nothing logged; while `starting()` warnings go to the debug log.

        Sources load in any order while Home Assistant starts: a source that is not
        there yet is no reason to warn. Once started, what is still wrong is warned.
        """
        self._logged: dict[str, str] = {}
        self._starting = starting

    def current(self) -> tuple[str, ...]:
        """Return what is wrong with each source now, one line per source."""
        return tuple(self._logged.values())

    def report(self, source: str, warnings: Sequence[str]) -> None:
        """Log the source's warnings if they differ from what was logged last."""
        line = describe_warnings(source, warnings)
        if line is None:
            if self._logged.pop(source, None) is not None:
                LOGGER.info("%s reads cleanly again", source)
            return
        if self._starting():
            LOGGER.debug("EMS input (Home Assistant is starting) %s", line)
            return
        if self._logged.get(source) != line:
            LOGGER.warning("EMS input %s", line)
            self._logged[source] = line
