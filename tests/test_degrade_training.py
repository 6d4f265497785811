"""The training pipeline's random degradations (TensorFlow): each does what its recipe says, and the stream of
degraded patches is a pure function of the seed and the step, so runs stay reproducible and resumable."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("tensorflow")

from sesr_core.imaging.degradation import jpeg_roundtrip, parse_degradation  # noqa: E402
from sesr_core.training._tf import tf  # noqa: E402
from sesr_core.training.data import degraded_patch_dataset, load_hr_images  # noqa: E402
from sesr_core.training.degrade import MARGIN, SEEDS_NEEDED, degrade_lr_rgb, degrade_patch  # noqa: E402


def _seeds(value: int = 3) -> tf.Tensor:
    return tf.random.experimental.stateless_split(tf.constant([value, 1], tf.int64), SEEDS_NEEDED)


@pytest.fixture(scope="module")
def hr_photo(shared_data) -> np.ndarray:
    folder = shared_data / "train" / "BSD200"
    with Image.open(sorted(folder.iterdir())[0]) as image:
        return np.asarray(image.convert("RGB"))[:256, :256].copy()


def test_jpeg_output_is_nearest_to_the_quality_drawn(hr_photo):
    clean = degrade_lr_rgb(tf.constant(hr_photo, tf.float32), 2, parse_degradation("none"), _seeds()).numpy()
    for quality in (30, 75):
        out = degrade_lr_rgb(tf.constant(hr_photo, tf.float32), 2, parse_degradation(f"jpeg={quality}"),
                             _seeds()).numpy().astype(np.float64)
        errors = {q: np.abs(out - jpeg_roundtrip(clean, q)).mean() for q in (quality - 20, quality, quality + 20)}
        assert min(errors, key=errors.get) == quality, errors


def test_noise_std_is_the_one_drawn(hr_photo):
    flat = np.full((256, 256, 3), 128.0, np.float32)
    out = degrade_lr_rgb(tf.constant(flat), 2, parse_degradation("noise=4"), _seeds()).numpy().astype(np.float64)
    assert np.std(out - 128.0) == pytest.approx(4.0, rel=0.05)
    shot = degrade_lr_rgb(tf.constant(flat), 2, parse_degradation("poisson=3"), _seeds()).numpy().astype(np.float64)
    assert np.std(shot - 128.0) == pytest.approx(3.0, rel=0.05)


def test_blur_width_is_the_one_drawn():
    impulse = np.zeros((64, 64, 3), np.float32)
    impulse[31:33, 31:33] = 255.0 * 16  # a 2x2 HR dot: after the x2 area downscale, one bright LR pixel
    sharp = degrade_lr_rgb(tf.constant(impulse), 2, parse_degradation("resize=area"), _seeds()).numpy()
    blurred = degrade_lr_rgb(tf.constant(impulse), 2, parse_degradation("blur=2,resize=area"), _seeds()).numpy()

    def variance(image):
        profile = image[..., 0].astype(np.float64).sum(axis=0)
        x = np.arange(len(profile))
        mean = (profile * x).sum() / profile.sum()
        return (profile * (x - mean) ** 2).sum() / profile.sum()

    # sigma 2 HR pixels is 1 LR pixel: the LR variance grows by about 1 (pixel^2)
    assert variance(blurred) - variance(sharp) == pytest.approx(1.0, abs=0.2)


def test_a_clean_recipe_matches_matlab_bicubic_and_keeps_patches_aligned(hr_photo):
    from sesr_core.imaging.matlab_imresize import imresize

    patch = 16
    side = (patch + 2 * MARGIN) * 2
    lr_y, hr_y, _ = degrade_patch(tf.constant(hr_photo[:side, :side]), 2, patch, parse_degradation("none"), _seeds())
    reference = imresize(hr_y.numpy()[..., 0].astype(np.float64), scale=0.5)
    assert np.abs(reference - lr_y.numpy()[..., 0])[3:-3, 3:-3].max() < 1.0 / 255


def test_degraded_stream_is_reproducible_and_resumable(shared_data, tmp_path):
    images = load_hr_images([shared_data / "val" / "Set5" / "HR"], 2, 24 + 2 * MARGIN)
    recipe = parse_degradation("photo")
    first = list(degraded_patch_dataset(images, 2, 24, 4, recipe, seed=5).take(3))
    again = list(degraded_patch_dataset(images, 2, 24, 4, recipe, seed=5).take(3))
    resumed = next(iter(degraded_patch_dataset(images, 2, 24, 4, recipe, seed=5, start_step=2)))
    other = next(iter(degraded_patch_dataset(images, 2, 24, 4, recipe, seed=6)))
    assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(first, again, strict=True))
    assert np.array_equal(first[2][0], resumed[0]) and np.array_equal(first[2][1], resumed[1])
    assert not np.array_equal(first[0][0], other[0])
    lr, hr = first[0]
    assert lr.shape == (4, 24, 24, 1) and hr.shape == (4, 48, 48, 1)
