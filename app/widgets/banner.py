"""An in-page message strip (info, success, error) with an optional action button: never a blocking dialog."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QToolButton, QWidget

from app.theme import ACCENT, BAD, GOOD

_COLOURS = {"info": ACCENT, "success": GOOD, "error": BAD}
_ICONS = {
    "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
    "success": QStyle.StandardPixmap.SP_DialogApplyButton,
    "error": QStyle.StandardPixmap.SP_MessageBoxWarning,
}


class Banner(QFrame):
    """Hidden until ``show_message``; the close button hides it again."""

    def __init__(self, parent: QWidget | None = None, closable: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.icon = QLabel()
        self.text = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.action = QPushButton()
        self.action.hide()
        self._callback: Callable[[], None] | None = None
        self.action.clicked.connect(self._run_action)
        self.second_action = QPushButton()  # a second choice (e.g. Replace / Keep both)
        self.second_action.hide()
        self._second_callback: Callable[[], None] | None = None
        self.second_action.clicked.connect(lambda: self._second_callback() if self._second_callback else None)
        close = QToolButton(text="✕", autoRaise=True, toolTip="Dismiss")
        close.clicked.connect(self.hide)
        close.setVisible(closable)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.action, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.second_action, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.kind = ""
        self.closable = closable
        self.opaque = False  # floating over the page (app.widgets.banner_overlay): no see-through background
        self.hide()

    def show_message(self, text: str, kind: str = "info", action: str = "",
                     callback: Callable[[], None] | None = None, rich: bool = False,
                     second: tuple[str, Callable[[], None]] | None = None) -> None:
        """Show ``text``; ``action`` and ``callback`` make a button, ``second`` (text, callback) another."""
        self.kind = kind
        self.text.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
        self.text.setText(text)
        colour: QColor = _COLOURS.get(kind, ACCENT)
        self.setStyleSheet(f"QFrame#banner {{ border: 1px solid {colour.name()}; border-radius: 6px; "
                           f"background: {self._background(colour)}; }}")
        self.icon.setPixmap(self.style().standardIcon(_ICONS.get(kind, _ICONS["info"])).pixmap(20, 20))
        self._callback = callback
        self.action.setText(action)
        self.action.setVisible(bool(action and callback))
        self.second_action.setText(second[0] if second else "")
        self._second_callback = second[1] if second else None
        self.second_action.setVisible(second is not None)
        self.show()

    def _background(self, colour: QColor) -> str:
        """The kind's colour, faint: see-through in a layout, mixed into the window colour when floating."""
        if not self.opaque:
            return f"rgba({colour.red()},{colour.green()},{colour.blue()},40)"
        window = self.palette().color(QPalette.ColorRole.Window)
        mix = [round(w + (c - w) * 40 / 255) for w, c in zip(window.getRgb()[:3], colour.getRgb()[:3], strict=True)]
        return QColor(*mix).name()

    def message(self) -> str:
        return self.text.text() if not self.isHidden() else ""

    def _run_action(self) -> None:
        if self._callback is not None:
            self._callback()
