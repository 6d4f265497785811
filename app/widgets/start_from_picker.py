"""Pick the trained weights a new run starts from: nothing, a shipped model's record, one of the user's runs, or
any run folder; says what starting from it will do (fine-tune, x2 -> x4 transfer, growth) or why it cannot."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QVBoxLayout, QWidget

from app.jobs.training import TrainingRecord, read_record, shipped_records, user_runs
from sesr_core.errors import SesrError
from sesr_core.models.presets import ModelConfig, start_from_description

NOTHING = "Nothing: random weights"
OTHER = "Other run folder…"


class StartFromPicker(QWidget):
    """A combo of trained runs with a hint below; ``path()`` is the chosen run folder or ''."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setToolTip("Trained weights to start from: a shipped model's training record or one of your runs")
        self.hint = QLabel(objectName="hint", wordWrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addWidget(self.hint)
        self._records: dict[str, TrainingRecord] = {}
        self._target: ModelConfig | None = None
        self.refresh(None)
        self.combo.activated.connect(self._activated)
        self.combo.currentIndexChanged.connect(self._update_hint)

    def refresh(self, runs_dir: str | Path | None) -> None:
        """List nothing, the shipped records and the finished runs of ``runs_dir``, keeping the choice."""
        chosen = self.path()
        self.combo.blockSignals(True)
        self.combo.clear()
        self._records.clear()
        self.combo.addItem(NOTHING, "")
        for record in shipped_records() + (user_runs(runs_dir) if runs_dir else []):
            self._add(record)
        self.combo.addItem(OTHER, OTHER)
        self.combo.blockSignals(False)
        self.set_path(chosen)

    def _add(self, record: TrainingRecord) -> None:
        key = str(record.path)
        if key not in self._records:
            self._records[key] = record
            name = record.spec.model.name
            label = record.label if record.path.name.startswith(name) else f"{record.label} · {name}"
            self.combo.insertItem(self.combo.count() - (1 if self.combo.findData(OTHER) >= 0 else 0), label, key)

    def path(self) -> str:
        data = self.combo.currentData()
        return "" if data in (None, OTHER) else str(data)

    def set_path(self, path: str | Path | None) -> None:
        """Choose ``path`` (added to the list when it is a run folder not listed yet); '' or None chooses nothing."""
        key = str(Path(path)) if path else ""
        if key and key not in self._records:
            record = read_record(key)
            if record is None:
                key = ""
            else:
                self._add(record)
        self.combo.setCurrentIndex(max(0, self.combo.findData(key)))
        self._update_hint()

    def set_target(self, config: ModelConfig | None) -> None:
        """The model the form would train; the hint says how it starts from the chosen run."""
        self._target = config
        self._update_hint()

    def problem(self) -> str | None:
        """Why the chosen run cannot start the target model, or None."""
        record = self._records.get(self.path())
        if record is None or self._target is None:
            return None
        try:
            start_from_description(record.spec.model, self._target)
        except SesrError as err:
            return str(err)
        return None

    def _activated(self, index: int) -> None:
        if self.combo.itemData(index) != OTHER:
            return
        folder = QFileDialog.getExistingDirectory(self, "A training run folder (it holds spec.json)")
        record = read_record(folder) if folder else None
        if record is None:
            self.combo.setCurrentIndex(0)
            if folder:
                self.hint.setText(f"'{folder}' is not a training run with fp32 weights; choose a run folder "
                                  "that holds spec.json and checkpoints/fp32.")
            return
        self.set_path(record.path)

    def _update_hint(self) -> None:
        record = self._records.get(self.path())
        if record is None:
            self.hint.setText("Start from a shipped model to fine-tune it on your pictures, or to grow it into a "
                              "bigger preset." if self._records else "")
        elif self._target is None:
            self.hint.setText("")
        else:
            try:
                how = start_from_description(record.spec.model, self._target)
                self.hint.setText(f"Starts as {record.spec.model.name}: {how}.")
            except SesrError as err:
                self.hint.setText(str(err))
        self.changed.emit()
