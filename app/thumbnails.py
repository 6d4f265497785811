"""Thumbnails and sizes of queued images, read in a background thread pool (the window never waits for a decode)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage

from app.jobs import runtime_bridge
from app.qimage import thumbnail
from sesr_core.errors import SesrError


class _Signals(QObject):
    loaded = Signal(object, QImage, int, int)
    failed = Signal(object, str)


class _Task(QRunnable):
    def __init__(self, path: Path, side: int, signals: _Signals) -> None:
        super().__init__()
        self.path, self.side, self.signals = path, side, signals

    def run(self) -> None:
        try:
            image = runtime_bridge.read_pixels(self.path)
        except SesrError as err:
            self.signals.failed.emit(self.path, str(err))
            return
        except Exception as err:  # noqa: BLE001 - a thumbnail must never take the window down
            self.signals.failed.emit(self.path, f"Cannot read '{self.path.name}' ({type(err).__name__}).")
            return
        height, width = image.pixels.shape[:2]
        self.signals.loaded.emit(self.path, thumbnail(image.pixels, image.alpha, self.side), width, height)


class ThumbnailLoader(QObject):
    """``request(path)`` later emits ``loaded(path, thumbnail, width, height)`` or ``failed(path, reason)``."""

    loaded = Signal(object, QImage, int, int)
    failed = Signal(object, str)

    def __init__(self, side: int = 56, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.side = side
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.loaded.connect(self.loaded)
        self._signals.failed.connect(self.failed)

    def request(self, path: Path) -> None:
        self.pool.start(_Task(path, self.side, self._signals))

    def wait(self, milliseconds: int = 10_000) -> bool:
        return self.pool.waitForDone(milliseconds)
