"""The x2 photo model's JPEG-aware family for the tests: the shipped one where it is shipped.

Until the family's files are in resources/models, :func:`photo_family` builds a development stand-in in a temporary
folder: a copy of the shipped catalog in which the shipped SESR-M5-x2-photo (int8 and its fp32 twin) is also copied
under every variant's name, each with a card that carries its ``jpeg_variant``, and the catalog is pointed at it.
The files are then all the same network, so tests on the stand-in check which file is chosen, never its pictures.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from sesr_core.models.catalog import CatalogEntry, default_model, family_variants, list_models, shipped_models_dir
from sesr_core.models.jpeg_variants import LOSSLESS, VARIANT_QUALITIES, variant_name

FAMILY = "SESR-M5-x2-photo"


@dataclass(frozen=True)
class PhotoFamily:
    """The family's lossless entry and its int8 and fp32 files by quality; ``shipped`` is False for the stand-in."""

    family: CatalogEntry
    int8: dict[int, CatalogEntry]
    fp32: dict[int, CatalogEntry]
    shipped: bool

    def name(self, quality: int) -> str:
        return self.int8[quality].name


def shipped_family() -> PhotoFamily | None:
    """The shipped x2 photo family, when the default x2 photo model is a JPEG-aware family's lossless file."""
    photo = default_model(2, "photo")
    if not photo.is_family:
        return None
    models = list_models()
    return PhotoFamily(photo, family_variants(photo, "int8", models), family_variants(photo, "fp32", models), True)


def build_stand_in(folder: Path) -> None:
    """Copy the shipped catalog into ``folder`` and add the family's files as copies of the photo model."""
    source = shipped_models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    for suffix in ("", "-fp32"):
        base = source / f"{FAMILY}{suffix}.tflite"
        card = json.loads(base.with_suffix(".json").read_text())
        for quality in (LOSSLESS, *VARIANT_QUALITIES):
            name = variant_name(FAMILY, quality) + suffix
            shutil.copy(base, folder / f"{name}.tflite")
            variant_card = {**card, "name": name, "file": f"{name}.tflite",
                            "jpeg_variant": {"family": FAMILY, "quality": quality}}
            (folder / f"{name}.json").write_text(json.dumps(variant_card, indent=2))


@pytest.fixture
def photo_family(tmp_path_factory, monkeypatch) -> PhotoFamily:
    """The shipped x2 photo family, or (until it ships) the stand-in of the module docstring."""
    found = shipped_family()
    if found is not None:
        return found
    folder = tmp_path_factory.mktemp("shipped-with-family")
    build_stand_in(folder)
    monkeypatch.setattr("sesr_core.models.catalog.shipped_models_dir", lambda: folder)
    found = shipped_family()
    assert found is not None
    return PhotoFamily(found.family, found.int8, found.fp32, False)
