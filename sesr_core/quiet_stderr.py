"""Silence what native libraries write straight to file descriptor 2 (TensorFlow's absl, CUDA and oneDNN lines at
import), unless ``SESR_DEBUG`` is set. Python's own ``sys.stderr`` is flushed first and restored after."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Within: native writes to fd 2 go to /dev/null (nothing changes when SESR_DEBUG is set)."""
    if os.environ.get("SESR_DEBUG"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
