"""BT.601 colour conversions (MATLAB rgb2ycbcr / ycbcr2rgb on 0..255 floats)."""

from __future__ import annotations

import numpy as np
import pytest

from sesr_core.imaging.color import rgb_to_y, rgb_to_ycbcr, to_float255, ycbcr_to_rgb


def test_round_trip_is_exact() -> None:
    rgb = np.random.default_rng(0).random((17, 23, 3)) * 255
    assert np.max(np.abs(ycbcr_to_rgb(rgb_to_ycbcr(rgb)) - rgb)) < 1e-9
    ycbcr = np.random.default_rng(1).random((5, 7, 3)) * 255
    assert np.max(np.abs(rgb_to_ycbcr(ycbcr_to_rgb(ycbcr)) - ycbcr)) < 1e-9


@pytest.mark.parametrize(
    ("rgb", "expected"),
    [
        ((255, 255, 255), (235.0, 128.0, 128.0)),
        ((0, 0, 0), (16.0, 128.0, 128.0)),
        ((255, 0, 0), (16 + 65.481, 128 - 37.797, 128 + 112.0)),
        ((0, 255, 0), (16 + 128.553, 128 - 74.203, 128 - 93.786)),
        ((0, 0, 255), (16 + 24.966, 128 + 112.0, 128 - 18.214)),
    ],
)
def test_known_values(rgb: tuple[int, int, int], expected: tuple[float, float, float]) -> None:
    pixel = np.array(rgb, dtype=np.float64).reshape(1, 1, 3)
    assert np.allclose(rgb_to_ycbcr(pixel)[0, 0], expected, atol=1e-9)
    assert rgb_to_y(pixel)[0, 0] == pytest.approx(expected[0], abs=1e-9)
    assert np.allclose(ycbcr_to_rgb(np.array(expected).reshape(1, 1, 3))[0, 0], rgb, atol=1e-9)


def test_y_matches_full_conversion_and_keeps_float32() -> None:
    rgb = (np.random.default_rng(2).random((9, 11, 3)) * 255).astype(np.float32)
    y = rgb_to_y(rgb)
    assert y.shape == (9, 11) and y.dtype == np.float32
    assert np.allclose(y, rgb_to_ycbcr(rgb)[..., 0], atol=1e-4)
    assert rgb_to_ycbcr(rgb).dtype == np.float32
    assert rgb_to_y(rgb.astype(np.uint8)).dtype == np.float64  # uint8 is read as 0..255


def test_to_float255() -> None:
    assert np.array_equal(to_float255(np.array([0, 128, 255], np.uint8)), [0.0, 128.0, 255.0])
    assert np.allclose(to_float255(np.array([0, 257, 65535], np.uint16)), [0.0, 1.0, 255.0])
    same = np.array([1.5], np.float32)
    assert to_float255(same) is same
    with pytest.raises(TypeError):
        to_float255(np.array([1], np.int64))


def test_sixteen_bit_must_be_scaled_first() -> None:
    rgb16 = np.full((2, 2, 3), 65535, np.uint16)
    with pytest.raises(TypeError):
        rgb_to_y(rgb16)
    assert np.allclose(rgb_to_y(to_float255(rgb16)), 235.0)


def test_wrong_shape_raises() -> None:
    with pytest.raises(ValueError):
        rgb_to_y(np.zeros((4, 4)))
    with pytest.raises(ValueError):
        rgb_to_ycbcr(np.zeros((4, 4, 4)))
