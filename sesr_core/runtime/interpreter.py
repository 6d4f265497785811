"""LiteRT interpreter loading: ai_edge_litert (XNNPACK) first, tflite_runtime as a fallback."""

from __future__ import annotations

import os


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
