"""A before/after view: two images in one coordinate space, a draggable split line, zoom and pan shared by both.

The "after" image defines the content size; the "before" image (the original, or its bicubic enlargement) is drawn
stretched onto the same rectangle, so both sides always show the same place at the same zoom. The original is drawn
with nearest-neighbour sampling when magnified, as its pixels really are.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QImage,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.02, 32.0
HANDLE_GRAB = 8
PAN_STEP = 0.1  # of the view's size, per arrow key
SPLIT_STEP = 0.05  # of the view's width, per Shift+arrow or [ ]


class CompareView(QWidget):
    """Shows ``before`` left of the split line and ``after`` right of it."""

    zoom_changed = Signal(float)
    content_changed = Signal()  # a picture or the message came or went

    def __init__(self, parent: QWidget | None = None, empty_text: str = "Drop images here or press Ctrl+O") -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 180)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._before: QPixmap | None = None
        self._after: QPixmap | None = None
        self._before_label = ""
        self._after_label = ""
        self._message = ""
        self._empty_text = empty_text
        self._zoom = 1.0
        self._fit = True
        self._centre = QPointF(0, 0)
        self._split = 0.5
        self._drag: str | None = None
        self._last_pos = QPointF()
        self.setAccessibleName("before/after view")
        self._add_keys()

    def _add_keys(self) -> None:
        """Arrows pan; Shift+Left/Right and [ ] move the split line (while the view has the focus)."""
        keys = [("Pan left", ["Left"], lambda: self.pan_by(self.width() * PAN_STEP, 0)),
                ("Pan right", ["Right"], lambda: self.pan_by(-self.width() * PAN_STEP, 0)),
                ("Pan up", ["Up"], lambda: self.pan_by(0, self.height() * PAN_STEP)),
                ("Pan down", ["Down"], lambda: self.pan_by(0, -self.height() * PAN_STEP)),
                ("Move the split line left", ["Shift+Left", "["], lambda: self.set_split(self._split - SPLIT_STEP)),
                ("Move the split line right", ["Shift+Right", "]"], lambda: self.set_split(self._split + SPLIT_STEP))]
        for text, shortcuts, slot in keys:
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(k) for k in shortcuts])
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    # ------------------------------------------------------------------------------------------------ content

    def set_images(self, before: QImage | None, after: QImage | None, before_label: str = "",
                   after_label: str = "", keep_view: bool = False) -> None:
        """Show a pair; ``after`` may be None (only the original is shown, full width)."""
        old_size = self.content_size()
        self._before = QPixmap.fromImage(before) if before is not None and not before.isNull() else None
        self._after = QPixmap.fromImage(after) if after is not None and not after.isNull() else None
        self._before_label, self._after_label = before_label, after_label
        if not (keep_view and old_size == self.content_size()):
            self.fit()
        self.update()
        self.content_changed.emit()

    def set_before(self, before: QImage | None, label: str) -> None:
        """Replace the left image only (original <-> bicubic), keeping zoom and position."""
        self._before = QPixmap.fromImage(before) if before is not None and not before.isNull() else None
        self._before_label = label
        self.update()

    def set_message(self, text: str) -> None:
        """A line drawn at the bottom of the view (e.g. 'Upscaling preview…'); empty to hide."""
        self._message = text
        self.update()
        self.content_changed.emit()

    def message(self) -> str:
        return self._message

    def shown_text(self) -> str:
        """The text in the middle of an empty view: the message (e.g. 'Loading coffee.png…') while something is on
        its way, else the invitation to drop images."""
        return self._message or self._empty_text

    def set_empty_text(self, text: str) -> None:
        self._empty_text = text
        self.update()

    def clear(self) -> None:
        self.set_images(None, None)

    @property
    def before_image(self) -> QPixmap | None:
        return self._before

    @property
    def after_image(self) -> QPixmap | None:
        return self._after

    @property
    def before_label(self) -> str:
        return self._before_label

    @property
    def after_label(self) -> str:
        return self._after_label

    def has_content(self) -> bool:
        return self._before is not None or self._after is not None

    def content_size(self) -> tuple[int, int]:
        """Width and height of the shared coordinate space (the after image, else the before image)."""
        image = self._after or self._before
        return (image.width(), image.height()) if image is not None else (0, 0)

    # ------------------------------------------------------------------------------------------------ zoom

    @property
    def zoom(self) -> float:
        return self._zoom

    @property
    def split(self) -> float:
        return self._split

    def set_split(self, fraction: float) -> None:
        self._split = min(1.0, max(0.0, fraction))
        self.update()

    def fit_zoom(self) -> float:
        width, height = self.content_size()
        if not width or not height:
            return 1.0
        return max(MIN_ZOOM, min(self.width() / width, self.height() / height))

    def fit(self) -> None:
        """Zoom so the whole image is visible, centred."""
        self._fit = True
        width, height = self.content_size()
        self._centre = QPointF(width / 2, height / 2)
        self._set_zoom(self.fit_zoom())

    def actual_size(self) -> None:
        """1:1 — one image pixel per screen pixel, around the current centre."""
        self.set_zoom(1.0)

    def zoom_in(self) -> None:
        self.set_zoom(self._zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self._zoom / ZOOM_STEP)

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the content point under ``anchor`` (a widget position; default the centre) in place."""
        if not self.has_content():
            return
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        before = self.to_content(anchor)
        self._fit = False
        self._set_zoom(zoom)
        after = self.to_content(anchor)
        self._centre += before - after
        self._clamp_centre()
        self.update()

    def _set_zoom(self, zoom: float) -> None:
        changed = abs(zoom - self._zoom) > 1e-9
        self._zoom = zoom
        self.update()
        if changed:
            self.zoom_changed.emit(zoom)

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the view by (dx, dy) widget pixels."""
        self._centre -= QPointF(dx / self._zoom, dy / self._zoom)
        self._fit = False
        self._clamp_centre()
        self.update()

    def centre(self) -> QPointF:
        return QPointF(self._centre)

    def set_centre(self, point: QPointF) -> None:
        """Put the content point ``point`` at the middle of the view."""
        self._centre = QPointF(point)
        self._fit = False
        self._clamp_centre()
        self.update()

    def _clamp_centre(self) -> None:
        width, height = self.content_size()
        self._centre = QPointF(min(max(self._centre.x(), 0.0), float(width)),
                               min(max(self._centre.y(), 0.0), float(height)))

    def to_content(self, point: QPointF) -> QPointF:
        """Widget position -> content (after-image) coordinates."""
        return QPointF((point.x() - self.width() / 2) / self._zoom + self._centre.x(),
                       (point.y() - self.height() / 2) / self._zoom + self._centre.y())

    def content_rect(self) -> QRectF:
        """Where the whole image lies in widget coordinates."""
        width, height = self.content_size()
        left = self.width() / 2 - self._centre.x() * self._zoom
        top = self.height() / 2 - self._centre.y() * self._zoom
        return QRectF(left, top, width * self._zoom, height * self._zoom)

    # ------------------------------------------------------------------------------------------------ events

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._fit:
            self.fit()
        super().resizeEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120
        if steps:
            self.set_zoom(self._zoom * ZOOM_STEP ** steps, event.position())
        event.accept()

    def _split_x(self) -> float:
        return self._split * self.width()

    def _both(self) -> bool:
        return self._before is not None and self._after is not None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self._last_pos = event.position()
        near_split = abs(event.position().x() - self._split_x()) <= HANDLE_GRAB
        self._drag = "split" if self._both() and near_split else "pan"
        self.setCursor(Qt.CursorShape.SplitHCursor if self._drag == "split" else Qt.CursorShape.ClosedHandCursor)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        position = event.position()
        if self._drag == "split":
            self.set_split(position.x() / max(1, self.width()))
        elif self._drag == "pan":
            delta = position - self._last_pos
            self.pan_by(delta.x(), delta.y())
        elif self._both() and abs(position.x() - self._split_x()) <= HANDLE_GRAB:
            self.setCursor(Qt.CursorShape.SplitHCursor)
        else:
            self.setCursor(Qt.CursorShape.OpenHandCursor if self.has_content() else Qt.CursorShape.ArrowCursor)
        self._last_pos = position

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._drag = None
        self.setCursor(Qt.CursorShape.OpenHandCursor if self.has_content() else Qt.CursorShape.ArrowCursor)
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._fit:
            self.set_zoom(1.0, event.position())
        else:
            self.fit()

    # ------------------------------------------------------------------------------------------------ painting

    def paintEvent(self, _event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(self.backgroundRole()).darker(115))
        if not self.has_content():
            self._paint_empty(painter)
            return
        target = self.content_rect()
        split_x = self._split_x() if self._both() else float(self.width())
        before, after = self._before, self._after
        if before is not None:
            painter.save()
            painter.setClipRect(QRectF(0, 0, split_x, self.height()))
            self._draw(painter, before, target)
            painter.restore()
        if after is not None:
            painter.save()
            painter.setClipRect(QRectF(split_x if before is not None else 0, 0, self.width(), self.height()))
            self._draw(painter, after, target)
            painter.restore()
        if self._both():
            self._paint_split(painter, split_x)
            self._paint_label(painter, self._before_label, left=True)
            self._paint_label(painter, self._after_label, left=False)
        else:
            self._paint_label(painter, self._before_label or self._after_label, left=True)
        if self._message:
            self._paint_message(painter)
        self._paint_zoom(painter)

    def _draw(self, painter: QPainter, pixmap: QPixmap, target: QRectF) -> None:
        ratio = target.width() / max(1, pixmap.width())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, ratio < 1.0)
        painter.drawPixmap(target, pixmap, QRectF(pixmap.rect()))

    def _paint_split(self, painter: QPainter, x: float) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor(0, 0, 0, 110), 3))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.setPen(QPen(QColor(255, 255, 255), 1.5))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        centre = QPointF(x, self.height() / 2)
        painter.setBrush(QColor(255, 255, 255))
        painter.setPen(QPen(QColor(0, 0, 0, 120), 1))
        painter.drawEllipse(centre, 14, 14)
        painter.setBrush(QColor(60, 60, 60))
        painter.setPen(Qt.PenStyle.NoPen)
        for direction in (-1, 1):
            tip = centre + QPointF(9 * direction, 0)
            path = QPainterPath(tip)
            path.lineTo(centre + QPointF(3 * direction, -5))
            path.lineTo(centre + QPointF(3 * direction, 5))
            path.closeSubpath()
            painter.drawPath(path)

    def _badge(self, painter: QPainter, text: str, anchor: QPointF, align_right: bool, bottom: bool = False) -> None:
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        box = QRectF(0, 0, metrics.horizontalAdvance(text) + 16, metrics.height() + 8)
        box.moveTopLeft(QPointF(anchor.x() - box.width() if align_right else anchor.x(),
                                anchor.y() - box.height() if bottom else anchor.y()))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 150))
        painter.drawRoundedRect(box, 5, 5)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_label(self, painter: QPainter, text: str, left: bool) -> None:
        if text:
            anchor = QPointF(10, 10) if left else QPointF(self.width() - 10, 10)
            self._badge(painter, text, anchor, align_right=not left)

    def _paint_message(self, painter: QPainter) -> None:
        self._badge(painter, self._message, QPointF(10, self.height() - 10), align_right=False, bottom=True)

    def _paint_zoom(self, painter: QPainter) -> None:
        text = f"{self._zoom * 100:.0f}%" + (" · fit" if self._fit else "")
        self._badge(painter, text, QPointF(self.width() - 10, self.height() - 10), align_right=True, bottom=True)

    def _paint_empty(self, painter: QPainter) -> None:
        colour = self.palette().color(self.foregroundRole())
        colour.setAlpha(140)
        painter.setPen(QPen(colour, 2, Qt.PenStyle.DashLine))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(24, 24, -24, -24), 12, 12)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        painter.setFont(font)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(self.rect().adjusted(32, 32, -32, -32), flags, self.shown_text())
