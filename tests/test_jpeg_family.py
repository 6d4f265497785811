"""JPEG-aware families: the catalog shows a family once and knows its files; every input of a family's model gets the
family's file for its own JPEG quality, whether ``auto`` chose the family or the user named it (CLI, video, eval)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from sesr_core.cli.main import main
from sesr_core.evaluation.pairs import load_eval_pairs
from sesr_core.imaging.degradation import jpeg_roundtrip, parse_degradation
from sesr_core.imaging.jpeg_quality import estimate_jpeg_quality, saved_jpeg_quality
from sesr_core.models.catalog import default_model, family_variants, find_model, list_models, listed
from sesr_core.models.jpeg_variants import LOSSLESS, VARIANT_QUALITIES
from sesr_core.runtime.model_choice import (
    VIDEO_PHOTO_BELOW_BPP,
    choose_family_file,
    choose_model,
    video_variant_quality,
)
from tests.test_model_choice import _clip

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
ALL_QUALITIES = (*VARIANT_QUALITIES, LOSSLESS)


def _photo() -> np.ndarray:
    with Image.open(SAMPLES / "coffee.png") as image:
        return np.asarray(image.convert("RGB"))[:128, :160].copy()


def _inputs(folder: Path) -> dict[str, Path]:
    """The same photo as a JPEG at quality 50, as a PNG and as a JPEG at quality 98."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"q50": folder / "web.jpg", "png": folder / "scan.png", "q98": folder / "camera.jpg"}
    Image.fromarray(_photo()).save(paths["q50"], quality=50)
    Image.fromarray(_photo()).save(paths["png"])
    Image.fromarray(_photo()).save(paths["q98"], quality=98)
    return paths


def _json_lines(capsys) -> dict[str, dict]:
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return {Path(line["input"]).name: line for line in lines}


def test_the_catalog_knows_a_family_and_lists_it_once(photo_family, capsys):
    family = photo_family.family
    assert family.name == "SESR-M5-x2-photo" and family.is_family and family.jpeg_variant.quality == LOSSLESS
    assert family.default and family.purpose == "photo" and family.family_files == len(ALL_QUALITIES)
    assert tuple(photo_family.int8) == tuple(sorted(ALL_QUALITIES)) == tuple(photo_family.fp32)
    for quality in ALL_QUALITIES:
        int8, fp32 = photo_family.int8[quality], photo_family.fp32[quality]
        assert int8.precision == "int8" and fp32.precision == "fp32" and fp32.name == f"{int8.name}-fp32"
        assert int8.jpeg_variant == fp32.jpeg_variant == (family.name, quality)
        assert int8.is_variant == (quality != LOSSLESS) and int8.purpose == "photo"
        assert family_variants(int8) == photo_family.int8  # any file finds its family
    assert find_model("SESR-M5-x2-photo-q75", 2) == photo_family.int8[75]  # a file can still be named directly
    shown = listed(list_models())
    assert [e.name for e in shown if e.jpeg_variant and e.scale == 2] == [family.name, f"{family.name}-fp32"]

    assert main(["models", "--json"]) == 0
    listing = {m["name"]: m for m in json.loads(capsys.readouterr().out)}
    assert "SESR-M5-x2-photo-q75" not in listing
    assert listing[family.name]["variants"]["75"] == "SESR-M5-x2-photo-q75"
    assert listing[family.name]["jpeg_variant"] == {"family": family.name, "quality": LOSSLESS}
    assert main(["models"]) == 0
    text = capsys.readouterr().out
    assert "JPEG-aware: 7 files, picked by each JPEG's quality" in text and "-q75" not in text
    assert "(--all lists them)" in text
    assert main(["models", "--all"]) == 0
    assert "SESR-M5-x2-photo-q75-fp32" in capsys.readouterr().out


def test_auto_and_the_family_name_pick_the_file_for_each_images_quality(photo_family, tmp_path):
    paths = _inputs(tmp_path / "in")
    clean = default_model(2)
    low = choose_model(paths["q50"], 2)
    assert low.entry == photo_family.int8[45] and low.jpeg_quality == 50  # 45 is nearer to 50 than 60
    assert low.reason == "JPEG, quality about 50: photo model for JPEG quality 45"
    assert choose_model(paths["png"], 2).entry == clean
    assert choose_model(paths["q98"], 2).entry == clean
    named = {kind: choose_family_file(path, photo_family.family) for kind, path in paths.items()}
    assert named["q50"].entry == photo_family.int8[45]
    assert named["png"].entry == photo_family.family and named["png"].reason == \
        "lossless PNG: its file for lossless input"
    assert named["q98"].entry == photo_family.int8[LOSSLESS]  # 98 is nearer to 100 than to 95
    fp32 = choose_family_file(paths["q50"], photo_family.fp32[LOSSLESS])
    assert fp32.entry == photo_family.fp32[45]  # a twin family stays fp32
    q75 = photo_family.int8[75]
    assert choose_family_file(paths["q50"], q75).entry == q75  # a file for one quality is used as it is


