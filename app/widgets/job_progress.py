"""A progress bar that is only seen while a job runs or has something to show (never empty at rest)."""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar, QWidget


class JobProgressBar(QProgressBar):
    """Hidden while not running and at its minimum; keeps its space when hidden, so nothing jumps."""

    def __init__(self, parent: QWidget | None = None, **kwargs) -> None:
        super().__init__(parent, **kwargs)
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self._running = False
        self.valueChanged.connect(lambda _v: self._follow())
        self._follow()

    def set_running(self, running: bool) -> None:
        self._running = running
        self._follow()

    def _follow(self) -> None:
        wanted = self._running or self.value() > self.minimum()
        if wanted and self.parentWidget() is None:
            return  # not laid out yet: showing it would open a window of its own
        self.setHidden(not wanted)
