"""The Upscale page: a queue of images, model and output options, Start/Cancel with progress and ETA, before/after."""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.catalog_store import CatalogStore
from app.formatting import duration
from app.jobs.upscale import (
    IMAGE_EXTENSIONS,
    BatchTask,
    ItemEvent,
    ItemProgress,
    LogEvent,
    list_images,
    run_batch,
)
from app.pages.job_page import JobPage
from app.preview import PreviewController
from app.qimage import save_clipboard_image
from app.settings import Settings
from app.thumbnails import ThumbnailLoader
from app.widgets.compare_panel import ComparePanel
from app.widgets.empty_state import EmptyState
from app.widgets.output_options import OutputOptionsForm, pictures_folder
from app.widgets.panes import two_panes
from app.widgets.queue_list import DONE, FAILED, WAITING, WORKING, QueueModel, QueueView
from app.widgets.workload import follow_queue

IMAGE_FILTER = "Images (" + " ".join(f"*{e}" for e in IMAGE_EXTENSIONS) + ")"


class UpscalePage(JobPage):
    """Queue images (drop, open, paste), upscale them in the background, compare before and after."""

    title = "Upscale"

    def __init__(self, catalog: CatalogStore, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(catalog, settings, "Upscale", "Add images to start.", parent)
        self.queue = QueueModel(self)
        self.list = QueueView(self.queue)
        self.thumbnails = ThumbnailLoader(parent=self)
        self.thumbnails.loaded.connect(self._thumbnail_loaded)
        self.thumbnails.failed.connect(self._thumbnail_failed)
        self.options = OutputOptionsForm()
        self.compare = ComparePanel("Drop images or folders anywhere on the window,\nor press Ctrl+O to open, "
                                    "Ctrl+V to paste")
        self.compare_view = self.compare.view
        self.preview = PreviewController(self.compare, self)
        self.output_button = QPushButton("Show output folder")
        self.output_button.clicked.connect(self.open_output_folder)
        self._paste_dir: Path | None = None
        self._batch_started = 0.0
        self._batch_rows: list[int] = []
        self._restore()
        self._build()
        self.picker.changed.connect(self._model_changed)
        follow_queue(self.picker, self.queue)
        self.options.changed.connect(self.selection_changed)
        self.options.threads.valueChanged.connect(lambda n: self.settings.set("runtime/threads", n))
        self.list.doubleClicked.connect(self._open_item)
        self.list.selectionModel().currentChanged.connect(lambda *_: self._show_selected())
        self.compare.bicubic_toggled.connect(lambda _on: self._show_selected(keep_view=True))
        self._update_buttons()

    # ------------------------------------------------------------------------------------------------ layout

    def _build(self) -> None:
        tools = QHBoxLayout()
        for text, tip, slot in (("Add files…", "Open images (Ctrl+O)", self.open_dialog),
                                ("Add folder…", "Add every image of a folder", self.open_folder_dialog),
                                ("Paste", "Paste an image from the clipboard (Ctrl+V)", self.paste),
                                ("Clear", "Empty the queue", self.clear)):
            button = QToolButton(text=text, toolTip=tip)
            button.clicked.connect(slot)
            tools.addWidget(button)
        tools.addStretch(1)
        remove = QAction("Remove from queue", self.list, shortcut=QKeySequence.StandardKey.Delete,
                         shortcutContext=Qt.ShortcutContext.WidgetShortcut)
        remove.triggered.connect(self.remove_selected)
        self.list.addAction(remove)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        EmptyState(self.list.viewport(), "upscale", "No images yet: drop photos or folders anywhere on the window.",
                   "Add images…", self.open_dialog).follow_model(self.queue)
        settings_box = QGroupBox("Model and output")
        box_layout = QVBoxLayout(settings_box)
        box_layout.addWidget(self.picker)
        box_layout.addWidget(self.options)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        left_layout.addLayout(tools)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(settings_box)
        splitter = two_panes(left, self.compare, 400, 860)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        layout.addLayout(self.bottom_bar(self.output_button))

    # ------------------------------------------------------------------------------------------------ queue

    def accepts(self, path: Path) -> bool:
        return path.is_dir() or path.suffix.lower() in IMAGE_EXTENSIONS

    def open_paths(self, paths: list[Path]) -> list[int]:
        """Queue image files and the images of folders; returns the new rows."""
        files: list[Path] = []
        for path in paths:
            files += list_images(path) if path.is_dir() else [path]
        rows = self.queue.add([f.resolve() for f in files], self.picker.scale)
        for row in rows:
            self.thumbnails.request(self.queue.items[row].path)
        if rows:
            if not self.busy:
                self.progress.setValue(0)
                self.progress.setFormat("")
            self.settings.set("upscale/open_dir", str(files[0].parent))
            if not self.list.currentIndex().isValid():
                self.list.setCurrentIndex(self.queue.index(rows[0]))
            self.status_message.emit(f"Added {len(rows)} image{'s' if len(rows) > 1 else ''} to the queue")
        elif paths:
            self.status_message.emit("No new images: they are queued already, or the folder has none.")
        self._update_buttons()
        return rows

    def open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open images", self.settings.text("upscale/open_dir"),
                                                f"{IMAGE_FILTER};;All files (*)")
        if paths:
            self.open_paths([Path(p) for p in paths])

    def open_folder_dialog(self) -> None:
        start = self.settings.text("upscale/open_dir")
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of images", start)
        if folder:
            self.open_paths([Path(folder)])

    def paste(self) -> bool:
        """Queue the clipboard's image (saved as a PNG in a session folder) or its file URLs."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasUrls() and any(u.isLocalFile() for u in mime.urls()):
            return bool(self.open_paths([Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]))
        if self._paste_dir is None:
            self._paste_dir = Path(tempfile.mkdtemp(prefix="sesr-studio-pasted-"))
        target = save_clipboard_image(self._paste_dir)
        if target is None:
            self.status_message.emit("The clipboard holds no image.")
            return False
        return bool(self.open_paths([target]))

    def remove_selected(self) -> None:
        if self.busy:
            return
        self.queue.remove_rows([i.row() for i in self.list.selectionModel().selectedRows()])
        self._show_selected()
        self._update_buttons()

    def clear(self) -> None:
        if not self.busy:
            self.queue.clear()
            self.compare_view.clear()
            self._update_buttons()

    def _thumbnail_loaded(self, path: Path, image, width: int, height: int) -> None:
        row = self.queue.row_of(path)
        if row >= 0:
            self.queue.update(row, thumbnail=image, in_size=(width, height))

    def _thumbnail_failed(self, path: Path, reason: str) -> None:
        row = self.queue.row_of(path)
        if row >= 0 and self.queue.items[row].state == WAITING:
            self.queue.update(row, state=FAILED, error=reason)

    # ------------------------------------------------------------------------------------------------ batch

    def start(self) -> None:
        """Upscale every item that is not done yet."""
        if self.busy or self.model_missing():
            return
        entry = self.picker.entry()
        options = self.options.options()
        if options.folder is not None:
            try:
                options.folder.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                self.banner.show_message(f"Cannot create the output folder '{options.folder}' ({err.strerror}); "
                                         "choose another folder.", "error")
                return
        tasks = []
        for row, item in enumerate(self.queue.items):
            if item.state != DONE:
                item.scale = entry.scale
                source = item.path
                pasted = self._paste_dir is not None and source.parent == self._paste_dir
                folder = options.folder or (pictures_folder() if pasted else None)
                target = (replace(options, folder=folder) if folder else options).output_path(source, entry.scale)
                tasks.append(BatchTask(row, source, target))
                self.queue.update(row, state=WAITING, error="", progress=0.0)
        if not tasks:
            self.status_message.emit("Nothing to upscale: add images, or they are all done.")
            return
        self.options.save(self.settings, "upscale")
        self.settings.set("upscale/model", entry.name)
        self.banner.hide()
        self._batch_rows = [t.row for t in tasks]
        self._batch_started = time.monotonic()
        quality = options.quality if options.extension in ("jpg", "webp", "") else None
        thread = self.runner.start(
            lambda on_event, cancel: run_batch(tasks, entry.path, options.threads, quality, options.overwrite,
                                               on_event, cancel), "Upscaling")
        thread.event.connect(self._on_event)
        thread.succeeded.connect(self._on_finished)
        thread.cancelled.connect(self._on_cancelled)
        thread.failed.connect(self._job_failed)
        self.preview.cancel()
        thread.start()
        self._update_progress()

    def shutdown(self, milliseconds: int = 15_000) -> None:
        """Stop every background job of the page and wait for it (the window is closing)."""
        self.runner.cancel()
        self.preview.cancel()
        self.runner.wait(milliseconds)
        self.preview.runner.wait(milliseconds)
        self.thumbnails.wait(milliseconds)

    def _on_event(self, event) -> None:
        if isinstance(event, ItemEvent):
            values = {"state": event.state, "progress": 0.0 if event.state != DONE else 1.0}
            if event.state == DONE:
                values.update(output=Path(event.output), out_size=event.out_size, seconds=event.seconds)
            if event.state == FAILED:
                values.update(error=event.error)
            self.queue.update(event.row, **values)
            if event.row == self.list.currentIndex().row() and event.state == DONE:
                self._show_selected(keep_view=True)
        elif isinstance(event, ItemProgress):
            self.queue.update(event.row, progress=event.fraction)
        elif isinstance(event, LogEvent) and event.level == "warning":
            self.status_message.emit(event.message)
        self._update_progress()

    def _update_progress(self) -> None:
        if not self._batch_rows:
            return
        fraction, count = self.queue.progress(self._batch_rows)
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(f"{count} of {len(self._batch_rows)}  ·  {fraction * 100:.0f}%")
        elapsed = time.monotonic() - self._batch_started
        eta = elapsed * (1 - fraction) / fraction if fraction > 0.02 and self.busy else None
        if self.busy:
            self.progress_text.setText(f"Elapsed {duration(elapsed)}  ·  about {duration(eta)} left"
                                       if eta is not None else f"Elapsed {duration(elapsed)}  ·  estimating…")

    def _summary(self) -> tuple[int, int]:
        items = [self.queue.items[r] for r in self._batch_rows if r < len(self.queue.items)]
        return sum(i.state == DONE for i in items), sum(i.state == FAILED for i in items)

    def _on_finished(self, _result) -> None:
        done, failed = self._summary()
        elapsed = duration(time.monotonic() - self._batch_started)
        self.progress_text.setText(f"Finished in {elapsed}: {done} done" + (f", {failed} failed" if failed else ""))
        if failed:
            reasons = [f"{i.path.name}: {i.error}" for i in self.queue.items if i.state == FAILED][:5]
            self.banner.show_message(f"{failed} image{'s' if failed > 1 else ''} could not be upscaled:\n"
                                     + "\n".join(reasons), "error")
        else:
            self.banner.show_message(f"{done} image{'s' if done != 1 else ''} upscaled.", "success",
                                     "Show output folder", self.open_output_folder)
        self.status_message.emit(self.progress_text.text())

    def _on_cancelled(self, _partial: object = None) -> None:
        for row in self._batch_rows:
            if row < len(self.queue.items) and self.queue.items[row].state == WORKING:
                self.queue.update(row, state=WAITING, progress=0.0)
        done, _failed = self._summary()
        self.progress_text.setText(f"Cancelled: {done} done; the rest are still queued, with no partial files.")

    def _busy(self, busy: bool) -> None:
        super()._busy(busy)
        if not busy:
            self._update_progress()

    def _update_buttons(self) -> None:
        has_items = bool(self.queue.items)
        if not self.busy:
            waiting = sum(i.state != DONE for i in self.queue.items)
            if not has_items:
                self.progress_text.setText("Add images to start.")
            elif waiting and not self.progress.value():
                self.progress_text.setText(f"{waiting} image{'s' if waiting > 1 else ''} to upscale: press Upscale "
                                           "(Ctrl+Return).")
        self.start_button.setEnabled(not self.busy and has_items and self.picker.entry() is not None)
        self.cancel_button.setEnabled(self.busy)
        self.picker.setEnabled(not self.busy)
        self.options.setEnabled(not self.busy)

    # ------------------------------------------------------------------------------------------------ preview

    def _show_selected(self, keep_view: bool = False) -> None:
        index = self.list.currentIndex()
        if not index.isValid() or index.row() >= len(self.queue.items):
            self.compare_view.clear()
            return
        item = self.queue.items[index.row()]
        entry = self.picker.entry()
        self.preview.show(item.path, item.output if item.state == DONE else None,
                          None if self.busy or entry is None else entry.path, self.options.options().threads,
                          entry.scale if entry else self.picker.scale, entry.name if entry else "", keep_view)

    def _model_changed(self, _entry) -> None:
        self.queue.set_scale(self.picker.scale)
        self._update_buttons()
        self.selection_changed.emit()
        self._show_selected(keep_view=True)

    # ------------------------------------------------------------------------------------------------ outputs

    def output_folder(self) -> Path | None:
        options = self.options.options()
        if options.folder is not None:
            return options.folder
        done = [i.output for i in self.queue.items if i.output is not None]
        return done[-1].parent if done else (self.queue.items[0].path.parent if self.queue.items else None)

    def _open_item(self, index) -> None:
        """Double-click: open the output when the item is done, else the input, in the system viewer."""
        item = self.queue.items[index.row()]
        path = item.output if item.state == DONE and item.output else item.path
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def open_output_folder(self) -> None:
        folder = self.output_folder()
        if folder is not None and folder.is_dir():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # ------------------------------------------------------------------------------------------------ window API

    def status_info(self):
        return self.picker.entry(), self.picker.scale, self.options.threads.value()

    def _restore(self) -> None:
        self.options.restore(self.settings, "upscale")
        scale = self.settings.integer("upscale/scale", 2)
        self.picker.set_scale(scale)
        name = self.settings.text("upscale/model")
        if name:
            self.picker.select(name)

    def save_settings(self) -> None:
        self.options.save(self.settings, "upscale")
        self.settings.set("upscale/scale", self.picker.scale)
        entry = self.picker.entry()
        if entry is not None:
            self.settings.set("upscale/model", entry.name)
