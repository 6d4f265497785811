"""Shared pytest fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def shared_data_dir() -> Path:
    """The shared data folder: ``$SESR_SHARED_DATA`` if set, else ``shared/data`` beside the repository."""
    override = os.environ.get("SESR_SHARED_DATA")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(autouse=True, scope="session")
def _litert_unless_asked():
    """Tests run LiteRT unless they name an engine (auto would time the engines in every fresh user folder);
    tests/test_runtime_engines.py covers OpenVINO and auto."""
    saved = os.environ.get("SESR_ENGINE")
    os.environ.setdefault("SESR_ENGINE", "litert")
    yield
    if saved is None:
        os.environ.pop("SESR_ENGINE", None)


def image_folder(tmp_path_factory, source: Path, count: int | None = None, names: tuple[str, ...] = ()) -> Path:
    """A temporary folder of its own with the first ``count`` PNGs of ``source`` (or the files ``names``): training
    on a few real images instead of all of them keeps a test fast."""
    import shutil

    folder = tmp_path_factory.mktemp(source.name)
    for path in [source / n for n in names] or sorted(source.glob("*.png"))[:count]:
        shutil.copy(path, folder)
    return folder


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of the shared data folder; skips the test when it is absent."""
    folder = shared_data_dir()
    if not folder.is_dir():
        pytest.skip(f"shared data folder {folder} is absent (set SESR_SHARED_DATA to point at it)")
    return folder


from tests.jpeg_family import photo_family  # noqa: E402, F401  (the JPEG-aware family, or its stand-in)
from tests.runtime_models import default_model_path, tiny_models  # noqa: E402, F401  (runtime test fixtures)
