"""The training-spec form: preset or custom shape, scale, blocks, QAT, folders, schedule. Builds a TrainSpec.

Its defaults are a new run's spec (``new_run_spec()``, the same as ``sesr train``'s), and it keeps the last spec
started as one setting (``train/spec``, the spec's JSON).
"""

from __future__ import annotations

import json

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.formatting import compact
from app.jobs.training import TrainSpec, default_qat_steps, new_run_spec
from app.settings import Settings
from app.widgets.folder_field import PathField
from app.widgets.start_from_picker import StartFromPicker
from sesr_core.errors import SesrError
from sesr_core.models.presets import PRESETS, ModelConfig, collapsed_params, macs_per_pixel

CUSTOM = "Custom"
# What "Made for: Photos and JPEGs" adds to a spec: the JPEG-aware recipe, validated on JPEG-75 LR images.
PHOTO_TRAINING = {"degrade": "photo-aware", "jpeg_aware": True, "val_degrade": "jpeg=75"}


def _spin(low: int, high: int, value: int, step: int = 1) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setValue(value)
    box.setGroupSeparatorShown(True)
    return box


class TrainForm(QWidget):
    """Edits everything a TrainSpec holds that a user chooses; ``spec()`` validates and builds it."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preset = QComboBox()
        self.preset.addItems([*PRESETS, CUSTOM])
        self.m, self.f, self.p = _spin(1, 64, 5), _spin(1, 256, 16), _spin(1, 1024, 256, 16)
        self.cost = QLabel(objectName="hint")
        self.scale = QComboBox()
        self.scale.addItem("×2", 2)
        self.scale.addItem("×4", 4)
        self.init_from = StartFromPicker()
        self.blocks = QComboBox()
        self.blocks.addItem("Collapsed (fast)", "collapsed")
        self.blocks.addItem("Expanded (over-parameterised)", "expanded")
        self.activation = QComboBox()
        self.activation.addItems(["relu", "prelu"])
        self.qat = QCheckBox("Quantisation-aware fine-tuning")
        self.qat.setToolTip("Fine-tune the int8 model with simulated quantisation: the best int8 quality")
        self.qat_steps = _spin(1, 10_000_000, 200, 50)
        self.data_dirs = QListWidget()
        self.data_dirs.setMaximumHeight(62)  # two folders in view; more scroll
        self.data_dirs.setAcceptDrops(False)
        self.val_dir = PathField("folder", "HR images to score, e.g. Set5/HR")
        self.pictures = QComboBox()
        self.pictures.addItem("Clean images", "clean")
        self.pictures.addItem("Photos and JPEGs (JPEG-aware)", "photo")
        self.pictures.setToolTip(
            "Clean: trained on cleanly downscaled images, best for PNG and lossless inputs.\n"
            "Photos and JPEGs: trained on JPEG, noise and blur, told each picture's JPEG quality; exports one file "
            "per JPEG quality,\nand SESR Studio picks the one that matches each picture.")
        self.steps = _spin(1, 10_000_000, 1000, 100)
        self.batch = _spin(1, 1024, 16)
        self.patch = _spin(8, 512, 48, 8)
        self.learning_rate = QDoubleSpinBox(decimals=6, minimum=1e-6, maximum=1.0, singleStep=1e-4, value=5e-4)
        self.eval_every = _spin(1, 1_000_000, 100, 50)
        self.model_name = QLineEdit(placeholderText="automatic (preset, scale and date)")
        self.model_name.setAcceptDrops(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._model_group())
        layout.addWidget(self._data_group())
        layout.addWidget(self._schedule_group())
        layout.addStretch(1)

        for widget in (self.preset, self.scale, self.blocks, self.activation):
            widget.currentIndexChanged.connect(self._sync)
        for box in (self.m, self.f, self.p, self.steps, self.qat_steps):
            box.valueChanged.connect(self._sync)
        self.qat.toggled.connect(self._sync)
        self.set_spec(new_run_spec())

    # ------------------------------------------------------------------------------------------------ layout

    def _model_group(self) -> QGroupBox:
        group = QGroupBox("Model")
        form = QFormLayout(group)
        form.addRow("Preset", self.preset)
        shape = QHBoxLayout()
        for label, box in (("m", self.m), ("f", self.f), ("p", self.p)):
            shape.addWidget(QLabel(label))
            shape.addWidget(box, 1)
        form.addRow("Shape", shape)
        form.addRow("", self.cost)
        scale_row = QHBoxLayout()
        scale_row.addWidget(self.scale)
        made_for = QLabel("Made for")
        made_for.setBuddy(self.pictures)
        scale_row.addWidget(made_for)
        scale_row.addWidget(self.pictures, 1)
        form.addRow("Scale", scale_row)
        form.addRow("Start from", self.init_from)
        blocks_row = QHBoxLayout()
        blocks_row.addWidget(self.blocks, 1)
        activation_label = QLabel("Activation")
        activation_label.setBuddy(self.activation)
        blocks_row.addWidget(activation_label)
        blocks_row.addWidget(self.activation)
        form.addRow("Blocks", blocks_row)
        qat_row = QHBoxLayout()
        qat_row.addWidget(self.qat, 1)
        qat_row.addWidget(QLabel("steps"))
        qat_row.addWidget(self.qat_steps)
        form.addRow(qat_row)
        form.addRow("Model name", self.model_name)
        return group

    def _data_group(self) -> QGroupBox:
        group = QGroupBox("Data")
        form = QFormLayout(group)
        buttons = QVBoxLayout()
        add, remove = QPushButton("Add…"), QPushButton("Remove")
        add.clicked.connect(self._add_data_dir)
        remove.clicked.connect(lambda: [self.data_dirs.takeItem(self.data_dirs.row(i))
                                        for i in self.data_dirs.selectedItems()])
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.data_dirs, 1)
        row.addLayout(buttons)
        form.addRow("Training", row)
        form.addRow("Validation", self.val_dir)
        return group

    def _schedule_group(self) -> QGroupBox:
        """Two columns of label and field, so that the whole form fits a 1024x700 window without scrolling."""
        group = QGroupBox("Schedule")
        grid = QGridLayout(group)
        fields = (("Steps", self.steps), ("Batch size", self.batch), ("Patch (LR px)", self.patch),
                  ("Learning rate", self.learning_rate), ("Evaluate every", self.eval_every))
        for number, (label, field) in enumerate(fields):
            row, column = divmod(number, 2)
            caption = QLabel(label)
            caption.setBuddy(field)
            grid.addWidget(caption, row, 2 * column)
            grid.addWidget(field, row, 2 * column + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return group

    def _add_data_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of high-resolution training images")
        if folder:
            self.add_data_dir(folder)

    def add_data_dir(self, folder: str) -> None:
        if folder not in self.data_dir_list():
            self.data_dirs.addItem(folder)

    def data_dir_list(self) -> list[str]:
        return [self.data_dirs.item(i).text() for i in range(self.data_dirs.count())]

    # ------------------------------------------------------------------------------------------------ state

    def _sync(self) -> None:
        custom = self.preset.currentText() == CUSTOM
        if not custom:
            for box, value in zip((self.m, self.f, self.p), PRESETS[self.preset.currentText()], strict=True):
                box.blockSignals(True)
                box.setValue(value)
                box.blockSignals(False)
        for box in (self.m, self.f, self.p):
            box.setEnabled(custom)
        if self.qat.isChecked():
            self.activation.setCurrentText("relu")
        self.activation.setEnabled(not self.qat.isChecked())
        self.qat_steps.setEnabled(self.qat.isChecked())
        try:
            config = self.model_config()
            self.cost.setText(f"{compact(macs_per_pixel(config))} MACs per LR pixel · "
                              f"{compact(collapsed_params(config))} parameters")
        except SesrError as err:
            config = None
            self.cost.setText(str(err))
        self.init_from.set_target(config)
        self.changed.emit()

    def model_config(self) -> ModelConfig:
        preset = self.preset.currentText()
        return ModelConfig(m=self.m.value(), f=self.f.value(), p=self.p.value(), scale=int(self.scale.currentData()),
                           activation=self.activation.currentText(), preset="custom" if preset == CUSTOM else preset)

    def spec(self) -> TrainSpec:
        """The spec the form describes; raises SesrError with a sentence when something is missing or wrong."""
        data = self.data_dir_list()
        if not data:
            raise SesrError("Add at least one folder of high-resolution training images (Data > Training).")
        qat = self.qat.isChecked()
        photo = self.pictures.currentData() == "photo"
        problem = self.init_from.problem()
        if problem:
            raise SesrError(problem)
        return new_run_spec(
            model=self.model_config(), data_dirs=tuple(data), val_dir=self.val_dir.path() or None,
            steps=self.steps.value(), batch_size=self.batch.value(), patch_size=self.patch.value(),
            learning_rate=self.learning_rate.value(), linear_block=self.blocks.currentData(), qat=qat,
            qat_steps=self.qat_steps.value() if qat else None, init_from=self.init_from.path() or None,
            eval_every=self.eval_every.value(), **(PHOTO_TRAINING if photo else {}))

    def set_spec(self, spec: TrainSpec) -> None:
        """Show a saved spec (e.g. of a run being resumed)."""
        config = spec.model
        self.preset.setCurrentText(config.preset if config.preset in PRESETS else CUSTOM)
        self.m.setValue(config.m)
        self.f.setValue(config.f)
        self.p.setValue(config.p)
        self.scale.setCurrentIndex(0 if config.scale == 2 else 1)
        self.blocks.setCurrentIndex(0 if spec.linear_block == "collapsed" else 1)
        self.qat.setChecked(spec.qat)
        self.activation.setCurrentText(config.activation)
        self.qat_steps.setValue(spec.qat_steps or default_qat_steps(spec.steps))
        self.data_dirs.clear()
        for folder in spec.data_dirs:
            self.add_data_dir(folder)
        self.val_dir.set_path(spec.val_dir)
        self.pictures.setCurrentIndex(1 if spec.jpeg_aware else 0)
        self.init_from.set_path(spec.init_from)
        self.steps.setValue(spec.steps)
        self.batch.setValue(spec.batch_size)
        self.patch.setValue(spec.patch_size)
        self.learning_rate.setValue(spec.learning_rate)
        self.eval_every.setValue(spec.eval_every)
        self._sync()

    def save(self, settings: Settings, spec: TrainSpec) -> None:
        """Keep ``spec`` (the one just started) for the next session."""
        settings.set("train/spec", json.dumps(spec.to_dict()))

    def restore(self, settings: Settings) -> None:
        """Show the spec kept by :meth:`save`, or a new run's defaults."""
        try:
            spec = TrainSpec.from_dict(json.loads(settings.text("train/spec")))
        except (ValueError, KeyError, TypeError, SesrError):
            spec = new_run_spec()
        self.set_spec(spec)
