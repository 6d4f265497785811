"""LiteRT interpreter loading: ai_edge_litert (XNNPACK) first, tflite_runtime as a fallback."""

from __future__ import annotations

import contextlib
import os
import threading

from sesr_core.quiet_stderr import native_stderr_silenced


def interpreter_class():
    """The TFLite ``Interpreter`` class of the best available runtime."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # pragma: no cover - exercised only where LiteRT is missing
        from tflite_runtime.interpreter import Interpreter
    return Interpreter


def default_threads() -> int:
    """All cores, as LiteRT's XNNPACK delegate uses them best."""
    return max(1, os.cpu_count() or 1)


_announced = threading.Lock()
_quiet_done = False


@contextlib.contextmanager
def first_allocation_quietly():
    """Hide the one "INFO: Created TensorFlow Lite XNNPACK delegate" line LiteRT writes to fd 2 per process.

    Only the first allocation of the process is wrapped (that is when LiteRT prints it), so nothing else written to
    stderr later can be lost; ``SESR_DEBUG=1`` keeps LiteRT's native output.
    """
    global _quiet_done
    with _announced:
        if _quiet_done or os.environ.get("SESR_DEBUG"):
            yield
            return
        _quiet_done = True
        with native_stderr_silenced():
            yield
