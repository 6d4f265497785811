"""MATLAB-compatible bicubic imresize: exactness against MATLAB-made Set5 images, properties and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sesr_core.evaluation.metrics import y_psnr_ssim
from sesr_core.imaging.image_read import read_image
from sesr_core.imaging.matlab_imresize import bicubic_downscale, bicubic_upscale, crop_to_multiple, imresize

SET5 = ("baby", "bird", "butterfly", "head", "woman")
# Published bicubic baseline on Set5 (Y channel, `scale` pixels shaved): (PSNR dB, SSIM).
BICUBIC_BASELINE = {2: (33.66, 0.9299), 4: (28.42, 0.8104)}


def _set5(shared_data: Path, name: str, scale: int) -> tuple[np.ndarray, np.ndarray]:
    folder = shared_data / "val" / "Set5"
    hr_path, lr_path = folder / "HR" / f"{name}.png", folder / "LR_bicubic" / f"X{scale}" / f"{name}.png"
    if not (hr_path.is_file() and lr_path.is_file()):
        pytest.skip(f"Set5 image {name} at x{scale} is absent from {folder}")
    return read_image(hr_path).pixels, read_image(lr_path).pixels


@pytest.mark.parametrize("scale", [2, 4])
@pytest.mark.parametrize("name", SET5)
def test_downscale_matches_matlab_set5(shared_data: Path, name: str, scale: int) -> None:
    hr, lr_matlab = _set5(shared_data, name, scale)
    ours = imresize(hr, 1 / scale)
    assert ours.dtype == np.uint8 and ours.shape == lr_matlab.shape
    diff = np.abs(ours.astype(np.int16) - lr_matlab.astype(np.int16))
    agreement = float(np.mean(diff == 0))
    print(f"{name} x{scale}: {100 * agreement:.3f}% identical, max diff {diff.max()}")
    assert agreement >= 0.99
    assert diff.max() <= 1
    assert np.array_equal(bicubic_downscale(hr, scale), ours)


@pytest.mark.parametrize("scale", [2, 4])
def test_bicubic_baseline_psnr_ssim_set5(shared_data: Path, scale: int) -> None:
    scores = []
    for name in SET5:
        hr, lr = _set5(shared_data, name, scale)
        scores.append(y_psnr_ssim(bicubic_upscale(lr, scale), hr, scale))
    mean_psnr, mean_ssim = np.mean(scores, axis=0)
    print(f"bicubic x{scale}: PSNR {mean_psnr:.4f} dB, SSIM {mean_ssim:.4f}")
    expected_psnr, expected_ssim = BICUBIC_BASELINE[scale]
    assert abs(mean_psnr - expected_psnr) <= 0.02
    assert abs(mean_ssim - expected_ssim) <= 0.002


def test_output_size_is_ceil_and_dtype_kept() -> None:
    rng = np.random.default_rng(1)
    for dtype in (np.uint8, np.uint16, np.float32, np.float64):
        image = rng.integers(0, 200, (13, 10, 3)).astype(dtype)
        out = imresize(image, 0.5)
        assert out.shape == (7, 5, 3) and out.dtype == dtype
    assert imresize(np.zeros((9, 7), np.uint8), 1 / 3).shape == (3, 3)
    assert imresize(np.zeros((9, 7), np.uint8), output_shape=(4, 20)).shape == (4, 20)
    assert imresize(np.zeros((5, 6), np.float32), 2.5).shape == (13, 15)


@pytest.mark.parametrize("scale", [0.25, 0.5, 1 / 3, 2, 3, 4])
def test_constant_image_stays_constant(scale: float) -> None:
    image = np.full((24, 18, 3), 173, np.uint8)
    assert np.all(imresize(image, scale) == 173)
    assert np.allclose(imresize(image.astype(np.float64), scale), 173.0, atol=1e-9)


@pytest.mark.parametrize("scale", [2, 4, 0.5, 0.25])
def test_linear_ramp_is_reproduced_in_the_interior(scale: float) -> None:
    """The Keys kernel (and its antialiased stretch) reproduces linear functions away from the edges."""
    width = 64
    ramp = np.tile(np.arange(width, dtype=np.float64), (8, 1))
    out = imresize(ramp, scale)
    x = np.arange(1, out.shape[1] + 1)
    expected = x / scale + 0.5 * (1 - 1 / scale) - 1  # MATLAB's input coordinate, 0-based
    margin = int(np.ceil(3 * max(scale, 1 / scale)))
    assert np.allclose(out[:, margin:-margin], expected[margin:-margin], atol=1e-9)


def test_uint8_rounds_after_each_pass() -> None:
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (40, 30, 3), dtype=np.uint8)
    rows = imresize(image, output_shape=(20, 30))  # only the row pass runs
    both = imresize(rows, output_shape=(20, 15))  # then only the column pass
    assert np.array_equal(imresize(image, 0.5), both)
    exact = imresize(image.astype(np.float64), 0.5)
    assert np.max(np.abs(both.astype(np.float64) - exact)) < 1.5  # two roundings, each at most 0.5


def test_uint16_rounds_and_saturates() -> None:
    image = np.zeros((16, 16), np.uint16)
    image[:, 8:] = 65535  # a step overshoots with the cubic kernel
    out = imresize(image, 2)
    assert out.dtype == np.uint16 and out.max() == 65535 and out.min() == 0
    as_float = imresize(image.astype(np.float64), 2)
    assert as_float.max() > 65535 and as_float.min() < 0  # floats are not clipped


def test_dimensions_processed_in_order_of_increasing_scale() -> None:
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (30, 30), dtype=np.uint8)
    out = imresize(image, output_shape=(60, 15))  # columns shrink (0.5) first, then rows grow (2)
    expected = imresize(imresize(image, output_shape=(30, 15)), output_shape=(60, 15))
    assert np.array_equal(out, expected)


def test_symmetric_boundary_only_changes_the_edges() -> None:
    rng = np.random.default_rng(4)
    image = rng.random((32, 32))
    clamped, mirrored = imresize(image, 0.5), imresize(image, 0.5, boundary="symmetric")
    assert np.allclose(clamped[3:-3, 3:-3], mirrored[3:-3, 3:-3])
    assert not np.allclose(clamped[0], mirrored[0])


def test_crop_to_multiple_keeps_top_left() -> None:
    image = np.arange(7 * 10).reshape(7, 10)
    cropped = crop_to_multiple(image, 3)
    assert cropped.shape == (6, 9) and np.array_equal(cropped, image[:6, :9])
    assert crop_to_multiple(image, 1).shape == (7, 10)
    with pytest.raises(ValueError):
        crop_to_multiple(image, 8)


def test_bicubic_helpers_match_imresize() -> None:
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (24, 20, 3), dtype=np.uint8)
    assert np.array_equal(bicubic_downscale(image, 4), imresize(image, 0.25))
    assert np.array_equal(bicubic_upscale(image, 3), imresize(image, 3))


def test_invalid_arguments_raise() -> None:
    image = np.zeros((8, 8), np.uint8)
    with pytest.raises(ValueError):
        imresize(image)
    with pytest.raises(ValueError):
        imresize(image, 2, output_shape=(4, 4))
    with pytest.raises(ValueError):
        imresize(image, -1)
    with pytest.raises(ValueError):
        imresize(image, output_shape=(0, 4))
    with pytest.raises(TypeError):
        imresize(image.astype(np.int32), 2)
    with pytest.raises(ValueError):
        bicubic_upscale(image, 0)
    with pytest.raises(ValueError):
        imresize(image, 2, boundary="wrap")  # type: ignore[arg-type]
