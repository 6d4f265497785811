"""An empty state: an icon, one sentence and one button, laid over a widget while it has nothing to show."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from app.icons import app_icon


class EmptyState(QWidget):
    """Covers ``host`` (kept to its size); show or hide it, or let :meth:`follow_model` do it."""

    def __init__(self, host: QWidget, icon: str, text: str, button: str, action: Callable[[], None]) -> None:
        super().__init__(host)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        self.icon = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.icon.setPixmap(app_icon(icon).pixmap(64, 64))
        self.text = QLabel(text, objectName="hint", wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        self.button = QPushButton(button)
        self.button.clicked.connect(action)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.icon)
        layout.addWidget(self.text)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        host.installEventFilter(self)
        self.setGeometry(host.rect())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Resize and watched is self.parentWidget():
            self.setGeometry(self.parentWidget().rect())
        return False

    def follow_model(self, model: QAbstractItemModel) -> EmptyState:
        """Shown exactly while ``model`` has no rows."""

        def update(*_args) -> None:
            self.setVisible(model.rowCount() == 0)

        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(update)
        update()
        return self

    def follow_view(self, view) -> EmptyState:
        """Shown exactly while the compare ``view`` has no picture and no message (nothing is loading)."""

        def update() -> None:
            self.setVisible(not view.has_content() and not view.message())

        view.content_changed.connect(update)
        update()
        return self
