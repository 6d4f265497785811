"""The pages' common body: a settings column on the left and a growing view on the right."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QSplitter, QWidget


class TwoPanes(QSplitter):
    """A horizontal splitter whose left pane starts at ``left_width`` and keeps it: the right pane takes whatever
    the window gives or takes. (QSplitter scales sizes set before its first layout in proportion, which would cut a
    settings column narrower than its form.)"""

    def __init__(self, left: QWidget, right: QWidget, left_width: int, right_width: int) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.addWidget(left)
        self.addWidget(right)
        self.setStretchFactor(0, 0)
        self.setStretchFactor(1, 1)
        self.setSizes([left_width, right_width])
        self._left_width = left_width
        self._placed = False

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not self._placed and self.width() > self._left_width:
            self._placed = True
            self.setSizes([self._left_width, self.width() - self._left_width - self.handleWidth()])


def two_panes(left: QWidget, right: QWidget, left_width: int, right_width: int) -> QSplitter:
    """A horizontal splitter of ``left`` and ``right`` in which only the right pane grows with the window."""
    return TwoPanes(left, right, left_width, right_width)
