"""The numpy cubic upscale against Keys' kernel written out sample by sample, and its use in the colour split."""

from __future__ import annotations

import numpy as np
import pytest

from sesr_core.runtime import colour_split
from sesr_core.runtime.keys_resize import upscale_cubic
from sesr_core.runtime.luma import LumaNetwork
from sesr_core.runtime.sr_model import SRModel

RNG = np.random.default_rng(11)


def reference(image: np.ndarray, scale: int, a: float, col_a: float, col_shift: float) -> np.ndarray:
    """Each output sample as a direct sum over Keys' kernel at clamped input positions (float64)."""

    def kernel(x: float, param: float) -> float:
        x = abs(x)
        if x <= 1:
            return ((param + 2) * x - (param + 3)) * x * x + 1
        return ((param * x - 5 * param) * x + 8 * param) * x - 4 * param if x < 2 else 0.0

    def along(values: np.ndarray, axis: int, param: float, shift: float) -> np.ndarray:
        size = values.shape[axis]
        moved = np.moveaxis(values, axis, 0)
        out = np.zeros((size * scale, *moved.shape[1:]))
        for k in range(size * scale):
            position = (k + 0.5) / scale - 0.5 + shift
            base = int(np.floor(position))
            taps = [(kernel(position - i, param), min(max(i, 0), size - 1)) for i in range(base - 1, base + 3)]
            total = sum(weight for weight, _ in taps)
            out[k] = sum(weight / total * moved[index] for weight, index in taps)
        return np.moveaxis(out, 0, axis)

    return along(along(image.astype(np.float64), 0, a, 0.0), 1, col_a, col_shift)


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("shape", [(9, 13), (6, 11, 3), (1, 1), (2, 40)])
def test_float_upscale_follows_the_kernel(scale, shape):
    image = RNG.normal(100, 60, shape)
    out = upscale_cubic(image, scale)
    assert out.dtype == np.float64 and out.shape == (shape[0] * scale, shape[1] * scale, *shape[2:])
    np.testing.assert_allclose(out, reference(image, scale, -0.75, -0.75, 0.0), atol=1e-9)


def test_column_kernel_and_shift_for_video_chroma():
    plane = RNG.normal(128, 50, (7, 10))
    for scale in (2, 4):
        shift = 0.25 - 0.25 / scale
        out = upscale_cubic(plane, scale, -0.75, col_a=-0.5, col_shift=shift)
        np.testing.assert_allclose(out, reference(plane, scale, -0.75, -0.5, shift), atol=1e-9)


def test_integers_are_rounded_and_saturated():
    image = np.array([[0, 255, 0, 255], [255, 0, 255, 0]], dtype=np.uint8)  # overshoots both ends
    exact = reference(image, 2, -0.75, -0.75, 0.0)
    assert exact.min() < 0 and exact.max() > 255
    assert np.array_equal(upscale_cubic(image, 2), np.clip(np.floor(exact + 0.5), 0, 255))  # half up
    sixteen = RNG.integers(0, 65536, (5, 6), dtype=np.uint16)
    expected = np.clip(np.floor(reference(sixteen, 3, -0.75, -0.75, 0.0) + 0.5), 0, 65535)
    assert np.abs(upscale_cubic(sixteen, 3).astype(np.int64) - expected).max() <= 1  # float32 inside


def test_the_colour_split_does_not_depend_on_its_row_pieces(tiny_models, monkeypatch):
    luma = LumaNetwork(SRModel(tiny_models.path(2)))
    rgb = RNG.integers(0, 256, (23, 31, 3), dtype=np.uint8)
    results = []
    for workers in (1, 2, 5, 64):
        monkeypatch.setattr(colour_split, "WORKERS", workers)
        results.append(colour_split.ColourSplit(luma, np.uint8).upscale(rgb))
    assert all(np.array_equal(results[0], other) for other in results[1:])


@pytest.mark.parametrize("scale", [2, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_a_crop_upscales_to_exactly_the_same_pixels_as_the_whole(scale, dtype):
    """Where a pixel sits must not change its result in the last bit (BLAS kernels round differently at different
    offsets of wide products): tiles rely on it to give exactly the whole image."""
    whole = RNG.normal(120, 60, (61, 83, 3)).clip(0, 255).astype(dtype)
    reference_out = upscale_cubic(whole, scale)
    for top, left in ((1, 0), (0, 3), (5, 7), (13, 16), (17, 29)):
        crop = upscale_cubic(whole[top:, left:], scale)
        inner = crop[2 * scale:, 2 * scale:]  # away from the crop's own replicated edge
        expected = reference_out[(top + 2) * scale:, (left + 2) * scale:]
        assert np.array_equal(inner, expected), (top, left)
