"""Small pieces the CLI commands share: TensorFlow availability and a terminal progress line."""

from __future__ import annotations

import sys
import time

from sesr_core.errors import SesrError
from sesr_core.training_support import training_unavailable_message


def require_training():
    """Import the training package, or explain how to install it."""
    try:
        import sesr_core.training.trainer as trainer
    except ImportError as err:
        raise SesrError(training_unavailable_message(err.name)) from err
    return trainer


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


class ProgressLine:
    """A one-line progress display: redrawn in place on a terminal, printed every ``every`` seconds otherwise."""

    def __init__(self, stream=None, every: float = 10.0) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every = every
        self._last = 0.0
        self._width = 0

    def update(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if self.tty:
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
        elif force or now - self._last >= self.every:
            self.stream.write(text + "\n")
        else:
            return
        self._last = now
        self.stream.flush()

    def print(self, text: str) -> None:
        """A permanent line above the progress line."""
        if self.tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0


def report_batch(result, count: int, noun: str) -> int:
    """Print a batch's summary (written, already done, failed with each reason) and return the exit status."""
    summary = f"{len(result.written)} of {count} {noun} written in {format_duration(result.seconds)}"
    if result.skipped:
        summary += f" ({len(result.skipped)} already done)"
    if not result.failed:
        print(summary + ".")
        return 0
    print(f"{summary}; {len(result.failed)} failed:", file=sys.stderr)
    for _source, reason in result.failed:
        print(f"  {reason}", file=sys.stderr)  # each reason names its file
    return 1
