"""The Preferences dialog: which inference engine runs the models (auto, OpenVINO or LiteRT)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from app.engine_setting import ENGINE_KEY, ENGINE_OPTIONS, engine_preference
from app.jobs import runtime_bridge
from app.settings import Settings

AUTO_HINT = ("Automatic times each engine once per computer and model (about a second, on first use) and keeps "
             "the fastest; it may run a model's fp32 twin when that is faster here. A named engine runs the chosen "
             "model file as it is.")


class PreferencesDialog(QDialog):
    """Edits the engine preference; ``model_path`` is the model whose measured timings are shown."""

    def __init__(self, settings: Settings, model_path: Path | None, threads: int | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.settings = settings
        self.engine = QComboBox(objectName="engine")
        for name, label in ENGINE_OPTIONS.items():
            self.engine.addItem(label, name)
        self.engine.setCurrentIndex(list(ENGINE_OPTIONS).index(engine_preference(settings)))
        hint = QLabel(AUTO_HINT, wordWrap=True)
        hint.setStyleSheet("color: gray")
        self.timings = QLabel(self._timings_text(model_path, threads), wordWrap=True)
        form = QFormLayout()
        form.addRow("Inference engine", self.engine)
        form.addRow("", hint)
        form.addRow("Measured here", self.timings)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    @staticmethod
    def _timings_text(model_path: Path | None, threads: int | None) -> str:
        timings = runtime_bridge.engine_timings(model_path, threads)
        if not timings:
            return "Not yet: automatic measures the engines when it first upscales with this model."
        name = model_path.stem if model_path else "the model"
        rows = ", ".join(f"{label} {ms:.0f} ms" for label, ms in sorted(timings.items(), key=lambda kv: kv[1]))
        return f"{name}, per 1080p frame: {rows}."

    def selected_engine(self) -> str:
        return str(self.engine.currentData())

    def accept(self) -> None:
        self.settings.set(ENGINE_KEY, self.selected_engine())
        super().accept()
