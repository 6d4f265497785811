"""Shared pytest fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def shared_data_dir() -> Path:
    """The shared data folder: ``$SESR_SHARED_DATA`` if set, else ``shared/data`` beside the repository."""
    override = os.environ.get("SESR_SHARED_DATA")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of the shared data folder; skips the test when it is absent."""
    folder = shared_data_dir()
    if not folder.is_dir():
        pytest.skip(f"shared data folder {folder} is absent (set SESR_SHARED_DATA to point at it)")
    return folder


from tests.runtime_models import default_model_path, tiny_models  # noqa: E402, F401  (runtime test fixtures)
