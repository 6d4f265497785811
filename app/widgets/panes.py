"""The pages' common body: a settings column on the left and a growing view on the right."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QWidget


def two_panes(left: QWidget, right: QWidget, left_width: int, right_width: int) -> QSplitter:
    """A horizontal splitter of ``left`` and ``right`` in which only the right pane grows with the window."""
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(left)
    splitter.addWidget(right)
    splitter.setStretchFactor(1, 1)
    splitter.setSizes([left_width, right_width])
    return splitter
