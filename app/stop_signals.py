"""SIGINT, SIGTERM and SIGHUP close the window as a user's quit would, without asking: running jobs are cancelled
(training checkpoints first, no partial file is left) and the app exits with 128 + the signal's number.

Python runs signal handlers only between bytecodes of the main thread, which Qt's event loop would keep to itself; a
short timer hands control back to Python often enough for a signal to be seen within a fraction of a second.
"""

from __future__ import annotations

import signal

from PySide6.QtCore import QObject, QTimer

from sesr_core.stop_signals import STOP_SIGNALS, exit_status

WAKE_MS = 200


class WindowStopper(QObject):
    """Closes ``window`` when a stop signal arrives; ``status`` is then 128 + the signal (None before)."""

    def __init__(self, app, window) -> None:
        super().__init__(window)
        self.app, self.window = app, window
        self.status: int | None = None
        self._wake = QTimer(self, interval=WAKE_MS)
        self._wake.timeout.connect(lambda: None)
        self._wake.start()
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame) -> None:
        if self.status is not None:
            return  # already closing: the jobs are being stopped
        self.status = exit_status(signum)
        QTimer.singleShot(0, self._close)

    def _close(self) -> None:
        self.window.confirm_close = False
        self.window.close()
        self.app.exit(self.status)
