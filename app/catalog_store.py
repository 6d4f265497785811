"""The model catalog as a Qt object: one shared list of entries, a ``changed`` signal, and a folder watcher."""

from __future__ import annotations

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from sesr_core.models.catalog import CatalogEntry, list_models, user_models_dir


class CatalogStore(QObject):
    """Caches ``list_models()``; pages listen to ``changed`` (also fired when files appear in the user folder)."""

    changed = Signal()
    renamed = Signal(str, str)  # old name, new name: emitted before the refresh that shows the new name

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[CatalogEntry] = []
        self._watcher = QFileSystemWatcher(self)
        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.refresh)
        self._watcher.directoryChanged.connect(lambda _path: self._debounce.start())
        self.refresh()

    def refresh(self) -> None:
        """Read the catalog again and tell the listeners."""
        self._entries = list_models()
        folder = user_models_dir()
        if folder.is_dir() and str(folder) not in self._watcher.directories():
            self._watcher.addPath(str(folder))
        self.changed.emit()

    def entries(self, scale: int | None = None) -> list[CatalogEntry]:
        return [e for e in self._entries if scale is None or e.scale == scale]

    def find(self, name: str) -> CatalogEntry | None:
        return next((e for e in self._entries if e.name == name), None)

    def preferred(self, scale: int, name: str = "") -> CatalogEntry | None:
        """The named model if it has this scale, else the default clean model for the scale, else the first one."""
        choices = self.entries(scale)
        return (next((e for e in choices if e.name == name), None)
                or next((e for e in choices if e.default and e.purpose == "clean"), None)
                or (choices[0] if choices else None))
