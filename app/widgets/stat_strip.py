"""A strip of captioned figures (Step, Loss, Speed...) that fits one row when there is room, else two."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget


class StatStrip(QWidget):
    """Captions over values, in one row of ``len(pairs)`` columns when the width allows it, else in rows of
    ``narrow_columns``: a narrow window keeps every figure whole instead of forcing the window wider."""

    def __init__(self, pairs: list[tuple[QLabel, QLabel]], narrow_columns: int = 3,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pairs = pairs
        self._narrow = narrow_columns
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._columns = 0
        self._place(len(pairs))

    @property
    def columns(self) -> int:
        return self._columns

    def _pair_width(self) -> int:
        return max(max(caption.sizeHint().width(), value.sizeHint().width()) for caption, value in self._pairs)

    def _width_for(self, columns: int) -> int:
        return columns * self._pair_width() + (columns - 1) * max(self._grid.horizontalSpacing(), 6)

    def _place(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        for caption, value in self._pairs:
            self._grid.removeWidget(caption)
            self._grid.removeWidget(value)
        for index, (caption, value) in enumerate(self._pairs):
            row, column = divmod(index, columns)
            self._grid.addWidget(caption, 2 * row, column)
            self._grid.addWidget(value, 2 * row + 1, column)
        self.updateGeometry()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = super().minimumSizeHint()
        return QSize(self._width_for(self._narrow), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        wide = len(self._pairs)
        self._place(wide if event.size().width() >= self._width_for(wide) else self._narrow)
