"""Fixtures shared by the desktop-app tests (tests/test_app_*.py): an isolated user folder and settings, a window,
models installed into the catalog, and sample images. The app tests run offscreen."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


@pytest.fixture
def app_home(tmp_path, monkeypatch) -> Path:
    """A fresh SESR Studio user folder and settings file for one test (nothing of the real user's is touched)."""
    from app.settings import use_settings_folder

    home = tmp_path / "home"
    monkeypatch.setenv("SESR_STUDIO_HOME", str(home))
    use_settings_folder(tmp_path / "settings")
    return home


@pytest.fixture
def install_model(app_home):
    """``install(path, name)`` copies a .tflite and its card into the user models folder under ``name``."""
    import json

    def install(source: Path, name: str) -> Path:
        folder = app_home / "models"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{name}.tflite"
        shutil.copy(source, target)
        card = json.loads(source.with_suffix(".json").read_text())
        card.update(name=name, file=target.name)
        target.with_suffix(".json").write_text(json.dumps(card))
        return target

    return install


@pytest.fixture
def x2_model(tiny_models, install_model) -> Path:
    """The tiny x2 int8 model, installed as 'tiny-x2' in the user catalog."""
    return install_model(tiny_models.path(2, "int8"), "tiny-x2")


def close_window(window) -> None:
    for page in window.pages:
        page.shutdown()


@pytest.fixture
def make_window(qtbot, app_home):
    """``make_window()`` opens a main window (closed, with its jobs stopped, after the test)."""
    from app.settings import Settings
    from app.window import MainWindow

    windows = []

    def make():
        window = MainWindow(Settings())
        window.confirm_close = False
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        close_window(window)


@pytest.fixture
def window(make_window):
    return make_window()


@pytest.fixture
def images(tmp_path) -> Path:
    """A folder with two real photos: coffee (600x400 RGB) and camera (512x512 greyscale)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("coffee.png", "camera.png"):
        shutil.copy(SAMPLES / name, folder / name)
    return folder
