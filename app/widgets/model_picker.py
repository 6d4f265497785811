"""Scale and model pickers fed by the catalog: each model shows its precision, MACs per pixel and PSNR."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from app.catalog_store import CatalogStore
from app.formatting import model_description, model_summary
from sesr_core.models.catalog import CatalogEntry

DETAILS_ROLE = Qt.ItemDataRole.UserRole + 1
AUTOMATIC = "auto"  # the combo's data for "Automatic": each input gets the model `sesr upscale --model auto` picks


class TwoLineDelegate(QStyledItemDelegate):
    """Popup rows of the model combo: the name, and under it precision, preset, MACs and PSNR."""

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:  # noqa: N802 - Qt API
        height = option.fontMetrics.height()
        return QSize(super().sizeHint(option, index).width(), height * 2 + 10)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        details = index.data(DETAILS_ROLE)
        if not details:
            return super().paint(painter, option, index)
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        if selected:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.Highlight))
        text = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        rect = option.rect.adjusted(8, 4, -8, -4)
        line = option.fontMetrics.height()
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(text)
        painter.drawText(rect.adjusted(0, 0, 0, -line), Qt.AlignmentFlag.AlignLeft, index.data())
        painter.setFont(option.font)
        muted = QColor(text)
        muted.setAlpha(170)
        painter.setPen(muted)
        painter.drawText(rect.adjusted(0, line, 0, 0), Qt.AlignmentFlag.AlignLeft, details)
        painter.restore()


class ModelPicker(QWidget):
    """A scale combo and a model combo (filtered by scale); ``changed`` fires with the chosen entry or None."""

    changed = Signal(object)

    def __init__(self, catalog: CatalogStore, parent: QWidget | None = None, automatic: bool = False) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.offers_automatic = automatic
        self.scale_combo = QComboBox()
        self.scale_combo.addItem("×2", 2)
        self.scale_combo.addItem("×4", 4)
        self.model_combo = QComboBox()
        self.model_combo.setItemDelegate(TwoLineDelegate(self.model_combo))
        self.model_combo.setMinimumContentsLength(24)
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.details = QLabel(objectName="hint", wordWrap=True)
        self._wanted = ""
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow("Scale", self.scale_combo)
        layout.addRow("Model", self.model_combo)
        layout.addRow("", self.details)
        self.scale_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.model_combo.currentIndexChanged.connect(self._model_changed)
        catalog.changed.connect(self.reload)
        catalog.renamed.connect(self._follow_rename)
        self.reload()

    def _follow_rename(self, old: str, new: str) -> None:
        """Keep a renamed model chosen (the next reload finds it under its new name)."""
        if old in (self.model_combo.currentData(), self._wanted):
            self._wanted = new

    @property
    def scale(self) -> int:
        return int(self.scale_combo.currentData())

    def set_scale(self, scale: int) -> None:
        self.scale_combo.setCurrentIndex(1 if scale == 4 else 0)

    def entry(self) -> CatalogEntry | None:
        """The chosen model (None for none, and for "Automatic")."""
        name = self.model_combo.currentData()
        return self.catalog.find(name) if name and name != AUTOMATIC else None

    @property
    def automatic(self) -> bool:
        """Whether "Automatic" (a model per input, as ``--model auto`` chooses) is picked."""
        return self.model_combo.currentData() == AUTOMATIC

    def select(self, name: str) -> None:
        """Choose a model by name (or ``AUTOMATIC``), switching the scale to its scale."""
        if name == AUTOMATIC and self.offers_automatic:
            self._wanted = AUTOMATIC
            self.reload()
            return
        entry = self.catalog.find(name)
        if entry is None:  # maybe just added by another page or the CLI
            self.catalog.refresh()
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
            self.model_combo.addItem(entry.name, entry.name)
            row = self.model_combo.count() - 1
            self.model_combo.setItemData(row, model_description(entry), DETAILS_ROLE)
            self.model_combo.setItemData(row, f"{model_summary(entry)}\n{entry.path}", Qt.ItemDataRole.ToolTipRole)
        metrics = self.model_combo.fontMetrics()
        widest = max((metrics.horizontalAdvance(self.model_combo.itemData(i, DETAILS_ROLE) or "")
                      for i in range(self.model_combo.count())), default=0)
        self.model_combo.view().setMinimumWidth(widest + 40)
        if not entries:
            self.model_combo.addItem(f"No ×{self.scale} model — import or train one", None)
        elif self.offers_automatic:
            self.model_combo.insertItem(0, "Automatic (a model per image)", AUTOMATIC)
            self.model_combo.setItemData(0, "photo model for lossy JPEG and WebP, clean model for the rest",
                                         DETAILS_ROLE)
            self.model_combo.setItemData(0, "Each image gets the model `sesr upscale --model auto` picks: the "
                                         "photo model for lossy JPEG and WebP, the clean model for the rest.",
                                         Qt.ItemDataRole.ToolTipRole)
        preferred = self.catalog.preferred(self.scale, self._wanted or wanted or "")
        if entries and self.offers_automatic and (self._wanted or wanted or AUTOMATIC) == AUTOMATIC:
            self.model_combo.setCurrentIndex(0)
        elif preferred is not None:
            self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(preferred.name)))
        self.model_combo.setEnabled(bool(entries))
        self.model_combo.blockSignals(False)
        self._model_changed()

    def _model_changed(self, _index: int = 0) -> None:
        entry = self.entry()
        if entry is not None or self.automatic:
            self._wanted = entry.name if entry is not None else AUTOMATIC
        self.details.setText(model_description(entry) if entry else
                             "Each image gets the photo or the clean model, shown in the queue." if self.automatic
                             else "")
        self.changed.emit(entry)

