"""The Upscale page's queue: a list model of files with thumbnails, sizes in and out, and each item's state."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.formatting import size
from app.theme import ACCENT, BAD, GOOD

WAITING, WORKING, DONE, FAILED = "waiting", "working", "done", "failed"
THUMB = 56
ROW_HEIGHT = 70


@dataclass
class QueueItem:
    """One input file and what happened to it."""

    path: Path
    state: str = WAITING
    in_size: tuple[int, int] | None = None
    thumbnail: QImage | None = None
    output: Path | None = None
    out_size: tuple[int, int] | None = None
    error: str = ""
    progress: float = 0.0
    seconds: float | None = None
    scale: int = 2
    model: str = ""  # the model this item gets (the automatic choice, the picker's, or the user's for this item)
    model_path: Path | None = None
    reason: str = ""  # why it gets that model
    override: str = ""  # the model the user chose for this item only ("" follows the picker)
    phase: str = ""  # what the job is doing to it: reading, network, writing
    unreadable: bool = False  # its header could not be read when it was added: it stays failed
    extra: dict = field(default_factory=dict)

    @property
    def pixels(self) -> int:
        return self.in_size[0] * self.in_size[1] if self.in_size else 0

    def size_text(self) -> str:
        if self.in_size is None:
            return "reading…" if not self.error else "unreadable"
        out = self.out_size or (self.in_size[0] * self.scale, self.in_size[1] * self.scale)
        return f"{size(*self.in_size)} → {size(*out)}"

    def detail_text(self) -> str:
        """The row's second line: sizes and the model it gets."""
        return f"{self.size_text()}  ·  {self.model}" if self.model and not self.unreadable else self.size_text()

    def state_text(self) -> str:
        if self.state == WORKING:
            doing = {"reading": "reading", "network": "upscaling", "writing": "writing the file"}.get(self.phase,
                                                                                               "working")
            return f"{doing}… {self.progress * 100:.0f}%"
        if self.state == DONE:
            return f"done in {self.seconds:.1f} s" if self.seconds is not None else "done"
        if self.state == FAILED:
            return f"failed: {self.error}"
        return "waiting"


class QueueModel(QAbstractListModel):
    """The items, in the order they were added; the row is the item's key while a batch runs."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.items: list[QueueItem] = []

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self.items)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self.items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.path.name
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [str(item.path), item.size_text(), item.state_text()]
            if item.model:
                lines.append(f"Model {item.model}: {item.reason}" if item.reason else f"Model {item.model}")
            if item.output:
                lines.append(f"→ {item.output}")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.UserRole:
            return item
        return None

    def add(self, paths: list[Path], scale: int) -> list[int]:
        """Append paths not already queued; returns the new rows."""
        known = {item.path for item in self.items}
        fresh = [p for p in paths if p not in known]
        if not fresh:
            return []
        first = len(self.items)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self.items += [QueueItem(p, scale=scale) for p in fresh]
        self.endInsertRows()
        return list(range(first, first + len(fresh)))

    def remove_rows(self, rows: list[int]) -> None:
        for row in sorted(set(rows), reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.items[row]
            self.endRemoveRows()

    def clear(self) -> None:
        self.beginResetModel()
        self.items.clear()
        self.endResetModel()

    def row_of(self, path: Path) -> int:
        return next((i for i, item in enumerate(self.items) if item.path == path), -1)

    def changed(self, row: int) -> None:
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def update(self, row: int, **values) -> None:
        for key, value in values.items():
            setattr(self.items[row], key, value)
        self.changed(row)

    def set_scale(self, scale: int) -> None:
        for row, item in enumerate(self.items):
            if item.state != DONE:
                item.scale = scale
                self.changed(row)


class QueueDelegate(QStyledItemDelegate):
    """Thumbnail on the left; name, sizes and a coloured state line on the right; a progress bar while working."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        return QSize(option.rect.width(), ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        item: QueueItem = index.data(Qt.ItemDataRole.UserRole)
        painter.save()
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.Highlight))
        elif index.row() % 2:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.AlternateBase))
        rect = option.rect.adjusted(6, 6, -6, -6)
        thumb_rect = QRect(rect.left(), rect.top() + (rect.height() - THUMB) // 2, THUMB, THUMB)
        if item.thumbnail is not None:
            image = item.thumbnail
            target = QRect(0, 0, image.width(), image.height())
            target.moveCenter(thumb_rect.center())
            painter.drawImage(target, image)
        else:
            painter.fillRect(thumb_rect, palette.color(QPalette.ColorRole.Mid))
        text_left = thumb_rect.right() + 10
        width = rect.right() - text_left
        text_colour = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(text_colour)
        metrics = painter.fontMetrics()
        line = metrics.height()
        top = rect.top() + max(0, (rect.height() - 3 * line) // 2)
        painter.drawText(QRect(text_left, top, width, line), Qt.AlignmentFlag.AlignLeft,
                         metrics.elidedText(item.path.name, Qt.TextElideMode.ElideMiddle, width))
        painter.setFont(option.font)
        metrics = painter.fontMetrics()
        painter.drawText(QRect(text_left, top + line, width, line), Qt.AlignmentFlag.AlignLeft,
                         metrics.elidedText(item.detail_text(), Qt.TextElideMode.ElideRight, width))
        state_colour = {DONE: GOOD, FAILED: BAD, WORKING: ACCENT}.get(item.state)
        painter.setPen(text_colour if selected or state_colour is None else QColor(state_colour))
        painter.drawText(QRect(text_left, top + 2 * line, width, line), Qt.AlignmentFlag.AlignLeft,
                         metrics.elidedText(item.state_text(), Qt.TextElideMode.ElideRight, width))
        if item.state == WORKING:
            bar = QRect(text_left, rect.bottom() - 2, width, 3)
            painter.fillRect(bar, palette.color(QPalette.ColorRole.Mid))
            painter.fillRect(QRect(bar.left(), bar.top(), int(bar.width() * item.progress), bar.height()), ACCENT)
        painter.restore()


class QueueView(QListView):
    """The queue list; drops go to the window (which routes them)."""

    def __init__(self, model: QueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setItemDelegate(QueueDelegate(self))
        self.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        self.setUniformItemSizes(True)
        self.setAcceptDrops(False)
        self.setMinimumWidth(260)
