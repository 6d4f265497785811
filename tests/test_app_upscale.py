"""The Upscale page: drop images, upscale them like `sesr upscale`, cancel cleanly, report bad files, compare view."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.widgets.queue_list import DONE, FAILED, WAITING  # noqa: E402
from sesr_core.imaging.image_read import read_image  # noqa: E402

pytest_plugins = ("tests.app_fixtures",)
SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


def drop(window, paths: list[Path]) -> None:
    """A real drag-and-drop of files onto the window."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    centre = QPointF(window.width() / 2, window.height() / 2)
    enter = QDragEnterEvent(centre.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(centre, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)


class Ticks:
    """Counts GUI timer ticks: proof that the event loop keeps running while a job works."""

    def __init__(self) -> None:
        self.count = 0
        self.timer = QTimer(interval=10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        self.count += 1


def run_batch(qtbot, page, timeout=60_000) -> None:
    page.start()
    assert page.busy
    qtbot.waitUntil(lambda: not page.busy, timeout=timeout)


def test_dropped_images_come_out_like_the_cli(qtbot, window, x2_model, images, tmp_path):
    page = window.upscale
    drop(window, [images / "coffee.png", images / "camera.png"])
    assert window.current_page() is page
    assert [i.path.name for i in page.queue.items] == ["coffee.png", "camera.png"]
    qtbot.waitUntil(lambda: all(i.in_size for i in page.queue.items))
    assert page.queue.items[0].in_size == (600, 400) and page.queue.items[0].thumbnail is not None
    assert page.queue.items[0].size_text() == "600×400 → 1200×800"
    page.select_model("tiny-x2")
    page.options.folder.set_path(str(tmp_path / "out"))
    assert window.model_label.text() == "Model: tiny-x2"

    ticks = Ticks()
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Return starts
    if not page.busy:  # no active window on some offscreen setups: the action is what the shortcut triggers
        window.start_action.trigger()
    assert page.busy
    before = ticks.count
    qtbot.waitUntil(lambda: not page.busy, timeout=60_000)
    assert ticks.count > before, "the event loop stalled during the job"
    assert [i.state for i in page.queue.items] == [DONE, DONE]
    assert page.queue.items[0].out_size == (1200, 800)
    assert "2 images upscaled" in page.banner.message()

    cli_out = tmp_path / "cli"
    from sesr_core.cli import main as sesr

    if "upscale" not in __import__("app.main", fromlist=["sesr_commands"]).sesr_commands():
        pytest.skip("the `sesr upscale` command is not there yet")
    assert sesr(["upscale", str(images / "coffee.png"), str(images / "camera.png"), "-o", str(cli_out),
                 "--model", str(x2_model)]) == 0
    for name in ("coffee_x2.png", "camera_x2.png"):
        ours, theirs = read_image(tmp_path / "out" / name), read_image(cli_out / name)
        source = read_image(images / name.replace("_x2", ""))
        assert ours.pixels.shape[:2] == (source.pixels.shape[0] * 2, source.pixels.shape[1] * 2)
        np.testing.assert_array_equal(ours.pixels, theirs.pixels)


def test_cancel_mid_batch_leaves_no_partial_file(qtbot, window, x2_model, tmp_path):
    big = read_image(SAMPLES / "astronaut.png").pixels
    folder = tmp_path / "many"
    folder.mkdir()
    from sesr_core.imaging.image_write import write_image

    tiled = np.tile(big, (1, 2, 1))  # 512x1024 photos: a batch long enough to cancel in its middle
    for number in range(10):
        write_image(folder / f"photo{number}.png", np.roll(tiled, number * 7, axis=1))
    page = window.upscale
    page.open_paths([folder])
    page.select_model("tiny-x2")
    out = tmp_path / "out"
    page.options.folder.set_path(str(out))
    qtbot.waitUntil(lambda: all(i.in_size for i in page.queue.items))
    page.start()
    qtbot.waitUntil(lambda: page.queue.items[0].state == DONE, timeout=60_000)
    window.cancel_action.trigger()  # Esc
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)
    states = [i.state for i in page.queue.items]
    assert WAITING in states and FAILED not in states
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(f"{i.path.stem}_x2.png" for i in page.queue.items if i.state == DONE)
    for path in out.iterdir():  # every file there is complete
        assert read_image(path).pixels.shape == (1024, 2048, 3)
    assert "Cancelled" in page.progress_text.text()


def test_a_bad_file_is_reported_and_the_others_are_done(qtbot, window, x2_model, images, tmp_path):
    (images / "notes.png").write_text("this is not an image")
    (images / "empty.jpg").write_bytes(b"")
    page = window.upscale
    page.open_paths([images])
    page.select_model("tiny-x2")
    page.options.folder.set_path(str(tmp_path / "out"))
    qtbot.waitUntil(lambda: all(i.in_size or i.error for i in page.queue.items))
    run_batch(qtbot, page)
    states = {i.path.name: i for i in page.queue.items}
    assert states["coffee.png"].state == DONE and states["camera.png"].state == DONE
    for name in ("notes.png", "empty.jpg"):
        assert states[name].state == FAILED
        assert name in states[name].error and "Traceback" not in states[name].error
    assert "2 images could not be upscaled" in page.banner.message()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["camera_x2.png", "coffee_x2.png"]


def test_compare_view_zooms_pans_and_splits_both_sides_together(qtbot, window, x2_model, images, tmp_path):
    page = window.upscale
    page.select_model("tiny-x2")
    page.options.folder.set_path(str(tmp_path / "out"))
    page.open_paths([images / "coffee.png"])
    view = page.compare_view
    qtbot.waitUntil(lambda: view.content_size() == (1200, 800) and not page.preview.busy, timeout=30_000)
    assert view.before_image is not None and view.after_image is not None  # in-memory preview before any run
    window.activateWindow()
    view.fit()
    fit = view.zoom
    window._zoom("actual_size")  # Ctrl+1
    assert view.zoom == 1.0
    window._zoom("zoom_in")
    assert view.zoom == pytest.approx(1.25)
    centre = view.centre()
    view.pan_by(100, 0)  # one transform for both images: panning moves both
    assert view.centre().x() == pytest.approx(centre.x() - 80)
    window._zoom("fit")
    assert view.zoom == pytest.approx(fit)

    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(int(view.width() * 0.5), view.height() // 2))
    qtbot.mouseMove(view, QPoint(int(view.width() * 0.25), view.height() // 2))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(int(view.width() * 0.25), view.height() // 2))
    assert view.split == pytest.approx(0.25, abs=0.01)

    page.compare.bicubic_button.click()
    qtbot.waitUntil(lambda: view.before_label.startswith("Bicubic"), timeout=30_000)
    assert view.before_image.width() == 1200  # the bicubic image is already at output size
    image = view.grab().toImage()
    assert not image.isNull()
    page.compare.original_button.click()
    qtbot.waitUntil(lambda: view.before_label == "Original")


def test_paste_an_image_from_the_clipboard(qtbot, window):
    image = QImage(str(SAMPLES / "coffee.png"))
    QGuiApplication.clipboard().setImage(image)
    window.paste()
    page = window.upscale
    assert len(page.queue.items) == 1 and page.queue.items[0].path.name.startswith("pasted-")
    qtbot.waitUntil(lambda: page.queue.items[0].in_size == (600, 400))


def test_output_names_follow_the_pattern_and_format(tmp_path):
    from app.widgets.output_options import OutputOptions

    options = OutputOptions(folder=None, extension="", quality=90, pattern="{name}_x{scale}", overwrite=False,
                            threads=1)
    assert options.output_path(tmp_path / "a.JPG", 2) == tmp_path / "a_x2.jpg"
    jpeg = OutputOptions(folder=tmp_path / "o", extension="webp", quality=90, pattern="big-{name}", overwrite=False,
                         threads=1)
    assert jpeg.output_path(tmp_path / "a.png", 4) == tmp_path / "o" / "big-a.webp"


def test_two_inputs_with_one_output_name_do_not_overwrite_each_other(qtbot, window, x2_model, tmp_path):
    folder = tmp_path / "same"
    folder.mkdir()
    shutil.copy(SAMPLES / "coffee.png", folder / "pic.png")
    shutil.copy(SAMPLES / "rocket.jpg", folder / "pic.jpg")
    page = window.upscale
    page.open_paths([folder])
    page.select_model("tiny-x2")
    page.options.folder.set_path(str(tmp_path / "out"))
    page.options.format.setCurrentIndex(page.options.format.findData("png"))
    run_batch(qtbot, page)
    assert sorted(i.state for i in page.queue.items) == [DONE, FAILED]
    assert "same name" in next(i.error for i in page.queue.items if i.state == FAILED)
