"""``--model auto``: the clean or the photo model, chosen per input from the file's own compression."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from PIL import Image

from sesr_core.models.catalog import experimental_names, list_models
from sesr_core.runtime.input_quality import image_quality, video_quality
from sesr_core.runtime.model_choice import JPEG_PHOTO_BELOW, VIDEO_PHOTO_BELOW_BPP, choose_model, is_auto
from tests.runtime_clips import frame_image

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


def _photo() -> np.ndarray:
    with Image.open(SAMPLES / "coffee.png") as image:
        return np.asarray(image.convert("RGB"))[:128, :160].copy()


def _save(tmp_path, name: str, **options) -> str:
    path = tmp_path / name
    Image.fromarray(_photo()).save(path, **options)
    return str(path)


def test_jpeg_quality_is_read_from_the_file_and_picks_the_model(tmp_path):
    low, high = _save(tmp_path, "low.jpg", quality=50), _save(tmp_path, "high.jpg", quality=98)
    png = _save(tmp_path, "same.png")
    assert image_quality(low).jpeg_quality == 50 and image_quality(high).jpeg_quality == 98
    assert image_quality(png).lossy is False
    for scale in (2, 4):
        photo, clean = choose_model(low, scale), choose_model(png, scale)
        assert photo.entry.purpose == "photo" and photo.entry.scale == scale
        assert "quality about 50" in photo.reason and "photo model" in photo.reason
        assert clean.entry.purpose == "clean" and clean.reason == "lossless PNG: clean model"
        assert choose_model(high, scale).entry.purpose == "clean"


def test_lossy_and_lossless_webp_are_told_apart(tmp_path):
    lossy, lossless = _save(tmp_path, "a.webp", quality=60), _save(tmp_path, "b.webp", lossless=True)
    assert image_quality(lossy).lossy is True and image_quality(lossless).lossy is False
    assert choose_model(lossy, 2).entry.purpose == "photo"
    assert choose_model(lossless, 2).entry.purpose == "clean"


def _clip(path, bit_rate: int | None, codec: str = "libx264") -> str:
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=25)
        stream.width, stream.height, stream.pix_fmt = 160, 128, "yuv420p"
        if bit_rate:
            stream.bit_rate = bit_rate
            stream.codec_context.options = {"preset": "ultrafast"}
        for index in range(25):
            frame = av.VideoFrame.from_ndarray(frame_image(index, 160, 128), format="rgb24").reformat(format="yuv420p")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return str(path)


def test_video_bits_per_pixel_picks_the_model(tmp_path):
    pixels_per_second = 160 * 128 * 25
    starved = _clip(tmp_path / "low.mp4", int(pixels_per_second * VIDEO_PHOTO_BELOW_BPP / 4))
    lossless = _clip(tmp_path / "lossless.mkv", None, codec="ffv1")
    quality = video_quality(starved)
    assert quality.lossy and quality.bits_per_pixel < VIDEO_PHOTO_BELOW_BPP
    assert choose_model(starved, 2, "video").entry.purpose == "photo"
    assert video_quality(lossless).lossy is False
    assert choose_model(lossless, 2, "video").entry.purpose == "clean"


def test_an_unreadable_file_gets_the_clean_model_and_says_so(tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    choice = choose_model(broken, 2)
    assert choice.entry.purpose == "clean" and "could not be read" in choice.reason
    assert is_auto(None) and is_auto("auto") and not is_auto("SESR-M5-x2")


def test_threshold_constants_are_what_the_docs_say():
    docs = (SAMPLES.parents[1] / "docs" / "training.md").read_text()
    assert f"quality below {JPEG_PHOTO_BELOW}" in docs
    assert f"below {VIDEO_PHOTO_BELOW_BPP:g} bits per pixel" in docs


def test_a_bigger_model_that_is_not_sharper_is_experimental():
    models = list_models()
    flagged = experimental_names(models)
    for entry in models:
        kind = [m for m in models if (m.scale, m.precision, m.purpose, m.eval_dataset) ==
                (entry.scale, entry.precision, entry.purpose, entry.eval_dataset)]
        smaller = [m for m in kind if m.macs_per_pixel < entry.macs_per_pixel]
        if not smaller:
            assert entry.name not in flagged
            continue
        next_smaller = max(smaller, key=lambda m: m.macs_per_pixel)
        assert (entry.name in flagged) == (entry.set5_psnr < next_smaller.set5_psnr + 0.1), entry.name
        assert entry.experimental == (entry.name in flagged)
    assert not any(m.experimental for m in models if m.default)


def test_sesr_upscale_says_per_file_which_model_and_why(tmp_path, capsys):
    import json

    from sesr_core.cli.main import main

    folder = tmp_path / "in"
    folder.mkdir()
    _save(folder, "web.jpg", quality=50)
    _save(folder, "scan.png")
    out = tmp_path / "out"
    assert main(["upscale", str(folder), "-o", str(out), "--json", "--threads", "1"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_input = {Path(line["input"]).name: line for line in lines}
    assert set(by_input) == {"web.jpg", "scan.png"}
    photo = choose_model(folder / "web.jpg", 2).entry  # the photo model, or its JPEG-aware family's file for 50
    assert photo.name.startswith("SESR-M5-x2-photo") and by_input["web.jpg"]["model"] == photo.name
    assert "quality about 50" in by_input["web.jpg"]["reason"]
    assert by_input["scan.png"]["model"] == "SESR-M5-x2" and by_input["scan.png"]["reason"].startswith("lossless")
    for line in lines:
        assert Path(line["output"]).is_file() and "error" not in line
    assert main(["upscale", str(folder / "scan.png"), "-o", str(tmp_path / "named"), "--json", "--model",
                 "SESR-M5-x2-photo", "--threads", "1"]) == 0
    named = json.loads(capsys.readouterr().out)
    assert named["model"] == "SESR-M5-x2-photo" and named["reason"].startswith("named with --model")
