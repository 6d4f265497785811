"""Layout at 1024x700 and the polish users expect: nothing clipped, banners that float, own icons, a drag-over
highlight, no empty progress bar at rest, empty states with a button."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QImage  # noqa: E402
from PySide6.QtWidgets import QApplication, QScrollArea  # noqa: E402

pytest_plugins = ("tests.app_fixtures",)


def _at(window, size, page):
    window.resize(*size)
    window.show_page(page)
    QApplication.processEvents()


@pytest.mark.parametrize("size", [(1024, 700), (1360, 860), (1920, 1080)])
def test_the_save_as_placeholder_is_never_clipped(window, size):
    _at(window, size, window.video)
    edit = window.video.output.edit
    room = edit.contentsRect().width() - 8  # the line edit's own text margins
    assert edit.fontMetrics().horizontalAdvance(edit.placeholderText()) <= room


def test_the_compare_caption_is_not_clipped_at_1024x700(window):
    _at(window, (1024, 700), window.upscale)
    caption = window.upscale.compare.caption
    caption.setText("astronaut.png · 512×512 → 1024×1024 · SESR-M5-x2-photo-fp32 · 0.4 s · Original on the left")
    QApplication.processEvents()
    needed = caption.fontMetrics().boundingRect(caption.contentsRect(), Qt.TextFlag.TextWordWrap, caption.text())
    assert needed.width() <= caption.contentsRect().width() and needed.height() <= caption.contentsRect().height()


def test_a_banner_floats_over_the_page_instead_of_pushing_it_down(window):
    _at(window, (1024, 700), window.models)
    page = window.models
    before = page.table.mapTo(page, QPoint(0, 0))
    page.banner.show_message("Imported 'x' (×2, int8).\nA second line.", "success")
    QApplication.processEvents()
    assert page.banner.isVisible() and page.table.mapTo(page, QPoint(0, 0)) == before
    assert page.banner.geometry().top() < before.y() + 10 and page.banner.width() > page.width() * 0.9


def test_a_banner_leaves_the_train_form_its_height_at_1024x700(window):
    if window.train.form is None:
        pytest.skip("TensorFlow is not installed: no training form")
    _at(window, (1024, 700), window.train)
    scroll = window.train.findChild(QScrollArea)
    height = scroll.viewport().height()
    window.train.result.show_message("Exported 'SESR-M5-x2-run' (×2, int8): 36.90 dB on Set5.", "success")
    QApplication.processEvents()
    assert window.train.result.isVisible() and scroll.viewport().height() == height


@pytest.mark.parametrize("size", [(1024, 700), (1360, 860)])
def test_the_train_form_fits_whole_without_scrolling_or_clipping(window, size):
    pytest.importorskip("tensorflow", reason="the Train page shows its form only where training is installed")
    _at(window, size, window.train)
    form = window.train.form
    scroll = next(a for a in window.train.findChildren(QScrollArea) if a.widget() is form)
    assert form.width() >= form.sizeHint().width(), "the form's right edge is cut off"
    assert not scroll.verticalScrollBar().isVisible(), "the form needs a scroll bar"


def test_the_sidebar_has_the_apps_own_icons(window):
    from app.icons import icons_dir

    spec = (icons_dir().parents[1] / "packaging" / "sesr-studio.spec").read_text()
    assert '"resources" / "icons"), "resources/icons"' in spec  # the folder is bundled
    for row, name in enumerate(("upscale", "video", "train", "models")):
        assert (icons_dir() / f"{name}.svg").is_file()
        image = window.navigation.item(row).icon().pixmap(22, 22).toImage()
        assert not image.isNull()
        assert any(image.pixelColor(x, y).alpha() > 200 for x in range(22) for y in range(22))


def test_a_drag_over_the_window_highlights_what_a_drop_will_do(window, tmp_path, images):
    model = tmp_path / "new.tflite"
    model.write_bytes(b"x")
    for paths, text in (([model], "Drop to import the model"), ([images], "Drop to add to the queue")):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
        event = QDragEnterEvent(QPoint(300, 300), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
        window.dragEnterEvent(event)
        assert event.isAccepted() and window.drop_overlay.isVisible() and window.drop_overlay.text == text
        window.dragLeaveEvent(None)
        assert not window.drop_overlay.isVisible()


def test_no_empty_progress_bar_at_rest(window, images):
    page = window.upscale
    assert not page.progress.isVisible()
    page.open_paths([images])
    assert not page.progress.isVisible()
    page.progress.set_running(True)
    assert page.progress.isVisible()
    page.progress.set_running(False)
    page.progress.setValue(1000)  # a finished batch keeps its result
    assert page.progress.isVisible()


def test_empty_states_offer_a_button(qtbot, window, images):
    from app.widgets.empty_state import EmptyState

    page = window.upscale
    empty = page.list.viewport().findChild(EmptyState)
    assert empty.isVisible() and empty.button.text() == "Add images…" and "No images yet" in empty.text.text()
    page.open_paths([images])
    assert not empty.isVisible()
    page.clear()
    assert empty.isVisible()
    video = window.video
    window.show_page(video)
    state = video.compare_view.findChild(EmptyState)
    assert state.isVisible() and state.button.text() == "Open video…"
    video.compare_view.set_message("Upscaling the frame at 0:01…")  # loading: the message, not the button
    assert not state.isVisible()
    picture = QImage(64, 48, QImage.Format.Format_RGB32)
    video.compare_view.set_message("")
    video.compare_view.set_images(picture, None)
    assert not state.isVisible()


def test_long_paths_and_figures_never_make_the_window_wider_than_1024(window):
    """A finished job's long output path and a long run's figures wrap or reflow instead of widening the window."""
    long_path = "/home/someone/Pictures/holiday 2026/upscaled results/" + "x" * 80 + "_x2.mp4"
    for page in (window.upscale, window.video):
        page.progress_text.setText(f"Done in 0:03 (22.8 fps): {long_path}")
    window.train.stats["step"].setText("1,230,000 / 2,000,000")
    window.train.stats["elapsed"].setText("123:45:06")
    _at(window, (1024, 700), window.train)
    assert window.minimumSizeHint().width() <= 1024
    assert window.width() == 1024
    assert window.train.stat_strip.columns == 3  # two rows of figures at this width
    _at(window, (1920, 1080), window.train)
    assert window.train.stat_strip.columns == 6
