"""How long a job has left, from its progress over time: the one estimate the CLI and the app both show.

A job's ``Progress`` counts the work of every phase (reading, network, encoding, writing, exporting), so the rate
seen so far applies to what is left. The first seconds (loading a model, compiling for a shape, filling queues)
are slower than the rest, so no estimate is given before ``settle_seconds`` and before a ``settle_fraction`` of the
work is done; after that the rate is the work done since the estimate settled over the time it took, smoothed so
that one slow item does not make the number jump.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class TimeLeft:
    """Feed it ``update(done, total)``; it answers the seconds left, or None while it cannot tell yet."""

    def __init__(self, settle_seconds: float = 2.0, settle_fraction: float = 0.02, smoothing: float = 0.3,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._settle_seconds = settle_seconds
        self._settle_fraction = settle_fraction
        self._smoothing = smoothing
        self._started = clock()
        self._anchor: tuple[float, float] | None = None  # (time, done) when the estimate settled
        self._rate: float | None = None  # smoothed work per second
        self._last: float | None = None

    @property
    def elapsed(self) -> float:
        """Seconds since the job started (since this object was made)."""
        return self._clock() - self._started

    def update(self, done: float, total: float) -> float | None:
        """The seconds left after ``done`` of ``total`` units, or None (unknown total, or too early to tell)."""
        now = self._clock()
        if total <= 0:
            return None
        if done >= total:
            self._last = 0.0
            return 0.0
        if self._anchor is None:
            if now - self._started >= self._settle_seconds and done >= self._settle_fraction * total:
                self._anchor = (now, done)
            return None
        anchor_time, anchor_done = self._anchor
        if now <= anchor_time or done <= anchor_done:
            return self._last
        rate = (done - anchor_done) / (now - anchor_time)
        self._rate = rate if self._rate is None else self._smoothing * rate + (1 - self._smoothing) * self._rate
        self._last = (total - done) / self._rate
        return self._last


def format_clock(seconds: float | None) -> str:
    """``1:05`` or ``1:02:03`` (rounded up to whole seconds), ``--:--`` when unknown."""
    if seconds is None:
        return "--:--"
    return clock_text(max(0, int(-(-seconds // 1))))


def clock_text(whole_seconds: int) -> str:
    """``1:05`` or ``1:02:03`` for a whole number of seconds."""
    hours, rest = divmod(whole_seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def describe_time_left(seconds: float | None) -> str:
    """``about 1:05 left``, ``estimating…`` while unknown, ``finishing…`` at the very end."""
    if seconds is None:
        return "estimating…"
    if seconds < 1:
        return "finishing…"
    return f"about {format_clock(seconds)} left"
