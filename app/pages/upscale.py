"""The Upscale page: a queue of images, model and output options, Start/Cancel with progress and ETA, before/after."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.catalog_store import CatalogStore
from app.formatting import duration
from app.jobs.upscale import (
    IMAGE_EXTENSIONS,
    ItemEvent,
    ItemState,
    LogEvent,
    Progress,
    QueueTask,
    RowProgress,
    choose_model,
    family_file,
    folder_images,
    keep_both_name,
    run_queue,
)
from app.pages.job_page import JobPage
from app.preview import PreviewController
from app.qimage import save_clipboard_image
from app.settings import Settings
from app.thumbnails import ThumbnailLoader
from app.widgets.compare_panel import ComparePanel
from app.widgets.empty_state import EmptyState
from app.widgets.model_picker import AUTOMATIC
from app.widgets.output_options import OutputOptionsForm, pictures_folder
from app.widgets.panes import two_panes
from app.widgets.queue_list import DONE, FAILED, WAITING, WORKING, QueueModel, QueueView
from app.widgets.workload import follow_queue
from sesr_core.errors import SesrError
from sesr_core.models.catalog import listed
from sesr_core.time_left import TimeLeft, describe_time_left

IMAGE_FILTER = "Images (" + " ".join(f"*{e}" for e in IMAGE_EXTENSIONS) + ")"


class UpscalePage(JobPage):
    """Queue images (drop, open, paste), upscale them in the background, compare before and after."""

    title = "Upscale"
    automatic_model = True

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
        self._time_left = TimeLeft()
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
        self.model_menu = QMenu("Model for this image", self.list)
        self.model_menu.aboutToShow.connect(self._fill_model_menu)
        self.list.addAction(self.model_menu.menuAction())
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
        ours = 0
        for path in paths:
            if path.is_dir():
                images, skipped = folder_images(path)
                files += images
                ours += len(skipped)
            else:
                files.append(path)
        rows = self.queue.add([f.resolve() for f in files], self.picker.scale)
        self._assign_models(rows)
        for row in rows:
            self.thumbnails.request(self.queue.items[row].path)
        left_out = f"; {ours} SESR Studio result{'s' * (ours != 1)} left out" if ours else ""
        if rows:
            if not self.busy:
                self._batch_rows = []
                self.reset_progress()
            self.settings.set("upscale/open_dir", str(files[0].parent))
            if not self.list.currentIndex().isValid():
                self.list.setCurrentIndex(self.queue.index(rows[0]))
            self.status_message.emit(f"Added {len(rows)} image{'s' if len(rows) > 1 else ''} to the queue"
                                     + left_out)
        elif paths:
            self.status_message.emit("No new images: they are queued already, or the folder has none" + left_out
                                     + ".")
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
        self._forget_batch()
        self._show_selected()
        self._update_buttons()

    def clear(self) -> None:
        if not self.busy:
            self.queue.clear()
            self._forget_batch()
            self.preview.clear()
            self._update_buttons()

    def _forget_batch(self) -> None:
        """The queue changed under the last batch: its counts, bar, time and banner no longer describe it."""
        self._batch_rows = []
        self.banner.hide()
        self.reset_progress()

    def _thumbnail_loaded(self, path: Path, image, width: int, height: int) -> None:
        row = self.queue.row_of(path)
        if row >= 0:
            self.queue.update(row, thumbnail=image, in_size=(width, height))

    def _thumbnail_failed(self, path: Path, reason: str) -> None:
        row = self.queue.row_of(path)
        if row >= 0 and self.queue.items[row].state == WAITING:
            self.queue.update(row, state=FAILED, error=reason, unreadable=True)
            self._update_buttons()

    # ------------------------------------------------------------------------------------------------ models

    def _assign_models(self, rows: list[int] | None = None) -> None:
        """Give each row (not done yet) its model: the user's for this item, else the picker's, else the automatic
        choice of ``sesr upscale --model auto`` (with its reason)."""
        scale, chosen = self.picker.scale, self.picker.entry()
        for row in range(len(self.queue.items)) if rows is None else rows:
            item = self.queue.items[row]
            if item.state == DONE:
                continue
            own = self.catalog.find(item.override) if item.override else None
            try:
                if own is not None and own.scale == scale:
                    choice = family_file(item.path, own, "chosen for this image")
                elif chosen is not None:
                    choice = family_file(item.path, chosen, "chosen in the model picker")
                else:
                    choice = choose_model(item.path, scale)
                    choice = replace(choice, reason=f"automatic: {choice.reason}")
            except SesrError as err:
                values = {"model": "", "model_path": None, "reason": str(err)}
            else:
                values = {"model": choice.name, "model_path": choice.path, "reason": choice.reason}
            self.queue.update(row, scale=scale, **values)

    def set_item_model(self, rows: list[int], name: str) -> None:
        """Use model ``name`` for these rows only (``AUTOMATIC`` or "" to follow the picker again)."""
        for row in rows:
            self.queue.items[row].override = "" if name == AUTOMATIC else name
        self._assign_models(rows)
        self._show_selected(keep_view=True)

    def _fill_model_menu(self) -> None:
        self.model_menu.clear()
        rows = [i.row() for i in self.list.selectionModel().selectedRows()] or \
            ([self.list.currentIndex().row()] if self.list.currentIndex().isValid() else [])
        follow = self.model_menu.addAction("As the model picker says")
        follow.triggered.connect(lambda: self.set_item_model(rows, ""))
        self.model_menu.addSeparator()
        for entry in listed(self.catalog.entries(self.picker.scale)):  # a family once: its file follows each image
            action = self.model_menu.addAction(entry.name + (" (per JPEG quality)" if entry.is_family else ""))
            action.setData(entry.name)
            action.setCheckable(True)
            action.setChecked(bool(rows) and all(self.queue.items[r].override == entry.name for r in rows))
            action.triggered.connect(lambda _checked=False, name=entry.name: self.set_item_model(rows, name))
        self.model_menu.setEnabled(bool(rows) and not self.busy)

    # ------------------------------------------------------------------------------------------------ batch

    def start(self, existing: str = "") -> None:
        """Upscale every item that is not done yet (unreadable files stay failed with their reason).

        When outputs already exist (and "Replace existing files" is off) the banner asks first: ``existing`` is the
        answer, "replace" or "keep" (keep both: the new file is named ``NAME_x2 (2).png``)."""
        if self.busy or self.model_missing():
            return
        options = self.options.options()
        if options.folder is not None:
            try:
                options.folder.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                self.banner.show_message(f"Cannot create the output folder '{options.folder}' ({err.strerror}); "
                                         "choose another folder.", "error")
                return
        self._assign_models()
        tasks, unreadable = [], []
        for row, item in enumerate(self.queue.items):
            if item.state == DONE:
                continue
            if item.unreadable or item.model_path is None:
                unreadable.append(row)
                self.queue.update(row, state=FAILED, error=item.error or item.reason)
                continue
            pasted = self._paste_dir is not None and item.path.parent == self._paste_dir
            folder = options.folder or (pictures_folder() if pasted else None)
            target = (replace(options, folder=folder) if folder else options).output_path(item.path, item.scale)
            tasks.append(QueueTask(row, item.path, target, item.model_path, item.model, item.reason))
        if not tasks:
            self.status_message.emit("Nothing to upscale: add images, or they are all done.")
            return
        taken = [t for t in tasks if t.target.exists()] if not options.overwrite else []
        if taken and existing not in ("replace", "keep"):
            self._ask_about_existing(taken)
            return
        if existing == "keep":
            tasks = [replace(t, target=keep_both_name(t.target)) if t in taken else t for t in tasks]
        for task in tasks:
            self.queue.update(task.row, state=WAITING, error="", progress=0.0, phase="")
        self.options.save(self.settings, "upscale")
        self._save_model()
        self.banner.hide()
        self._batch_rows = sorted([t.row for t in tasks] + unreadable)
        self._time_left = TimeLeft()
        quality = options.quality if options.extension in ("jpg", "webp", "") else None
        overwrite = options.overwrite or existing == "replace"
        scale = self.picker.scale
        thread = self.runner.start(
            lambda on_event, cancel: run_queue(tasks, scale, options.threads, quality, overwrite, on_event, cancel),
            "Upscaling")
        thread.event.connect(self._on_event)
        thread.succeeded.connect(self._on_finished)
        thread.cancelled.connect(self._on_cancelled)
        thread.failed.connect(self._job_failed)
        self.preview.cancel()
        thread.start()
        self.reset_progress("Starting…")

    def _ask_about_existing(self, taken: list[QueueTask]) -> None:
        names = ", ".join(t.target.name for t in taken[:3]) + ("…" if len(taken) > 3 else "")
        one = len(taken) == 1
        self.banner.show_message(
            f"{len(taken)} result{'' if one else 's'} already exist{'s' if one else ''} ({names}). Replace "
            f"{'it' if one else 'them'}, or keep both (the new file is named like "
            f"'{keep_both_name(taken[0].target).name}')?", "info",
            "Replace", lambda: self.start("replace"), second=("Keep both", lambda: self.start("keep")))

    def shutdown(self, milliseconds: int = 15_000) -> None:
        """Stop every background job of the page and wait for it (the window is closing)."""
        self.runner.cancel()
        self.preview.cancel()
        self.runner.wait(milliseconds)
        self.preview.runner.wait(milliseconds)
        self.thumbnails.wait(milliseconds)

    def _on_event(self, event) -> None:
        if isinstance(event, ItemEvent):
            state = DONE if event.state in (ItemState.DONE, ItemState.SKIPPED) else str(event.state)
            values: dict = {"state": state, "progress": 1.0 if state == DONE else 0.0, "phase": ""}
            if state == DONE:
                item = self.queue.items[event.index]
                size = (item.in_size[0] * item.scale, item.in_size[1] * item.scale) if item.in_size else None
                values.update(output=Path(event.output), out_size=size, seconds=event.seconds)
            if state == FAILED:
                values.update(error=event.error)
            self.queue.update(event.index, **values)
            if event.index == self.list.currentIndex().row() and state == DONE:
                self._show_selected(keep_view=True)
        elif isinstance(event, RowProgress):
            if self.queue.items[event.row].state == WORKING:
                self.queue.update(event.row, progress=min(1.0, max(0.0, event.fraction)), phase=event.phase)
        elif isinstance(event, Progress):
            self._show_progress(event.done, event.total)
        elif isinstance(event, LogEvent) and event.level == "warning":
            self.status_message.emit(event.message)

    def _show_progress(self, done: float, total: float) -> None:
        """The batch's bar: the core's count of every phase (an item is complete once its file is written), and the
        one time-left estimate (sesr_core.time_left)."""
        if not self._batch_rows or not total:
            return
        fraction = min(1.0, done / total)
        count = self._summary()
        finished = count[0] + count[1]
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(f"{finished} of {len(self._batch_rows)}  ·  {fraction * 100:.0f}%")
        left = self._time_left.update(done, total)
        self.progress_text.setText(f"Elapsed {duration(self._time_left.elapsed)}  ·  {describe_time_left(left)}")

    def _summary(self) -> tuple[int, int]:
        items = [self.queue.items[r] for r in self._batch_rows if r < len(self.queue.items)]
        return sum(i.state == DONE for i in items), sum(i.state == FAILED for i in items)

    def _on_finished(self, _result) -> None:
        done, failed = self._summary()
        self.progress.setValue(1000)
        self.progress.setFormat(f"{done + failed} of {len(self._batch_rows)}  ·  100%")
        elapsed = duration(self._time_left.elapsed)
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
                self.queue.update(row, state=WAITING, progress=0.0, phase="")
        done, _failed = self._summary()
        self.progress_text.setText(f"Cancelled: {done} done; the rest are still queued, with no partial files.")


    def _update_buttons(self) -> None:
        has_items = bool(self.queue.items)
        if not self.busy:
            waiting = sum(i.state != DONE and not i.unreadable for i in self.queue.items)
            if not has_items:
                self.progress_text.setText("Add images to start.")
            elif waiting and not self._batch_rows:
                self.progress_text.setText(f"{waiting} image{'s' if waiting > 1 else ''} to upscale: press Upscale "
                                           "(Ctrl+Return).")
        self.start_button.setEnabled(not self.busy and has_items and
                                     (self.picker.entry() is not None or self.picker.automatic))
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
        self.preview.show(item.path, item.output if item.state == DONE else None,
                          None if self.busy else item.model_path, self.options.options().threads,
                          self.picker.scale, item.model, keep_view)

    def _model_changed(self, _entry) -> None:
        self.queue.set_scale(self.picker.scale)
        self._assign_models()
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

    def model_missing(self) -> bool:
        return not self.picker.automatic and super().model_missing()

    def status_info(self):
        entry = self.picker.entry()
        if entry is None and self.picker.automatic:  # the status bar says "automatic"; the engine is the clean one's
            clean = self.catalog.preferred(self.picker.scale)
            entry = replace(clean, name="automatic") if clean is not None else None
        return entry, self.picker.scale, self.options.threads.value()

    def _restore(self) -> None:
        self.options.restore(self.settings, "upscale")
        scale = self.settings.integer("upscale/scale", 2)
        self.picker.set_scale(scale)
        name = self.settings.text("upscale/model")
        if name:
            self.picker.select(name)

    def _save_model(self) -> None:
        entry = self.picker.entry()
        if entry is not None or self.picker.automatic:
            self.settings.set("upscale/model", entry.name if entry is not None else AUTOMATIC)

    def save_settings(self) -> None:
        self.options.save(self.settings, "upscale")
        self.settings.set("upscale/scale", self.picker.scale)
        self._save_model()
