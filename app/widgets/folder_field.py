"""A path line edit with a Browse… button (folder, file to open, or file to save)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget


class PathField(QWidget):
    """``mode`` is "folder", "open" or "save"; ``filter`` is a Qt file-dialog filter."""

    changed = Signal(str)

    def __init__(self, mode: str = "folder", placeholder: str = "", file_filter: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._mode, self._filter = mode, file_filter
        self.edit = QLineEdit(placeholderText=placeholder)
        self.edit.setAcceptDrops(False)
        self.edit.textChanged.connect(self.changed)
        self.button = QPushButton("Browse…")
        self.button.clicked.connect(self.browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)

    def path(self) -> str:
        return self.edit.text().strip()

    def set_path(self, path: str | Path | None) -> None:
        self.edit.setText(str(path) if path else "")

    def browse(self) -> None:
        start = self.path() or str(Path.home())
        if self._mode == "folder":
            chosen = QFileDialog.getExistingDirectory(self, "Choose a folder", start)
        elif self._mode == "save":
            chosen, _ = QFileDialog.getSaveFileName(self, "Save as", start, self._filter)
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, "Open", start, self._filter)
        if chosen:
            self.set_path(chosen)
