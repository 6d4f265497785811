"""The compare view with its toolbar: original/bicubic switch, zoom buttons and the zoom level."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from app.widgets.compare_view import CompareView


class ComparePanel(QWidget):
    """``bicubic_toggled(bool)`` fires when the user switches the left side between original and bicubic."""

    bicubic_toggled = Signal(bool)

    def __init__(self, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = CompareView(empty_text=empty_text)
        self.original_button = QToolButton(text="Original", checkable=True, checked=True)
        self.bicubic_button = QToolButton(text="Bicubic", checkable=True)
        self.original_button.setToolTip("Left side: the input's own pixels, enlarged without smoothing")
        self.bicubic_button.setToolTip("Left side: the input enlarged with bicubic interpolation, the classic "
                                       "baseline")
        group = QButtonGroup(self)
        group.setExclusive(True)
        group.addButton(self.original_button)
        group.addButton(self.bicubic_button)
        self.bicubic_button.toggled.connect(self.bicubic_toggled)
        self.caption = QLabel(objectName="hint", wordWrap=True)  # its own line, wrapped: never clipped
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # never widens the page
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        self.original_button.setMinimumWidth(64)
        bar.addWidget(self.original_button)
        bar.addWidget(self.bicubic_button)
        bar.addStretch(1)
        for text, tip, slot in (("−", "Zoom out (Ctrl+-)", self.view.zoom_out),
                                ("Fit", "Fit to window (Ctrl+0)", self.view.fit),
                                ("1:1", "Actual pixels (Ctrl+1)", self.view.actual_size),
                                ("+", "Zoom in (Ctrl++)", self.view.zoom_in)):
            button = QToolButton(text=text, toolTip=tip, autoRaise=True)
            button.setMinimumWidth(28)
            button.clicked.connect(slot)
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)

    @property
    def bicubic(self) -> bool:
        return self.bicubic_button.isChecked()

    def set_bicubic(self, on: bool) -> None:
        (self.bicubic_button if on else self.original_button).setChecked(True)

    def before_label(self) -> str:
        return "Bicubic" if self.bicubic else "Original"
