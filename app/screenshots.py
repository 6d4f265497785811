"""``sesr-studio --screenshots DIR``: every page with real content, rendered offscreen to PNG files.

Upscale: the sample photos, really upscaled with the catalog's model into a temporary folder, one shown before/after.
Video: a short clip made from a sample photo (with sound), its properties and a frame preview. Train: a real run
folder's plots and log (``SESR_STUDIO_SCREENSHOT_RUN``, else the newest run in the runs folder). Models: the catalog.
Settings go to a temporary folder, so the user's own are neither read nor changed.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPointF
from PySide6.QtWidgets import QApplication, QWidget

from app.demo_media import make_clip, sample_images
from app.jobs.training import default_runs_dir
from app.settings import Settings, use_settings_folder

SIZE = (1360, 860)  # where the jobs run; every page is then shot at each of SIZES, light and dark
SIZES = ((1024, 700), (1360, 860), (1920, 1080))


def wait_until(app: QApplication, condition: Callable[[], bool], timeout: float) -> bool:
    """Run the event loop until ``condition()`` or ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)
    return True


def settle(app: QApplication, seconds: float = 0.3) -> None:
    wait_until(app, lambda: False, seconds)


def save(widget: QWidget, folder: Path, name: str, written: list[Path]) -> None:
    path = folder / f"{name}.png"
    if widget.grab().save(str(path)):
        written.append(path)
    else:
        print(f"sesr-studio: could not write {path}", file=sys.stderr)


def newest_run() -> Path | None:
    chosen = os.environ.get("SESR_STUDIO_SCREENSHOT_RUN")
    if chosen:
        return Path(chosen)
    runs = default_runs_dir()
    found = [p for p in runs.glob("*/history.jsonl")] if runs.is_dir() else []
    return max(found, key=lambda p: p.stat().st_mtime).parent if found else None


def _upscale(app, window, work: Path) -> None:
    page = window.upscale
    window.show_page(page)
    page.options.folder.set_path(str(work / "out"))
    page.options.format.setCurrentIndex(1)
    page.open_paths(sample_images())
    wait_until(app, lambda: all(i.in_size or i.error for i in page.queue.items), 30)
    if page.picker.entry() is not None or page.picker.automatic:
        page.start()
        wait_until(app, lambda: not page.busy, 120)
    rows = [i for i, item in enumerate(page.queue.items) if item.path.stem == "astronaut"] or [0]
    page.list.setCurrentIndex(page.queue.index(rows[0]))
    settle(app)
    wait_until(app, lambda: not page.preview.busy, 60)
    settle(app)
    view = page.compare_view
    width, height = view.content_size()
    if width:  # the astronaut's face and badge, close enough to see pixels
        view.set_zoom(2.0)
        view.set_centre(QPointF(width * 0.52, height * 0.33))
        view.set_split(0.5)
    settle(app)


def _video(app, window, work: Path) -> None:
    from sesr_core.imaging.image_read import read_image

    page = window.video
    window.show_page(page)
    images = [p for p in sample_images() if p.stem == "coffee"] or sample_images()
    if not images:
        return
    clip = make_clip(work / "coffee-pan.mp4", read_image(images[0]).pixels, seconds=3.0, size=(480, 320))
    page.open_video(clip)
    wait_until(app, lambda: not page.preview_runner.busy, 60)
    if page.picker.entry() is not None:  # a real conversion, so the progress line shows frames and fps
        page.start()
        wait_until(app, lambda: not page.busy, 180)
    settle(app)
    page.compare_view.set_zoom(page.compare_view.fit_zoom())
    settle(app)


def _train(app, window) -> None:
    page = window.train
    window.show_page(page)
    run = newest_run()
    if run is not None and run.is_dir():
        page.show_run(run)
        page.plots.flush()
    settle(app, 0.6)


def take_screenshots(app: QApplication, folder: Path) -> int:
    """Render every page at each of :data:`SIZES`, light and dark, and the dialogs, to ``folder``; returns the exit
    status."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="sesr-screenshots-") as temp:
        work = Path(temp)
        use_settings_folder(work / "settings")
        from app.window import MainWindow

        window = MainWindow(Settings())
        window.confirm_close = False
        window.resize(*SIZE)
        window.show()
        settle(app)
        _upscale(app, window, work)
        _video(app, window, work)
        _train(app, window)
        for page in window.pages:  # the jobs' success banners would float over the controls in every picture
            page.banner.hide()
        for theme in ("light", "dark"):
            _theme(app, theme)
            for width, height in SIZES:
                window.resize(width, height)
                for page in window.pages:
                    window.show_page(page)
                    settle(app)
                    save(window, folder, f"{page.title.lower()}-{width}x{height}-{theme}", written)
        _theme(app, None)
        _dialogs(app, window, folder, written)
        window.close()
        settle(app)
    for path in written:
        print(path)
    return 0 if written else 1


def _dialogs(app: QApplication, window, folder: Path, written: list[Path]) -> None:
    from app.about import AboutDialog
    from app.shortcuts_dialog import ShortcutsDialog

    for name, dialog in (("about", AboutDialog(window)), ("preferences", window.preferences_dialog()),
                         ("shortcuts", ShortcutsDialog(window, window))):
        dialog.show()
        settle(app)
        save(dialog, folder, name, written)
        dialog.close()


def _theme(app: QApplication, theme: str | None) -> None:
    """Apply the light or dark palette (None: back to what the environment says)."""
    from app.theme import apply_theme

    if theme is None:
        os.environ.pop("SESR_STUDIO_THEME", None)
    else:
        os.environ["SESR_STUDIO_THEME"] = theme
    apply_theme(app)
    settle(app)
