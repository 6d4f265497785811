"""PSNR / SSIM under the super-resolution protocol (Y channel, border shaved)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from sesr_core.evaluation.metrics import psnr, shave, ssim, y_psnr_ssim


def _reference_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Direct transcription of Wang et al.'s ssim_index with an explicit 11x11 window and 'valid' sums."""
    x = np.arange(-5, 6)
    window = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * 1.5**2))
    window /= window.sum()

    def filt(img: np.ndarray) -> np.ndarray:
        return np.einsum("ijkl,kl->ij", sliding_window_view(img, (11, 11)), window)

    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu1, mu2 = filt(a), filt(b)
    s1, s2, s12 = filt(a * a) - mu1**2, filt(b * b) - mu2**2, filt(a * b) - mu1 * mu2
    ssim_map = ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1**2 + mu2**2 + c1) * (s1 + s2 + c2))
    return float(ssim_map.mean())


def test_psnr_known_value() -> None:
    ref = np.random.default_rng(0).random((20, 20)) * 200
    assert psnr(ref + 1.0, ref, crop_border=0) == pytest.approx(10 * math.log10(255**2), abs=1e-9)
    assert psnr(ref + 1.0, ref, crop_border=0) == pytest.approx(48.13, abs=0.005)
    assert psnr(ref + 2.0, ref, crop_border=2, data_range=1.0) == pytest.approx(10 * math.log10(1 / 4), abs=1e-9)


def test_psnr_identical_is_inf_and_border_is_ignored() -> None:
    ref = np.random.default_rng(1).random((16, 16)) * 255
    assert psnr(ref, ref, crop_border=4) == math.inf
    noisy = ref.copy()
    noisy[:3] += 50  # differences only inside the shaved border
    assert psnr(noisy, ref, crop_border=3) == math.inf
    assert psnr(noisy, ref, crop_border=2) < 40


def test_ssim_identical_is_one() -> None:
    ref = np.random.default_rng(2).random((32, 32)) * 255
    assert ssim(ref, ref, crop_border=2) == pytest.approx(1.0, abs=1e-12)


def test_ssim_matches_direct_formula() -> None:
    rng = np.random.default_rng(3)
    ref = rng.random((40, 36)) * 255
    img = np.clip(ref + rng.normal(0, 12, ref.shape), 0, 255)
    expected = _reference_ssim(shave(img, 4), shave(ref, 4))
    assert ssim(img, ref, crop_border=4) == pytest.approx(expected, abs=1e-10)
    assert 0 < expected < 1


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError, match="same shape"):
        psnr(np.zeros((10, 10)), np.zeros((10, 11)), crop_border=0)
    with pytest.raises(ValueError, match="same shape"):
        ssim(np.zeros((20, 20)), np.zeros((21, 20)), crop_border=0)
    with pytest.raises(ValueError):
        ssim(np.zeros((12, 12)), np.zeros((12, 12)), crop_border=2)  # smaller than the window once shaved


def test_shave() -> None:
    image = np.arange(36).reshape(6, 6)
    assert np.array_equal(shave(image, 1), image[1:5, 1:5])
    assert shave(image, 0) is image
    with pytest.raises(ValueError):
        shave(image, 3)


def test_y_psnr_ssim_rgb_grey_and_bit_depths() -> None:
    rng = np.random.default_rng(4)
    hr = rng.integers(0, 256, (48, 40, 3), dtype=np.uint8)
    sr = np.clip(hr.astype(np.int16) + rng.integers(-3, 4, hr.shape), 0, 255).astype(np.uint8)
    p8, s8 = y_psnr_ssim(sr, hr, 2)
    assert 30 < p8 < math.inf and 0 < s8 < 1
    p16, s16 = y_psnr_ssim(sr.astype(np.uint16) * 257, hr.astype(np.uint16) * 257, 2)
    assert p16 == pytest.approx(p8, abs=1e-9) and s16 == pytest.approx(s8, abs=1e-12)
    assert y_psnr_ssim(hr, hr, 4) == (math.inf, pytest.approx(1.0))
    grey_p, _ = y_psnr_ssim(sr[..., 0], hr[..., 0], 3)
    assert grey_p == pytest.approx(psnr(sr[..., 0].astype(float), hr[..., 0].astype(float), 3))


def test_y_psnr_ssim_crops_hr_to_sr_size() -> None:
    rng = np.random.default_rng(5)
    hr = rng.integers(0, 256, (50, 43, 3), dtype=np.uint8)
    sr = hr[:48, :40]  # HR not a multiple of 4: SR is LR size x 4
    assert y_psnr_ssim(sr, hr, 4)[0] == math.inf
    with pytest.raises(ValueError):
        y_psnr_ssim(hr[:44, :40], hr, 4)  # 6 rows short: more than the scale allows
    with pytest.raises(ValueError):
        y_psnr_ssim(hr, sr, 4)  # SR larger than HR


def test_evaluate_scores_the_8bit_result() -> None:
    """A prediction is rounded to 8 bits before scoring, as a saved result is: a perfect float answer off the 8-bit
    grid scores the rounding alone (about 59 dB, not infinity), one on the grid scores exactly as given."""
    from sesr_core.evaluation.pairs import ImagePair
    from sesr_core.evaluation.protocol import as_8bit, evaluate

    rng = np.random.default_rng(0)
    hr = rng.random((40, 40))
    pair = ImagePair("noise", lr=hr[::2, ::2], hr=hr)
    rounded = evaluate(lambda _: hr, [pair], scale=2).mean_psnr
    assert 57.0 < rounded < 61.0
    on_grid = as_8bit(hr)
    assert np.array_equal(as_8bit(on_grid), on_grid)
    assert evaluate(lambda _: on_grid, [pair], scale=2).mean_psnr == pytest.approx(
        psnr(on_grid * 255, hr * 255, crop_border=2), abs=1e-12)
