"""SIGINT, SIGTERM and SIGHUP stop a job the same way, in every command and in the app.

A session logout, ``systemctl stop``, a container stop and ``timeout`` all send SIGTERM (or SIGHUP); each must leave
what Ctrl-C leaves: no partial file, and for training a checkpoint to resume from. :class:`StopSignals` is installed
once around a command (``sesr`` does it in ``cli/main.py``). By default a signal raises :class:`StopRequested` (a
``KeyboardInterrupt``) in the main thread, so the cleanup every job already does for Ctrl-C runs unchanged. Inside
:meth:`StopSignals.graceful` the first signal only sets a :class:`~sesr_core.jobs.CancelToken` (training stops after
the current step and checkpoints) and a second one raises. The exit status is 128 + the signal's number (130 for
SIGINT, 143 for SIGTERM, 129 for SIGHUP), as a shell reports for a process a signal ended.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator

from sesr_core.jobs import CancelToken

STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def exit_status(signum: int) -> int:
    """The status a process ended by ``signum`` reports: 128 + its number."""
    return 128 + int(signum)


def signal_name(signum: int) -> str:
    """``Ctrl-C`` for SIGINT, else the signal's name (``SIGTERM``)."""
    return "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name


class StopRequested(KeyboardInterrupt):
    """Raised in the main thread when a stop signal arrives; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal_name(signum))
        self.signum = int(signum)


class StopSignals:
    """The stop signals' handler for one command; ``received`` is the first signal that arrived (or None)."""

    def __init__(self) -> None:
        self.received: int | None = None
        self._cancel: CancelToken | None = None
        self._notice: Callable[[int], None] | None = None
        self._previous: dict[int, object] = {}

    @property
    def exit_status(self) -> int:
        """128 + the first signal received (130, as for Ctrl-C, when none was)."""
        return exit_status(self.received or signal.SIGINT)

    def install(self) -> bool:
        """Handle the stop signals from now on (main thread only; returns False elsewhere)."""
        if threading.current_thread() is not threading.main_thread():
            return False
        for signum in STOP_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        return True

    def restore(self) -> None:
        """Put back the handlers that were there before :meth:`install`."""
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]
        self._previous.clear()

    @contextlib.contextmanager
    def graceful(self, cancel: CancelToken, notice: Callable[[int], None] | None = None) -> Iterator[None]:
        """Within: the first signal cancels ``cancel`` (and calls ``notice(signum)``), a second one raises."""
        self._cancel, self._notice = cancel, notice
        try:
            yield
        finally:
            self._cancel, self._notice = None, None

    def _handle(self, signum: int, _frame) -> None:
        if self.received is None:
            self.received = signum
        cancel = self._cancel
        if cancel is not None and not cancel.cancelled:
            cancel.cancel()
            if self._notice is not None:
                self._notice(signum)
            return
        raise StopRequested(signum)


_active: StopSignals | None = None


@contextlib.contextmanager
def handling_stop_signals() -> Iterator[StopSignals]:
    """Install a :class:`StopSignals` for the duration of a command (the one :func:`stopping_gracefully` uses)."""
    global _active
    handler = StopSignals()
    installed = handler.install()
    outer, _active = _active, handler
    try:
        yield handler
    finally:
        _active = outer
        if installed:
            handler.restore()


@contextlib.contextmanager
def stopping_gracefully(cancel: CancelToken, notice: Callable[[int], None] | None = None) -> Iterator[StopSignals]:
    """Within: the first stop signal cancels ``cancel``, a second raises (installs a handler if none is active)."""
    with contextlib.ExitStack() as stack:
        handler = _active or stack.enter_context(handling_stop_signals())
        stack.enter_context(handler.graceful(cancel, notice))
        yield handler


def cancelled_exit_status() -> int:
    """The exit status of a command whose job stopped on a cancel: 128 + the signal that asked for it (130 if none)."""
    return _active.exit_status if _active is not None else exit_status(signal.SIGINT)
