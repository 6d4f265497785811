"""Degradations: the recipe syntax, the fixed evaluation degradations, and the random ones of the training pipeline.

Each degradation is checked by measuring what it did: the JPEG quality behind the output, the noise's standard
deviation, the blur's width, and that the stream is a pure function of the seed and the step.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from sesr_core.errors import SesrError
from sesr_core.imaging.degradation import (
    NAMED_RECIPES,
    Degradation,
    Range,
    add_gaussian_noise,
    add_poisson_noise,
    degrade_lr_image,
    gaussian_blur,
    jpeg_roundtrip,
    parse_degradation,
)
from sesr_core.imaging.jpeg_quality import estimate_jpeg_quality


def _photo(shared_data, side: int = 192) -> np.ndarray:
    with Image.open(shared_data / "train" / "BSD200" / sorted(p.name for p in
                    (shared_data / "train" / "BSD200").iterdir())[0]) as image:
        return np.asarray(image.convert("RGB"))[:side, :side].copy()


# --- the syntax -------------------------------------------------------------------------------------------------

def test_recipe_text_reads_back_to_the_same_recipe():
    text = "blur=0.3-1@0.25,resize=bicubic|area,noise=0-3@0.3,poisson=0-2@0.15,jpeg=30-95@0.85"
    recipe = parse_degradation(text)
    assert recipe.jpeg == Range(30, 95, 0.85)
    assert recipe.resize == ("bicubic", "area")
    assert parse_degradation(recipe.text()) == recipe
    assert parse_degradation("photo") == parse_degradation(NAMED_RECIPES["photo"])
    assert parse_degradation("none").is_clean and Degradation().text() == "none"
    assert parse_degradation("jpeg=75,noise=2").is_fixed
    assert not recipe.is_fixed


@pytest.mark.parametrize("text, words", [
    ("jpg=75", "not a known degradation"),
    ("jpeg=0", "out of range"),
    ("jpeg=90-30", "out of range"),
    ("noise=two", "not a number"),
    ("noise=1-2@1.5", "probability"),
    ("jpeg=70,jpeg=80", "given twice"),
    ("resize=lanczos", "Unknown resize kernel"),
])
def test_a_mistyped_recipe_is_one_sentence_naming_it(text, words):
    with pytest.raises(SesrError, match=words) as caught:
        parse_degradation(text)
    assert "\n" not in str(caught.value)


# --- fixed degradations (evaluation) ----------------------------------------------------------------------------

def test_jpeg_roundtrip_is_the_quality_it_says(shared_data):
    rgb = _photo(shared_data)
    for quality in (30, 75, 95):
        buffer = io.BytesIO()
        Image.fromarray(rgb).save(buffer, format="JPEG", quality=quality)
        buffer.seek(0)
        with Image.open(buffer) as saved:
            assert estimate_jpeg_quality(saved.quantization[0]) == quality
            assert np.array_equal(np.asarray(saved), jpeg_roundtrip(rgb, quality))


def test_noise_has_the_standard_deviation_it_says():
    flat = np.full((256, 256, 3), 128, np.uint8)
    rng = np.random.default_rng(0)
    assert np.std(add_gaussian_noise(flat, 3.0, rng).astype(float) - 128) == pytest.approx(3.0, rel=0.03)
    assert np.std(add_poisson_noise(flat, 4.0, rng).astype(float) - 128) == pytest.approx(4.0, rel=0.03)
    dark = np.full((256, 256, 3), 32, np.uint8)  # shot noise grows with the signal: half the std at a quarter
    assert np.std(add_poisson_noise(dark, 4.0, rng).astype(float) - 32) == pytest.approx(2.0, rel=0.05)


def _second_moment(image: np.ndarray) -> float:
    """Variance (pixels^2) of a blurred impulse along the rows."""
    profile = image.astype(np.float64).sum(axis=1)
    x = np.arange(len(profile)) - (len(profile) - 1) / 2
    return float((profile * x**2).sum() / profile.sum())


def test_blur_has_the_width_it_says():
    impulse = np.zeros((41, 41), np.uint8)
    impulse[20, 20] = 255
    assert _second_moment(gaussian_blur(impulse, 1.5)) == pytest.approx(1.5**2, rel=0.1)


def test_fixed_degradation_is_the_same_for_the_same_image_and_differs_between_images(shared_data):
    rgb = _photo(shared_data, 96)
    fixed = parse_degradation("noise=2,jpeg=75")
    first, again = degrade_lr_image(rgb, fixed, "baby"), degrade_lr_image(rgb, fixed, "baby")
    assert np.array_equal(first, again)
    assert not np.array_equal(first, degrade_lr_image(rgb, fixed, "bird"))
    assert not np.array_equal(first, rgb)
    with pytest.raises(SesrError, match="single values"):
        degrade_lr_image(rgb, parse_degradation("jpeg=30-90"), "baby")
