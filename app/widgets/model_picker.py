"""Scale and model pickers fed by the catalog: each model shows its precision, MACs per pixel and PSNR."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QWidget

from app.catalog_store import CatalogStore
from app.formatting import model_summary
from sesr_core.catalog import CatalogEntry


class ModelPicker(QWidget):
    """A scale combo and a model combo (filtered by scale); ``changed`` fires with the chosen entry or None."""

    changed = Signal(object)

    def __init__(self, catalog: CatalogStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.scale_combo = QComboBox()
        self.scale_combo.addItem("×2", 2)
        self.scale_combo.addItem("×4", 4)
        self.model_combo = QComboBox()
        self.model_combo.setMinimumContentsLength(24)
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self._wanted = ""
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow("Scale", self.scale_combo)
        layout.addRow("Model", self.model_combo)
        self.scale_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.model_combo.currentIndexChanged.connect(self._model_changed)
        catalog.changed.connect(self.reload)
        self.reload()

    @property
    def scale(self) -> int:
        return int(self.scale_combo.currentData())

    def set_scale(self, scale: int) -> None:
        self.scale_combo.setCurrentIndex(1 if scale == 4 else 0)

    def entry(self) -> CatalogEntry | None:
        name = self.model_combo.currentData()
        return self.catalog.find(name) if name else None

    def select(self, name: str) -> None:
        """Choose a model by name, switching the scale to its scale."""
        entry = self.catalog.find(name)
        self._wanted = name
        if entry is not None and entry.scale != self.scale:
            self.set_scale(entry.scale)
        self.reload()

    def reload(self) -> None:
        wanted = self.model_combo.currentData() or self._wanted
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        entries = self.catalog.entries(self.scale)
        for entry in entries:
            self.model_combo.addItem(model_summary(entry), entry.name)
            self.model_combo.setItemData(self.model_combo.count() - 1, str(entry.path), 3)  # tooltip role
        if not entries:
            self.model_combo.addItem(f"No ×{self.scale} model — import or train one", None)
        preferred = self.catalog.preferred(self.scale, self._wanted or wanted or "")
        if preferred is not None:
            self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(preferred.name)))
        self.model_combo.setEnabled(bool(entries))
        self.model_combo.blockSignals(False)
        self._model_changed()

    def _model_changed(self, _index: int = 0) -> None:
        entry = self.entry()
        if entry is not None:
            self._wanted = entry.name
        self.changed.emit(entry)
