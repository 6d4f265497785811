"""Scale and model pickers fed by the catalog, in the user's words: models offered by what they are for
(Recommended, Faster, Sharper, Photo) with an estimated time on this machine; the technical details one click away;
fp32 twins and experimental models only under "Show all models (advanced)"."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QWidget,
)

from app.catalog_store import CatalogStore
from app.formatting import model_description
from app.jobs import runtime_bridge
from app.model_choices import ADVANCED, BLURBS, YOURS, Choice, choices, time_phrase
from sesr_core.models.catalog import CatalogEntry

DETAILS_ROLE = Qt.ItemDataRole.UserRole + 1
HEADER_ROLE = Qt.ItemDataRole.UserRole + 2
AUTOMATIC = "auto"  # the combo's data for "Automatic": each input gets the model `sesr upscale --model auto` picks
GROUP_HEADERS = {YOURS: "Your models", ADVANCED: "All models (advanced)"}


class TwoLineDelegate(QStyledItemDelegate):
    """Popup rows of the model combo: the title, and under it what it is for and how long it takes; group headers
    as small muted captions."""

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:  # noqa: N802 - Qt API
        height = option.fontMetrics.height()
        lines = 1 if index.data(HEADER_ROLE) or not index.data(DETAILS_ROLE) else 2
        return QSize(super().sizeHint(option, index).width(), height * lines + 10)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        details = index.data(DETAILS_ROLE)
        header = bool(index.data(HEADER_ROLE))
        if not details and not header:
            return super().paint(painter, option, index)
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected) and not header
        palette = option.palette
        if selected:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.Highlight))
        text = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        muted = QColor(text)
        muted.setAlpha(170)
        rect = option.rect.adjusted(8, 4, -8, -4)
        font = QFont(option.font)
        if header:
            font.setPointSizeF(font.pointSizeF() * 0.9)
            painter.setFont(font)
            painter.setPen(muted)
            painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, index.data())
            painter.restore()
            return
        line = option.fontMetrics.height()
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(text)
        painter.drawText(rect.adjusted(0, 0, 0, -line), Qt.AlignmentFlag.AlignLeft, index.data())
        painter.setFont(option.font)
        painter.setPen(muted)
        painter.drawText(rect.adjusted(0, line, 0, 0), Qt.AlignmentFlag.AlignLeft, details)
        painter.restore()


class ModelPicker(QWidget):
    """A scale combo and a model combo (filtered by scale); ``changed`` fires with the chosen entry or None.

    ``set_workload(pixels, images)`` makes the estimates about the current queue; ``set_automatic(True)`` adds an
    "Automatic (per image)" row on top (then :meth:`entry` is None and :attr:`automatic` True when it is chosen).
    """

    changed = Signal(object)

    def __init__(self, catalog: CatalogStore, parent: QWidget | None = None, automatic: bool = False) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.scale_combo = QComboBox()
        self.scale_combo.addItem("×2", 2)
        self.scale_combo.addItem("×4", 4)
        self.model_combo = QComboBox()
        self.model_combo.setItemDelegate(TwoLineDelegate(self.model_combo))
        self.model_combo.setMinimumContentsLength(16)
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.advanced = QCheckBox("Show all models (advanced)")
        self.advanced.setToolTip("Also offer the fp32 twins and the experimental models")
        self.details = QLabel(objectName="hint", wordWrap=True)
        self.details_button = QToolButton(text="Details", checkable=True, autoRaise=True)
        self.details_button.setToolTip("Precision, cost per pixel and measured quality of the chosen model")
        self.technical = QLabel(objectName="hint", wordWrap=True,
                                textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.technical.hide()
        self.details_button.toggled.connect(self.technical.setVisible)
        self._wanted = ""
        self._automatic = automatic
        self._workload = (0, 0)
        self._threads: int | None = None
        details_row = QHBoxLayout()
        details_row.setContentsMargins(0, 0, 0, 0)
        details_row.addWidget(self.details, 1)
        details_row.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow("Scale", self.scale_combo)
        layout.addRow("Model", self.model_combo)
        layout.addRow("", details_row)
        layout.addRow("", self.technical)
        layout.addRow("", self.advanced)
        self.scale_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.model_combo.currentIndexChanged.connect(self._model_changed)
        self.advanced.toggled.connect(lambda _on: self.reload())
        catalog.changed.connect(self.reload)
        catalog.renamed.connect(self._follow_rename)
        self.reload()

    # ------------------------------------------------------------------------------------------------ API

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

    def set_automatic(self, available: bool) -> None:
        """Offer (or stop offering) "Automatic (per image)" as the first row."""
        self._automatic = available
        self.reload()

    def set_workload(self, pixels: int, images: int, threads: int | None = None) -> None:
        """The queue the estimates are about (0 images: "per 12 MP photo")."""
        if (pixels, images, threads) != (*self._workload, self._threads):
            self._workload, self._threads = (pixels, images), threads
            self.refresh_estimates()

    def refresh_estimates(self) -> None:
        """Read auto's timings again (a job has just measured the engines); the choice itself does not change."""
        self._describe_rows()
        self._describe_choice()

    def select(self, name: str) -> None:
        """Choose a model by name (or ``AUTOMATIC``), switching the scale to its scale (and to all models if it is
        not offered)."""
        if name == AUTOMATIC and self._automatic:
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
        if entry is not None and not any(c.entry.name == name for c in self._choices(False)):
            self.advanced.setChecked(True)
        self.reload()

    def rows(self) -> list[tuple[str, str | None]]:
        """(title, model name or None for a group header) of every row, for tests and screenshots."""
        return [(self.model_combo.itemText(i), self.model_combo.itemData(i)) for i in range(self.model_combo.count())]

    # ------------------------------------------------------------------------------------------------ rows

    def _choices(self, advanced: bool) -> list[Choice]:
        return choices(self.catalog.entries(), self.scale, advanced)

    def _follow_rename(self, old: str, new: str) -> None:
        """Keep a renamed model chosen (the next reload finds it under its new name)."""
        if old in (self.model_combo.currentData(), self._wanted):
            self._wanted = new

    def reload(self) -> None:
        wanted = self._wanted or self.model_combo.currentData() or ""
        combo = self.model_combo
        combo.blockSignals(True)
        combo.clear()
        rows = self._choices(self.advanced.isChecked())
        automatic = self._automatic and bool(rows)
        if automatic:
            combo.addItem("Automatic (per image)", AUTOMATIC)
            combo.setItemData(0, "photo model for lossy JPEG and WebP, clean model for the rest", DETAILS_ROLE)
            combo.setItemData(0, "Each image gets the model `sesr upscale --model auto` picks: the photo model for "
                              "lossy JPEG and WebP, the clean model for the rest.", Qt.ItemDataRole.ToolTipRole)
        group = ""
        for choice in rows:
            if choice.group in GROUP_HEADERS and choice.group != group:
                combo.addItem(GROUP_HEADERS[choice.group], None)
                header = combo.count() - 1
                combo.setItemData(header, True, HEADER_ROLE)
                model = combo.model()
                if isinstance(model, QStandardItemModel):
                    model.item(header).setEnabled(False)
            group = choice.group
            combo.addItem(choice.label, choice.entry.name)
        self._describe_rows()
        if not rows:
            combo.addItem(f"No ×{self.scale} model — import or train one", None)
        names = [c.entry.name for c in rows]
        if automatic and (wanted or AUTOMATIC) == AUTOMATIC:  # Automatic is the default where it is offered
            combo.setCurrentIndex(0)
        else:
            preferred = self.catalog.preferred(self.scale, wanted)
            if preferred is not None and preferred.name in names:
                combo.setCurrentIndex(combo.findData(preferred.name))
            elif rows:
                combo.setCurrentIndex(combo.findData(names[0]))
        combo.setEnabled(bool(rows))
        combo.blockSignals(False)
        self._model_changed()

    def _describe_rows(self) -> None:
        """Each row's second line (what it is for, the time on this machine) and its technical tooltip."""
        combo = self.model_combo
        metrics = combo.fontMetrics()
        widest = 0
        for row in range(combo.count()):
            entry = self.catalog.find(combo.itemData(row) or "")
            if entry is None:
                continue
            blurb = BLURBS.get(combo.itemText(row)) or model_description(entry)
            when = self._time(entry)
            details = " · ".join(part for part in (blurb, when) if part)
            combo.setItemData(row, details, DETAILS_ROLE)
            combo.setItemData(row, f"{entry.name}\n{model_description(entry)}", Qt.ItemDataRole.ToolTipRole)
            widest = max(widest, metrics.horizontalAdvance(details))
        combo.view().setMinimumWidth(widest + 40)

    def _time(self, entry: CatalogEntry) -> str:
        timings = runtime_bridge.engine_timings(entry.path, self._threads)  # auto's cache: never measured here
        return time_phrase(timings, *self._workload)

    def _model_changed(self, _index: int = 0) -> None:
        entry = self.entry()
        if entry is not None:
            self._wanted = entry.name
        elif self.automatic:
            self._wanted = AUTOMATIC
        self._describe_choice()
        self.changed.emit(entry)

    def _describe_choice(self) -> None:
        """The line under the combo (name and estimate) and the technical details behind the Details button."""
        entry = self.entry()
        when = self._time(entry) if entry is not None else ""
        if entry is not None:
            self.details.setText(entry.name + (f" · {when}" if when else " · speed measured on first use"))
        else:
            self.details.setText("Chooses a model for each image" if self.automatic else "")
        self.technical.setText(model_description(entry) if entry else "")
        self.details_button.setEnabled(entry is not None)
