"""Our own results are recognised (by name beside their input, and by the EXIF tag our writer adds) and left out of
folder listings, for the CLI and the app alike; a damaged PNG is called damaged; a model path resolves to one entry
without listing the catalog."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from sesr_core.cli import main as sesr
from sesr_core.errors import ImageReadError
from sesr_core.imaging.image_read import read_image
from sesr_core.models import catalog
from sesr_core.models.catalog import CatalogEntry, find_model
from sesr_core.runtime.own_outputs import SOFTWARE, folder_inputs, has_our_tag
from sesr_core.runtime.upscaler import Upscaler

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


@pytest.fixture(scope="module")
def x2(tiny_models) -> Upscaler:
    return Upscaler(tiny_models.path(2), scale=2)


def test_outputs_carry_our_tag_and_folder_listing_skips_them(x2, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(SAMPLES / "coffee.png", folder / "coffee.png")
    shutil.copy(SAMPLES / "rocket.jpg", folder / "rocket.jpg")
    x2.upscale_files([folder / "coffee.png", folder / "rocket.jpg"])  # results beside their inputs
    for name in ("coffee_x2.png", "rocket_x2.jpg"):
        with Image.open(folder / name) as image:
            assert image.getexif()[SOFTWARE].startswith("SESR Studio x2, model ")
    shutil.copy(folder / "coffee_x2.png", folder / "holiday.png")  # a result renamed: found by its tag alone
    shutil.copy(SAMPLES / "camera.png", folder / "camera_x2.png")  # a user's file with our name pattern, no input
    inputs, ours = folder_inputs(folder)
    assert [p.name for p in inputs] == ["camera_x2.png", "coffee.png", "rocket.jpg"]
    assert sorted(p.name for p in ours) == ["coffee_x2.png", "holiday.png", "rocket_x2.jpg"]
    assert has_our_tag(folder / "holiday.png") and not has_our_tag(folder / "coffee.png")


def test_the_cli_does_not_upscale_its_own_results_again(x2, tmp_path, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(SAMPLES / "coffee.png", folder / "coffee.png")
    x2.upscale_files([folder / "coffee.png"])
    out = tmp_path / "out"
    assert sesr(["upscale", str(folder), "-o", str(out), "--model", str(x2.path)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["coffee_x2.png"]  # no coffee_x2_x2.png


def test_a_truncated_png_is_called_truncated_not_unsupported(tmp_path):
    data = (SAMPLES / "coffee.png").read_bytes()
    for cut in (8, 40, 100, len(data) // 2):
        path = tmp_path / f"cut{cut}.png"
        path.write_bytes(data[:cut])
        with pytest.raises(ImageReadError, match="truncated or corrupt") as error:
            read_image(path)
        assert "not a supported" not in str(error.value) and str(path) in str(error.value)


def test_a_model_path_resolves_to_an_entry_without_listing_the_catalog(tiny_models, monkeypatch):
    def no_listing():
        raise AssertionError("the catalog was listed (every card read) to resolve a path")

    monkeypatch.setattr(catalog, "list_models", no_listing)
    entry = find_model(str(tiny_models.path(2)))
    assert isinstance(entry, CatalogEntry) and entry.path == tiny_models.path(2) and entry.scale == 2
    assert entry.name == tiny_models.path(2).stem
