"""What the Upscale and Video pages share: a model picker, a background job with progress, Start and Cancel."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from app.catalog_store import CatalogStore
from app.jobs.threads import JobRunner
from app.settings import Settings
from app.widgets.banner import Banner
from app.widgets.eliding_label import ElidingLabel
from app.widgets.job_progress import JobProgressBar
from app.widgets.model_picker import ModelPicker


class JobPage(QWidget):
    """A page that runs one upscaling job at a time with the model chosen in its picker.

    Subclasses build their own layout around :meth:`bottom_bar`, start jobs on :attr:`runner`, and keep their
    buttons right in :meth:`_update_buttons`.
    """

    title = ""
    automatic_model = False  # the picker offers "Automatic" (a model per input)
    busy_changed = Signal(bool)
    status_message = Signal(str)
    selection_changed = Signal()

    def __init__(self, catalog: CatalogStore, settings: Settings, start_text: str, hint: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog, self.settings = catalog, settings
        self.runner = JobRunner(self)
        self.runner.busy_changed.connect(self._busy)
        self.banner = Banner()
        self.picker = ModelPicker(catalog, automatic=self.automatic_model)
        self.progress = JobProgressBar(minimum=0, maximum=1000, textVisible=True)
        self.progress.setFormat("")
        self.progress_text = ElidingLabel(hint, objectName="hint")  # a long path is shortened, never widens the window
        self.start_button = QPushButton(start_text, objectName="primary")
        self.cancel_button = QPushButton("Cancel")
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def bottom_bar(self, *buttons: QPushButton) -> QHBoxLayout:
        """Progress bar and text on the left; ``buttons``, Cancel and Start on the right."""
        bar = QHBoxLayout()
        column = QVBoxLayout()
        column.addWidget(self.progress)
        column.addWidget(self.progress_text)
        bar.addLayout(column, 1)
        for button in (*buttons, self.cancel_button, self.start_button):
            bar.addWidget(button)
        return bar

    def model_missing(self) -> bool:
        """True (and an error banner) when no model of the picked scale is installed."""
        if self.picker.entry() is not None:
            return False
        self.banner.show_message(f"No ×{self.picker.scale} model is installed; import one on the Models page or "
                                 "train one.", "error")
        return True

    def start(self) -> None:
        raise NotImplementedError

    def cancel(self) -> None:
        if self.busy:
            self.runner.cancel()
            self.progress_text.setText("Cancelling…")

    def select_model(self, name: str) -> None:
        self.picker.select(name)

    def _job_failed(self, reason: str) -> None:
        self.banner.show_message(reason, "error")
        self.reset_progress("Stopped by an error.")

    def reset_progress(self, text: str = "") -> None:
        """An empty bar and ``text``: nothing left over from a job that is gone."""
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.progress_text.setText(text)

    def _busy(self, busy: bool) -> None:
        self.progress.set_running(busy)
        self._update_buttons()
        self.busy_changed.emit(busy)

    def _update_buttons(self) -> None:
        raise NotImplementedError
