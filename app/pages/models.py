"""The Models page: the catalog of shipped and user models with their cards; import, rename and delete."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.catalog_store import CatalogStore
from app.jobs.model_library import delete_model, import_model, rename_model
from app.jobs.threads import JobRunner
from app.settings import Settings
from app.widgets.banner import Banner
from app.widgets.model_card_view import PSNR_COLUMN, card_html, psnr_dataset, psnr_heading, table_values
from sesr_core.errors import SesrError
from sesr_core.models.catalog import CatalogEntry, listed, user_models_dir

COLUMNS = ["Name", "Scale", "Preset", "Precision", "MACs/px", "PSNR (dB)", "Source"]  # PSNR: see reload


class ModelsPage(QWidget):
    """Lists every model; the selected one's card is shown beside the table."""

    title = "Models"
    busy_changed = Signal(bool)
    status_message = Signal(str)

    def __init__(self, catalog: CatalogStore, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog, self.settings = catalog, settings
        self.runner = JobRunner(self)  # no long jobs here yet; the window treats every page alike
        self.banner = Banner()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):  # full names and figures; the source note takes what is left
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.details = QTextBrowser(openExternalLinks=False)
        self.details.setAcceptDrops(False)
        self.import_button = QPushButton("Import .tflite…")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete")
        self.folder_button = QPushButton("Show models folder")
        self.import_button.clicked.connect(self.import_dialog)
        self.rename_button.clicked.connect(self.rename_dialog)
        self.delete_button.clicked.connect(lambda: self.delete_selected(confirm=True))
        self.folder_button.clicked.connect(self._show_folder)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.rename_dialog())

        buttons = QHBoxLayout()
        for button in (self.import_button, self.rename_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.folder_button)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([760, 400])
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        catalog.changed.connect(self.reload)
        self.reload()

    # ------------------------------------------------------------------------------------------------ table

    def reload(self) -> None:
        """Show the catalog again, keeping the selected model when it still exists; a JPEG-aware family once (its
        lossless entry, with the count of its files), not each of its files."""
        selected = self.selected_entry()
        entries = listed(self.catalog.entries())
        self.table.setRowCount(len(entries))
        labels = [*COLUMNS[:PSNR_COLUMN], psnr_heading(entries), *COLUMNS[PSNR_COLUMN + 1:]]
        self.table.setHorizontalHeaderLabels(labels)
        for row, entry in enumerate(entries):
            for column, value in enumerate(table_values(entry, psnr_dataset(entries))):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                item.setData(Qt.ItemDataRole.UserRole, entry.name)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if entry.shipped:
                    item.setToolTip(f"{value}\nShipped with SESR Studio: it cannot be renamed or deleted.")
                self.table.setItem(row, column, item)
        if not entries:
            self.details.setHtml("<h3>No models yet</h3><p>Import a .tflite model, or train one on the Train "
                                 f"page. User models live in <code>{user_models_dir()}</code>.</p>")
        self.select(selected.name if selected else (entries[0].name if entries else ""))
        self._selection_changed()

    def select(self, name: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == name:
                self.table.selectRow(row)
                return

    def selected_entry(self) -> CatalogEntry | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return self.catalog.find(self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole))

    def _selection_changed(self) -> None:
        entry = self.selected_entry()
        user = entry is not None and not entry.shipped
        self.rename_button.setEnabled(user)
        self.delete_button.setEnabled(user)
        if entry is not None:
            self.details.setHtml(card_html(entry))

    # ------------------------------------------------------------------------------------------------ actions

    def import_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Import SESR models", self.settings.text("models/import_dir"),
                                                "TFLite models (*.tflite)")
        if paths:
            self.settings.set("models/import_dir", str(Path(paths[0]).parent))
            self.import_files([Path(p) for p in paths])

    def import_files(self, paths: list[Path]) -> list[CatalogEntry]:
        """Import models; refusals are shown in the banner, one sentence each."""
        imported, errors = [], []
        for path in paths:
            try:
                imported.append(import_model(path))
            except SesrError as err:
                errors.append(str(err))
        self.catalog.refresh()
        if imported:
            self.select(imported[-1].name)
        if errors:
            self.banner.show_message("\n".join(errors), "error")
        elif imported:
            names = ", ".join(f"'{e.name}' (×{e.scale}, {e.precision})" for e in imported)
            self.banner.show_message(f"Imported {names}.", "success")
            self.status_message.emit(f"Imported {names}")
        return imported

    def rename_dialog(self) -> None:
        entry = self.selected_entry()
        if entry is None or entry.shipped:
            return
        name, ok = QInputDialog.getText(self, "Rename model", "New name:", text=entry.name)
        if ok:
            self.rename_selected(name)

    def rename_selected(self, new_name: str) -> CatalogEntry | None:
        entry = self.selected_entry()
        if entry is None:
            return None
        try:
            renamed = rename_model(entry, new_name)
        except SesrError as err:
            self.banner.show_message(str(err), "error")
            return None
        self.catalog.renamed.emit(entry.name, renamed.name)
        self.catalog.refresh()
        self.select(renamed.name)
        self.banner.show_message(f"Renamed '{entry.name}' to '{renamed.name}'.", "success")
        return renamed

    def delete_selected(self, confirm: bool = True) -> bool:
        entry = self.selected_entry()
        if entry is None:
            return False
        if confirm and not entry.shipped:
            answer = QMessageBox.question(self, "Delete model", f"Delete '{entry.name}' and its card? This cannot be "
                                          "undone.")
            if answer != QMessageBox.StandardButton.Yes:
                return False
        try:
            delete_model(entry)
        except SesrError as err:
            self.banner.show_message(str(err), "error")
            return False
        self.catalog.refresh()
        self.banner.show_message(f"Deleted '{entry.name}'.", "success")
        return True

    def _show_folder(self) -> None:
        folder = user_models_dir()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # ------------------------------------------------------------------------------------------------ window API

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def start(self) -> None:
        """Ctrl+Return here imports a model."""
        self.import_dialog()

    def cancel(self) -> None:
        self.runner.cancel()

    def shutdown(self, milliseconds: int = 10_000) -> None:
        self.runner.cancel()
        self.runner.wait(milliseconds)

    def open_dialog(self) -> None:
        self.import_dialog()

    def accepts(self, path: Path) -> bool:
        return path.suffix.lower() == ".tflite"

    def open_paths(self, paths: list[Path]) -> None:
        self.import_files([p for p in paths if self.accepts(p)])
