"""The one check of a thread count, wherever one is taken (CLI options, the Upscaler, the app's settings)."""

from __future__ import annotations

import argparse
import os

from sesr_core.errors import SesrError

THREADS_PER_CORE = 4  # more than this only adds contention; far more fails to start threads at all


def max_threads() -> int:
    """The largest thread count accepted: 4 per CPU core (at least 4)."""
    return max(4, THREADS_PER_CORE * (os.cpu_count() or 1))


def threads_problem(value: object) -> str | None:
    """Why ``value`` is not a usable thread count (None when it is)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= max_threads():
        return (f"the number of threads must be a whole number from 1 to {max_threads()} ({THREADS_PER_CORE} per "
                f"CPU core), not {value}")
    return None


def check_threads(value: int | None) -> int | None:
    """``value`` unchanged when it is None (all cores) or in range; raises :class:`SesrError` otherwise."""
    problem = None if value is None else threads_problem(value)
    if problem:
        raise SesrError(problem[0].upper() + problem[1:] + ".")
    return value


def threads_argument(text: str) -> int:
    """argparse ``type=`` for ``--threads``."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the number of threads must be a whole number, not '{text}'") from None
    problem = threads_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value
