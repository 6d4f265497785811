"""The main window and the entry point: workers, shortcuts, drops, settings, palette, About, CLI face, screenshots."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtGui import QKeySequence, QPalette  # noqa: E402

from sesr_core.errors import SesrError  # noqa: E402
from sesr_core.jobs import Progress  # noqa: E402

pytest_plugins = ("tests.app_fixtures",)
SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


def test_a_job_runs_beside_a_ticking_event_loop_and_stops_on_cancel(qtbot):
    from app.jobs.threads import JobRunner

    runner = JobRunner()
    release = threading.Event()

    def job(on_event, cancel):
        step = 0
        while not cancel.cancelled:  # busy for as long as it is let
            step += 1
            on_event(Progress(step, 0))
            release.wait(0.01)
        cancel.raise_if_cancelled()

    ticks, events = [], []
    timer = QTimer(interval=5)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    thread = runner.start(job, "Spin")
    thread.event.connect(events.append)
    with qtbot.waitSignal(thread.cancelled, timeout=10_000):
        thread.start()
        qtbot.waitUntil(lambda: len(ticks) >= 20 and len(events) >= 5, timeout=10_000)
        runner.cancel()
    timer.stop()
    qtbot.waitUntil(lambda: not runner.busy)
    assert len(ticks) >= 20 and isinstance(events[0], Progress)


@pytest.mark.parametrize("error, message", [
    (SesrError("Cannot read 'x.png': the file is empty (0 bytes); re-export it."), "Cannot read 'x.png'"),
    (ZeroDivisionError("division by zero"), "Crash test failed unexpectedly (ZeroDivisionError"),
])
def test_a_failing_job_becomes_a_message(qtbot, error, message):
    from app.jobs.threads import JobRunner

    def job(_on_event, _cancel):
        raise error

    runner = JobRunner()
    thread = runner.start(job, "Crash test")
    with qtbot.waitSignal(thread.failed, timeout=10_000) as failed:
        thread.start()
    assert message in failed.args[0]
    qtbot.waitUntil(lambda: not runner.busy)


def test_shortcuts_menus_and_status_bar(window):
    shortcuts = {a.text().replace("&", ""): [s.toString() for s in a.shortcuts()] for a in window.actions()}
    assert shortcuts["Open…"] == [QKeySequence(QKeySequence.StandardKey.Open).toString()]
    assert "Ctrl+Return" in shortcuts["Start"] and shortcuts["Cancel"] == ["Esc"]
    assert "Ctrl++" in shortcuts["Zoom in"] and shortcuts["Zoom out"] == ["Ctrl+-"]
    assert shortcuts["Fit to window"] == ["Ctrl+0"] and shortcuts["Actual size (1:1)"] == ["Ctrl+1"]
    assert window.windowTitle() == "SESR Studio"
    assert [window.navigation.item(i).text() for i in range(4)] == ["Upscale", "Video", "Train", "Models"]
    assert window.scale_label.text() == "Scale: ×2" and window.threads_label.text().startswith("Threads: ")


def test_drops_go_to_the_page_that_takes_them(qtbot, window, tiny_models, images, tmp_path):
    model = tmp_path / "m.tflite"
    shutil.copy(tiny_models.path(2, "int8"), model)
    window.open_paths([model])
    assert window.current_page() is window.models and window.catalog.find("m") is not None
    window.open_paths([images])
    assert window.current_page() is window.upscale and len(window.upscale.queue.items) == 2
    window.open_paths([tmp_path / "notes.txt"])
    assert "Not an image, video, model or run" in window.statusBar().currentMessage()


def test_settings_persist_between_sessions(qtbot, make_window, x2_model, tmp_path):
    first = make_window()
    first.resize(790, 700)  # the offscreen screen is 800x800
    first.upscale.options.folder.set_path(str(tmp_path / "outputs"))
    first.upscale.options.quality.setValue(80)
    first.upscale.options.format.setCurrentIndex(first.upscale.options.format.findData("jpg"))
    first.upscale.select_model("tiny-x2")
    first.show_page(first.models)
    first.close()
    second = make_window()
    assert (second.width(), second.height()) == (790, 700)
    assert second.upscale.options.folder.path() == str(tmp_path / "outputs")
    assert second.upscale.options.quality.value() == 80
    assert second.upscale.options.format.currentData() == "jpg"
    assert second.upscale.picker.entry().name == "tiny-x2"
    assert second.current_page() is second.models


def test_dark_palette_when_the_system_is_dark(qapp, monkeypatch):
    from app.theme import apply_theme

    monkeypatch.setenv("SESR_STUDIO_THEME", "dark")
    apply_theme(qapp)
    assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 80
    monkeypatch.setenv("SESR_STUDIO_THEME", "light")
    apply_theme(qapp)
    assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 180


def test_about_lists_versions_and_licences(qtbot):
    from app.about import AboutDialog, component_versions

    names = {row[0]: row for row in component_versions()}
    assert names["SESR Studio"][2] == "Apache-2.0" and names["Qt"][2] == "LGPL-3.0"
    assert names["LiteRT"][1] != "not installed"
    from PySide6.QtWidgets import QTextBrowser

    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    text = dialog.findChild(QTextBrowser).toPlainText()
    assert "LiteRT" in text and "LGPL-3.0" in text and "libx264" in text


def test_main_prints_its_version_and_acts_as_the_cli(capsys, app_home):
    from app.main import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and "SESR Studio 0." in capsys.readouterr().out
    assert main(["models", "--json"]) == 0  # a `sesr` subcommand: the bundle's one executable is both
    assert all(m["shipped"] for m in json.loads(capsys.readouterr().out))  # no user models in a fresh home
    assert main(["info", "M5", "--scale", "2"]) == 0


def test_screenshots_render_every_page(qapp, app_home, x2_model, tmp_path, monkeypatch):
    from app.screenshots import take_screenshots

    monkeypatch.setenv("SESR_STUDIO_SCREENSHOT_RUN", str(tmp_path / "no-run"))
    assert take_screenshots(qapp, tmp_path / "shots") == 0
    names = sorted(p.name for p in (tmp_path / "shots").glob("*.png"))
    sizes = ((1024, 700), (1360, 860), (1920, 1080))
    pages = [f"{page}-{w}x{h}-{theme}.png" for page in ("models", "train", "upscale", "video") for w, h in sizes
             for theme in ("dark", "light")]
    assert names == sorted(["about.png", "preferences.png", "shortcuts.png", *pages])
    import numpy as np
    from PIL import Image

    with Image.open(tmp_path / "shots" / "upscale-1360x860-light.png") as image:
        assert image.size[0] >= 1200 and len(np.unique(np.asarray(image.convert("L")))) > 100  # a real picture


def test_the_engine_preference_is_saved_and_shown_in_the_status_bar(qapp, app_home, x2_model):
    from app.engine_setting import ENGINE_KEY, engine_request
    from app.settings import Settings
    from app.window import MainWindow

    settings = Settings()
    window = MainWindow(settings)
    window.confirm_close = False
    assert window.engine_label.text().startswith("Engine: ")
    dialog = window.preferences_dialog()
    dialog.engine.setCurrentIndex(dialog.engine.findData("openvino"))
    dialog.accept()
    assert settings.text(ENGINE_KEY) == "openvino" and engine_request(settings) == "openvino"
    window._update_status()
    assert window.engine_label.text() == "Engine: OpenVINO"
    settings.set(ENGINE_KEY, "auto")
    assert engine_request(settings) is None  # auto: SESR_ENGINE may still force one
    window.close()
