"""The main window: a sidebar of pages, menus with shortcuts, drops anywhere, a status bar, saved geometry."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from app import APP_NAME
from app.about import AboutDialog
from app.catalog_store import CatalogStore
from app.focus import chain, first_control, reading_order
from app.icons import app_icon
from app.jobs.runtime_bridge import engine_status
from app.pages.models import ModelsPage
from app.pages.train import TrainPage
from app.pages.upscale import UpscalePage
from app.pages.video import VideoPage
from app.preferences import PreferencesDialog
from app.settings import Settings
from app.shortcuts_dialog import ShortcutsDialog
from app.widgets.banner_overlay import float_banners
from app.widgets.drop_overlay import DropOverlay

DROP_TEXTS = {"Upscale": "Drop to add to the queue", "Video": "Drop to open the video",
              "Train": "Drop to open the training run", "Models": "Drop to import the model"}


class MainWindow(QMainWindow):
    """Hosts the four pages; routes shortcuts and drops to the page that can take them."""

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.settings = settings or Settings()
        self.catalog = CatalogStore(self)
        self.confirm_close = True
        self.upscale = UpscalePage(self.catalog, self.settings)
        self.video = VideoPage(self.catalog, self.settings)
        self.train = TrainPage(self.catalog, self.settings)
        self.models = ModelsPage(self.catalog, self.settings)
        self.pages = [self.upscale, self.video, self.train, self.models]

        self.navigation = QListWidget(objectName="navigation")
        self.navigation.setIconSize(QSize(22, 22))
        self.navigation.setFixedWidth(150)
        self.navigation.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab reaches it; arrows move between pages
        self.navigation.setAccessibleName("Pages")
        self.stack = QStackedWidget()
        for page in self.pages:
            item = QListWidgetItem(app_icon(page.title.lower()), page.title)
            self.navigation.addItem(item)
            self.stack.addWidget(page)
            page.busy_changed.connect(lambda _busy, p=page: self._page_busy(p))
            page.busy_changed.connect(lambda busy: busy or self._update_status())  # auto has measured by now
            if hasattr(page, "picker"):
                page.busy_changed.connect(lambda busy, p=page: busy or p.picker.refresh_estimates())
            page.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.navigation.currentRowChanged.connect(self._page_changed)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.drop_overlay = DropOverlay(self.stack)
        for page in self.pages:
            float_banners(page)

        self.model_label, self.scale_label, self.threads_label = QLabel(), QLabel(), QLabel()
        self.engine_label = QLabel()
        for label in (self.model_label, self.scale_label, self.threads_label, self.engine_label):
            label.setContentsMargins(8, 0, 8, 0)
            self.statusBar().addPermanentWidget(label)
        for page in (self.upscale, self.video):
            page.selection_changed.connect(self._update_status)
        self.train.model_added.connect(self._model_added)
        self._build_menus()
        chain([self.navigation, *(w for page in self.pages for w in reading_order(page))])
        self._restore()
        self._update_status()

    # ------------------------------------------------------------------------------------------------ menus

    def _action(self, menu, text: str, slot, shortcuts=(), icon: QIcon | None = None) -> QAction:
        action = QAction(text, self)
        if icon is not None:
            action.setIcon(icon)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_action = self._action(file_menu, "&Open…", lambda: self.current_page().open_dialog(),
                                        [QKeySequence.StandardKey.Open])
        self.paste_action = self._action(file_menu, "&Paste image", self.paste, [QKeySequence.StandardKey.Paste])
        self._action(file_menu, "Show &output folder", self.upscale.open_output_folder, ["Ctrl+Shift+O"])
        file_menu.addSeparator()
        self._action(file_menu, "P&references…", self.show_preferences, [QKeySequence.StandardKey.Preferences,
                                                                         "Ctrl+,"])
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, [QKeySequence.StandardKey.Quit])
        job_menu = bar.addMenu("&Job")
        self.start_action = self._action(job_menu, "&Start", lambda: self.current_page().start(),
                                         ["Ctrl+Return", "Ctrl+Enter"])
        self.cancel_action = self._action(job_menu, "&Cancel", self.cancel_current, ["Esc"])
        view_menu = bar.addMenu("&View")
        self._action(view_menu, "Zoom &in", lambda: self._zoom("zoom_in"), ["Ctrl++", "Ctrl+="])
        self._action(view_menu, "Zoom &out", lambda: self._zoom("zoom_out"), ["Ctrl+-"])
        self._action(view_menu, "&Fit to window", lambda: self._zoom("fit"), ["Ctrl+0"])
        self._action(view_menu, "&Actual size (1:1)", lambda: self._zoom("actual_size"), ["Ctrl+1"])
        view_menu.addSeparator()
        for index, page in enumerate(self.pages):
            self._action(view_menu, f"{page.title} page", lambda _c=False, i=index: self.show_page(i),
                         [f"Alt+{index + 1}"])
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", self.show_shortcuts, [QKeySequence.StandardKey.HelpContents])
        self._action(help_menu, f"&About {APP_NAME}", self.show_about)

    # ------------------------------------------------------------------------------------------------ pages

    def current_page(self):
        return self.stack.currentWidget()

    def show_page(self, index_or_page) -> None:
        """Show a page; unless the sidebar has the focus (arrow keys there), focus the page's first control."""
        index = index_or_page if isinstance(index_or_page, int) else self.pages.index(index_or_page)
        self.navigation.setCurrentRow(index)
        if not self.navigation.hasFocus():
            first = first_control(self.pages[index])
            if first is not None:
                first.setFocus(Qt.FocusReason.OtherFocusReason)

    def _page_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self._update_status()

    def _page_busy(self, page) -> None:
        index = self.pages.index(page)
        item = self.navigation.item(index)
        item.setText(f"{page.title}  ●" if page.busy else page.title)
        item.setToolTip("A job is running on this page." if page.busy else "")

    def _zoom(self, method: str) -> None:
        view = getattr(self.current_page(), "compare_view", None)
        if view is not None:
            getattr(view, method)()

    def cancel_current(self) -> None:
        page = self.current_page()
        if page.busy:
            page.cancel()
        else:
            for other in self.pages:  # Esc elsewhere still stops the one running job, if only one runs
                if other.busy and sum(p.busy for p in self.pages) == 1:
                    other.cancel()

    def paste(self) -> None:
        self.show_page(self.upscale)
        self.upscale.paste()

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self, self).exec()

    def show_about(self) -> None:
        AboutDialog(self).exec()

    def preferences_dialog(self) -> PreferencesDialog:
        """The Preferences dialog for the current page's model (not shown)."""
        entry, _scale, threads = self._status_page().status_info()
        return PreferencesDialog(self.settings, entry.path if entry else None, threads, self)

    def show_preferences(self) -> None:
        if self.preferences_dialog().exec():
            self._update_status()

    def _model_added(self, name: str) -> None:
        self.upscale.select_model(name)
        self.statusBar().showMessage(f"Model '{name}' added to the catalog", 10_000)

    def _status_page(self):
        return self.current_page() if self.current_page() in (self.upscale, self.video) else self.upscale

    def _update_status(self) -> None:
        entry, scale, threads = self._status_page().status_info()
        self.model_label.setText(f"Model: {entry.name}" if entry else "Model: none")
        self.scale_label.setText(f"Scale: ×{scale}")
        self.threads_label.setText(f"Threads: {threads}")
        self.engine_label.setText(engine_status(entry.path if entry else None, threads, self.settings))

    # ------------------------------------------------------------------------------------------------ drops

    def drop_target(self, paths: list[Path]):
        """The page the first droppable path would go to (models, runs, videos, then images and folders)."""
        return next((page for path in paths for page in (self.models, self.train, self.video, self.upscale)
                     if page.accepts(path)), None)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        target = self.drop_target(paths) if event.mimeData().hasUrls() else None
        if target is not None:
            self.drop_overlay.show_text(DROP_TEXTS[target.title])
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:  # noqa: N802
        self.drop_overlay.hide()
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        self.drop_overlay.hide()
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        self.open_paths(paths)

    def open_paths(self, paths: list[Path]) -> None:
        """Send each path to the page that takes it (models, runs, videos, then images and folders)."""
        remaining = list(paths)
        for page in (self.models, self.train, self.video, self.upscale):
            taken = [p for p in remaining if page.accepts(p)]
            if taken:
                page.open_paths(taken)
                self.show_page(page)
                remaining = [p for p in remaining if p not in taken]
        if remaining:
            names = ", ".join(p.name for p in remaining[:3]) + ("…" if len(remaining) > 3 else "")
            self.statusBar().showMessage(f"Not an image, video, model or run: {names}", 8000)

    # ------------------------------------------------------------------------------------------------ lifetime

    def _restore(self) -> None:
        geometry = self.settings.raw("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 820)
        self.show_page(max(0, min(len(self.pages) - 1, self.settings.integer("window/page", 0))))

    def save_settings(self) -> None:
        self.settings.set("window/geometry", self.saveGeometry())
        self.settings.set("window/page", self.navigation.currentRow())
        for page in self.pages:
            if hasattr(page, "save_settings"):
                page.save_settings()
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        running = [p for p in self.pages if p.busy]
        if running and self.confirm_close:
            names = ", ".join(p.title.lower() for p in running)
            answer = QMessageBox.question(self, "Quit SESR Studio", f"A job is running ({names}). Stop it and quit?",
                                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                          QMessageBox.StandardButton.No)  # Enter keeps the job running
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.save_settings()
        for page in self.pages:
            page.shutdown()
        event.accept()
