"""Background jobs: a QThread that runs one sesr_core job and turns its events into Qt signals.

A job is any callable ``job(on_event, cancel) -> result`` (sesr_core's job functions, wrapped in a lambda) that
follows sesr_core's job protocol (:mod:`sesr_core.jobs`). The thread emits ``event`` for every event, then exactly
one of ``succeeded(result)``, ``cancelled(partial)`` (the job raised CancelledError; ``partial`` is what it finished,
or None) or ``failed(sentence)``, then ``ended``. A user error (SesrError) fails with its sentence; any other
exception fails with a short message and its traceback goes to the log, never to the user as a crash.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from sesr_core.errors import CancelledError, SesrError
from sesr_core.jobs import CancelToken, Event, EventCallback

Job = Callable[[EventCallback, CancelToken], Any]
log = logging.getLogger("sesr_studio")


class JobThread(QThread):
    """Runs ``job`` once in its own thread; signals are delivered in the GUI thread (queued)."""

    event = Signal(object)
    succeeded = Signal(object)
    cancelled = Signal(object)
    failed = Signal(str)
    ended = Signal()

    def __init__(self, job: Job, title: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job = job
        self.title = title
        self.token = CancelToken()
        self.setObjectName(title)

    def cancel(self) -> None:
        """Ask the job to stop; it ends with ``cancelled`` as soon as it polls the token."""
        self.token.cancel()

    def _emit(self, event: Event) -> None:
        self.event.emit(event)

    def run(self) -> None:  # noqa: D401 - QThread API
        try:
            result = self._job(self._emit, self.token)
        except CancelledError as err:
            self.cancelled.emit(err.partial)
        except SesrError as err:
            if self.token.cancelled:  # an error on the way out of a cancelled job is the cancel itself
                self.cancelled.emit(None)
            else:
                self.failed.emit(str(err))
        except Exception as err:  # noqa: BLE001 - a job must never take the window down
            log.error("%s failed:\n%s", self.title, traceback.format_exc())
            self.failed.emit(f"{self.title} failed unexpectedly ({type(err).__name__}: {err}).")
        else:
            self.succeeded.emit(result)
        finally:
            self._job = None  # let go of the job's data (images, models) now, not when Qt deletes the thread
            self.ended.emit()


class JobRunner(QObject):
    """Starts jobs one at a time for a page; ``busy`` until the job's thread has really finished."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: JobThread | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None

    @property
    def current(self) -> JobThread | None:
        return self._thread

    def start(self, job: Job, title: str) -> JobThread:
        """Create the job's thread (connect its signals, then call ``.start()`` on it)."""
        if self._thread is not None:
            raise RuntimeError("a job is already running")
        thread = JobThread(job, title, self)
        thread.finished.connect(self._on_finished)  # a bound slot: no lambda holding the thread
        self._thread = thread
        self.busy_changed.emit(True)
        return thread

    def cancel(self) -> None:
        if self._thread is not None:
            self._thread.cancel()

    def wait(self, milliseconds: int = 10_000) -> bool:
        """Block until the running job has ended (used at exit); True when none is left."""
        thread = self._thread
        return thread is None or thread.wait(milliseconds)

    def _on_finished(self) -> None:
        thread = self.sender()
        if self._thread is thread:
            self._thread = None
            self.busy_changed.emit(False)
        if isinstance(thread, JobThread):
            thread.deleteLater()
