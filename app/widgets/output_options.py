"""Output options of the Upscale page: folder, format, quality, file naming, overwrite, threads."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLineEdit, QSpinBox, QWidget

from app.settings import Settings
from app.widgets.folder_field import PathField

FORMATS = [("Same as input", ""), ("PNG", "png"), ("JPEG", "jpg"), ("WebP", "webp"), ("TIFF", "tif"), ("BMP", "bmp")]
DEFAULT_PATTERN = "{name}_x{scale}"
LOSSY = ("jpg", "webp")


def pictures_folder() -> Path:
    """Where pasted images' results go when no output folder is set: Pictures/SESR Studio."""
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation) or str(Path.home())
    folder = Path(pictures) / "SESR Studio"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class OutputOptions:
    """Where and how outputs are written; ``folder`` None means beside each input."""

    folder: Path | None
    extension: str
    quality: int
    pattern: str
    overwrite: bool
    threads: int

    def output_path(self, source: Path, scale: int) -> Path:
        """The output file for ``source``: pattern with {name} and {scale}, in the folder, with the format."""
        extension = self.extension or source.suffix.lstrip(".").lower() or "png"
        try:
            stem = self.pattern.format(name=source.stem, scale=scale)
        except (KeyError, IndexError, ValueError):
            stem = DEFAULT_PATTERN.format(name=source.stem, scale=scale)
        stem = stem.replace(os.sep, "_").strip() or f"{source.stem}_x{scale}"
        return (self.folder or source.parent) / f"{stem}.{extension}"


class OutputOptionsForm(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder = PathField("folder", "Same folder as each input")
        self.format = QComboBox()
        for label, value in FORMATS:
            self.format.addItem(label, value)
        self.quality = QSpinBox(minimum=1, maximum=100, value=95, suffix=" %")
        self.quality.setToolTip("JPEG and WebP quality (WebP at 100 is lossless)")
        self.pattern = QLineEdit(DEFAULT_PATTERN)
        self.pattern.setToolTip("File name without extension: {name} is the input's name, {scale} the factor")
        self.pattern.setAcceptDrops(False)
        self.overwrite = QCheckBox("Replace existing files")
        self.threads = QSpinBox(minimum=1, maximum=max(1, os.cpu_count() or 1), value=max(1, os.cpu_count() or 1))
        self.threads.setToolTip("CPU threads the model runs on")
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow("Output folder", self.folder)
        layout.addRow("Format", self.format)
        layout.addRow("Quality", self.quality)
        layout.addRow("File name", self.pattern)
        layout.addRow("", self.overwrite)
        layout.addRow("Threads", self.threads)
        for signal in (self.folder.changed, self.format.currentIndexChanged, self.quality.valueChanged,
                       self.pattern.textChanged, self.overwrite.toggled, self.threads.valueChanged):
            signal.connect(lambda *_: self._sync())
        self._sync()

    def _sync(self) -> None:
        extension = self.format.currentData()
        self.quality.setEnabled(extension in LOSSY or extension == "")
        self.changed.emit()

    def options(self) -> OutputOptions:
        folder = self.folder.path()
        return OutputOptions(folder=Path(folder).expanduser() if folder else None,
                             extension=self.format.currentData(), quality=self.quality.value(),
                             pattern=self.pattern.text().strip() or DEFAULT_PATTERN,
                             overwrite=self.overwrite.isChecked(), threads=self.threads.value())

    def save(self, settings: Settings, group: str) -> None:
        settings.set(f"{group}/output_folder", self.folder.path())
        settings.set(f"{group}/format", self.format.currentData())
        settings.set(f"{group}/quality", self.quality.value())
        settings.set(f"{group}/pattern", self.pattern.text())
        settings.set(f"{group}/overwrite", self.overwrite.isChecked())
        settings.set("runtime/threads", self.threads.value())

    def restore(self, settings: Settings, group: str) -> None:
        self.folder.set_path(settings.text(f"{group}/output_folder"))
        self.format.setCurrentIndex(max(0, self.format.findData(settings.text(f"{group}/format"))))
        self.quality.setValue(settings.integer(f"{group}/quality", 95))
        self.pattern.setText(settings.text(f"{group}/pattern", DEFAULT_PATTERN) or DEFAULT_PATTERN)
        self.overwrite.setChecked(settings.flag(f"{group}/overwrite", False))
        self.threads.setValue(settings.integer("runtime/threads", self.threads.maximum()))
