"""Keyboard and focus: Tab order from the sidebar, focus rings, keys of the compare view, a safe quit dialog and
the shortcuts table generated from the actions."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtGui import QAction, QImage, QKeySequence  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

pytest_plugins = ("tests.app_fixtures",)


@pytest.fixture
def themed(qapp):
    """The app's palette and stylesheet, as sesr-studio applies them (removed again after the test)."""
    from app.theme import apply_theme

    palette, style = qapp.palette(), qapp.style().name()
    apply_theme(qapp)
    yield qapp
    qapp.setStyleSheet("")
    qapp.setStyle(style)
    qapp.setPalette(palette)


@pytest.fixture
def active(qtbot, themed, window):
    window.resize(1024, 700)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def test_tab_goes_from_the_sidebar_to_the_pages_first_control(qtbot, active):
    window = active
    window.navigation.setFocus()
    qtbot.keyClick(window.navigation, Qt.Key.Key_Tab)
    assert QApplication.focusWidget().text() == "Add files…"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is window.navigation
    qtbot.keyClick(window.navigation, Qt.Key.Key_Down)  # arrows move between pages, the focus stays in the sidebar
    assert window.current_page() is window.video and window.navigation.hasFocus()
    qtbot.keyClick(window.navigation, Qt.Key.Key_Tab)
    assert QApplication.focusWidget().text() == "Open video…"


def test_switching_pages_by_shortcut_focuses_the_first_control(qtbot, active):
    active.show_page(active.models)
    assert QApplication.focusWidget().text() == "Import .tflite…"


def test_the_primary_button_draws_a_focus_ring(qtbot, active):
    button = active.upscale.start_button
    button.setEnabled(True)
    active.upscale.list.setFocus()
    unfocused = button.grab().toImage()
    button.setFocus()
    qtbot.waitUntil(button.hasFocus)
    assert button.grab().toImage() != unfocused


def test_the_disabled_primary_button_still_reads_as_a_button(qtbot, active):
    button = active.upscale.start_button
    assert not button.isEnabled()  # nothing queued
    image = button.grab().toImage()
    background = image.pixelColor(4, image.height() // 2)
    assert background.blue() > background.red() + 20  # greyed blue, not the window's grey
    text = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
    assert max(abs(c.lightness() - background.lightness()) for c in text) > 60  # its words can be read


def test_keys_pan_the_compare_view_and_move_its_split_line(qtbot, active):
    view = active.upscale.compare_view
    picture = QImage(400, 300, QImage.Format.Format_RGB32)
    picture.fill(Qt.GlobalColor.darkCyan)
    view.set_images(picture, picture, "Original", "Model")
    view.set_zoom(4.0)
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    before = view.centre()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.centre().x() > before.x()
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.centre().y() > before.y()
    qtbot.keyClick(view, Qt.Key.Key_BracketRight)
    assert view.split == pytest.approx(0.55)
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(view, Qt.Key.Key_BracketLeft)
    assert view.split == pytest.approx(0.45)


def test_enter_in_the_quit_dialog_keeps_a_running_job(qtbot, active, monkeypatch):
    from app.pages.upscale import UpscalePage

    monkeypatch.setattr(UpscalePage, "busy", property(lambda _self: True))
    active.confirm_close = True
    seen = {}

    def answer() -> None:
        box = QApplication.activeModalWidget()
        seen["default"] = box.defaultButton() is box.button(QMessageBox.StandardButton.No)
        qtbot.keyClick(box, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)
    assert not active.close()
    assert seen["default"] and active.isVisible()
    active.confirm_close = False


def test_the_shortcuts_table_lists_every_action(qtbot, active):
    from app.shortcuts_dialog import ShortcutsDialog, shortcut_rows

    rows = {(what, where): keys for what, keys, where in shortcut_rows(active)}
    assert "Ctrl+Return" in rows[("Start", "Anywhere in the window")]
    assert rows[("Move the split line right", "In the before/after view")] == "Shift+Right, ]"
    assert ("Remove from queue", "In the queue view") in rows
    assert ("Keyboard shortcuts", "Anywhere in the window") in rows
    every = {a.text().replace("&", "").removesuffix("…") for a in active.findChildren(QAction)
             if any(not k.isEmpty() for k in a.shortcuts())}
    assert every == {what for what, _where in rows}
    extra = QAction("Do something new", active)  # a shortcut added later shows up without editing the table
    extra.setShortcut(QKeySequence("Ctrl+Shift+N"))
    active.addAction(extra)
    dialog = ShortcutsDialog(active)
    qtbot.addWidget(dialog)
    texts = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert "Do something new" in texts and len(texts) == len(rows) + 1
