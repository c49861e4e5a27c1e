"""Keep HiGHS's console output out of the host process's stdout.

highspy 1.16 prints a licence banner on the C++ stdout (file descriptor 1) when the
first solver of a process is created, before any option can silence it. Inside Home
Assistant that lands on the console, and in the planner CLI it would corrupt the JSON.
The first solver is therefore created with descriptor 1 pointed at a temporary file;
what HiGHS printed is logged at debug level. Later solvers print nothing once
`output_flag` is off.

The `threads` option is left at its default: HiGHS keeps one thread scheduler per
process, and asking for a thread count that differs from the one another user of
HiGHS in the same process started it with makes every later solve fail ("not set").
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import tempfile
import threading
from typing import Any

_LOGGER = logging.getLogger(__name__)
_FIRST_SOLVER_LOCK = threading.Lock()
_first_solver_created = threading.Event()


def quiet_highs(highspy: Any) -> Any:
    """Return a new `highspy.Highs` with console output off and no banner on stdout."""
    if not _first_solver_created.is_set():
        with _FIRST_SOLVER_LOCK:
            if not _first_solver_created.is_set():
                printed, highs = _capture_stdout(highspy.Highs)
                _first_solver_created.set()
                if printed.strip():
                    _LOGGER.debug("HiGHS printed: %s", printed.strip())
                return _silenced(highs)
    return _silenced(highspy.Highs())


def _silenced(highs: Any) -> Any:
    highs.setOptionValue("output_flag", False)
    return highs


def _capture_stdout(create: Any) -> tuple[str, Any]:
    """Call `create()` with file descriptor 1 redirected; return what it printed."""
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as sink:
        try:
            os.dup2(sink.fileno(), 1)
            result = create()
            _flush_c_stdio()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        sink.seek(0)
        printed = sink.read().decode(errors="replace")
    return printed, result


def _flush_c_stdio() -> None:
    """Flush the C library's stdout buffer into the redirected descriptor."""
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # no C library to flush: nothing buffered there
        return