def test_sesr_upscale_uses_and_names_the_file_it_used(photo_family, tmp_path, capsys):
    paths = _inputs(tmp_path / "in")
    inputs = [str(p) for p in paths.values()]
    assert main(["upscale", *inputs, "-o", str(tmp_path / "auto"), "--json", "--threads", "1"]) == 0
    auto = _json_lines(capsys)
    assert auto["web.jpg"]["model"] == "SESR-M5-x2-photo-q45" and auto["web.jpg"]["jpeg_quality"] == 50
    assert "photo model for JPEG quality 45" in auto["web.jpg"]["reason"]
    assert auto["scan.png"]["model"] == "SESR-M5-x2" and "jpeg_quality" not in auto["scan.png"]
    assert auto["camera.jpg"]["model"] == "SESR-M5-x2" and auto["camera.jpg"]["jpeg_quality"] == 98

    assert main(["upscale", *inputs, "-o", str(tmp_path / "family"), "--json", "--threads", "1", "--model",
                 "SESR-M5-x2-photo"]) == 0
    family = _json_lines(capsys)
    assert [family[name]["model"] for name in ("web.jpg", "scan.png", "camera.jpg")] == \
        ["SESR-M5-x2-photo-q45", "SESR-M5-x2-photo", "SESR-M5-x2-photo"]
    assert family["web.jpg"]["reason"] == \
        "named with --model; JPEG, quality about 50: its file for JPEG quality 45"
    for line in [*auto.values(), *family.values()]:
        assert Path(line["output"]).is_file() and "error" not in line
    # the file really used is the one named: the output equals that file's own output
    assert main(["upscale", str(paths["q50"]), "-o", str(tmp_path / "q45"), "--json", "--threads", "1", "--model",
                 "SESR-M5-x2-photo-q45"]) == 0
    direct = json.loads(capsys.readouterr().out)
    assert direct["model"] == "SESR-M5-x2-photo-q45" and direct["reason"] == "named with --model"
    with Image.open(direct["output"]) as one, Image.open(family["web.jpg"]["output"]) as other:
        assert np.array_equal(np.asarray(one), np.asarray(other))


def test_a_low_rate_h264_clip_gets_the_video_file(photo_family, tmp_path, capsys):
    rates = [0.05, 0.08, 0.1, 0.15, 0.25, VIDEO_PHOTO_BELOW_BPP, None]
    assert [video_variant_quality(r) for r in rates] == [30, 60, 75, 95, LOSSLESS, LOSSLESS, LOSSLESS]
    starved = _clip(tmp_path / "low.mp4", int(160 * 128 * 25 * VIDEO_PHOTO_BELOW_BPP / 4))
    lossless = _clip(tmp_path / "lossless.mkv", None, codec="ffv1")
    choice = choose_model(starved, 2, "video")
    quality = video_variant_quality(choice.quality.bits_per_pixel)
    expected = photo_family.int8[quality]
    assert choice.entry == expected and f"photo model for JPEG quality {quality}" in choice.reason
    assert choose_family_file(lossless, photo_family.family, "video").entry == photo_family.family
    assert choose_model(lossless, 2, "video").entry == default_model(2)
    assert main(["video", starved, "-o", str(tmp_path / "out.mp4"), "--threads", "1"]) == 0
    assert f"with {expected.name} (x2" in capsys.readouterr().err
    assert main(["video", starved, lossless, "-o", str(tmp_path / "family"), "--threads", "1", "--model",
                 "SESR-M5-x2-photo"]) == 0
    said = capsys.readouterr().err
    assert f"low.mp4: {expected.name} (" in said and "lossless.mkv: SESR-M5-x2-photo (" in said


def test_eval_feeds_each_lr_image_to_the_file_for_its_quality(photo_family, shared_data, tmp_path, capsys):
    hr = shared_data / "val" / "Set5" / "HR"
    degraded = load_eval_pairs(hr, 2, degradation=parse_degradation("jpeg=75"))
    assert {pair.jpeg_quality for pair in degraded} == {75}
    assert {pair.jpeg_quality for pair in load_eval_pairs(hr, 2)} == {None}
    for quality in (30, 75, 98):  # the quality read from bytes that jpeg_roundtrip's encoder writes
        saved = tmp_path / f"q{quality}.jpg"
        Image.fromarray(_photo()).save(saved, quality=quality, subsampling="4:2:0")
        with Image.open(saved) as image:
            assert saved_jpeg_quality(quality) == estimate_jpeg_quality(image.quantization[0]) == quality
            assert np.array_equal(np.asarray(image), jpeg_roundtrip(_photo(), quality))

    def eval_json(*args: str) -> dict:
        assert main(["eval", "--scale", "2", "--hr", str(hr), "--json", *args]) == 0
        return json.loads(capsys.readouterr().out)

    family = eval_json("--model", "SESR-M5-x2-photo", "--degrade", "jpeg=75")
    assert family["files_used"] == {"SESR-M5-x2-photo-q75": ["baby", "bird", "butterfly", "head", "woman"]}
    direct = eval_json("--model", "SESR-M5-x2-photo-q75", "--degrade", "jpeg=75")
    assert family["mean_psnr"] == direct["mean_psnr"] and "files_used" not in direct
    clean = eval_json("--model", "SESR-M5-x2-photo")
    assert list(clean["files_used"]) == ["SESR-M5-x2-photo"]

    lr = tmp_path / "lr"  # LR files saved at two qualities: each goes to its own file
    lr.mkdir()
    for index, pair in enumerate(load_eval_pairs(hr, 2)):
        Image.fromarray(pair.lr_image).save(lr / f"{pair.name}.jpg", quality=(50, 88)[index % 2])
    mixed = eval_json("--model", "SESR-M5-x2-photo", "--lr", str(lr))
    assert sorted(mixed["files_used"]) == ["SESR-M5-x2-photo-q45", "SESR-M5-x2-photo-q85"]
    assert main(["eval", "--scale", "2", "--hr", str(hr), "--model", "SESR-M5-x2-photo", "--degrade", "jpeg=75"]) == 0
    assert "files used: SESR-M5-x2-photo-q75 (JPEG quality 75): 5 images" in capsys.readouterr().out


def test_the_shipped_family_files_are_different_networks(photo_family):
    if not photo_family.shipped:
        return  # the development stand-in copies one network under every name
    digests = {entry.card["sha256"] for entry in photo_family.int8.values()}
    assert len(digests) == len(photo_family.int8)
