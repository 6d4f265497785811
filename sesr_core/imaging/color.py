"""ITU-R BT.601 colour conversions matching MATLAB's ``rgb2ycbcr`` / ``ycbcr2rgb``, on floats in 0..255.

Y lies in 16..235 and Cb, Cr in 16..240 for RGB in 0..255. Nothing is rounded, so the functions work as
well on 16-bit images brought to 0..255 with :func:`to_float255`.
"""

from __future__ import annotations

import numpy as np

# Rows give Y, Cb, Cr as weights on R, G, B in 0..1 (MATLAB's table); offsets are in 0..255 units.
_RGB_TO_YCBCR = np.array(
    [
        [65.481, 128.553, 24.966],
        [-37.797, -74.203, 112.0],
        [112.0, -93.786, -18.214],
    ],
    dtype=np.float64,
)
_OFFSET = np.array([16.0, 128.0, 128.0], dtype=np.float64)
_FORWARD = _RGB_TO_YCBCR / 255.0  # acts on RGB in 0..255
_INVERSE = np.linalg.inv(_FORWARD)


def _as_float(image: np.ndarray) -> tuple[np.ndarray, np.dtype]:
    """Return a float64 view/copy of ``image`` and the float dtype to hand back."""
    image = np.asarray(image)
    if image.dtype == np.uint16:
        raise TypeError("A uint16 image must be brought to 0..255 with to_float255 before colour conversion.")
    out_dtype = image.dtype if image.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    return image.astype(np.float64, copy=False), out_dtype


def _check_rgb(image: np.ndarray) -> None:
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"Expected an HxWx3 image, got shape {image.shape}.")


def to_float255(image: np.ndarray) -> np.ndarray:
    """Map uint8 as is and uint16 by x/257 to float64 in 0..255; float input is returned as float unchanged."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image.astype(np.float64)
    if image.dtype == np.uint16:
        return image.astype(np.float64) / 257.0
    if image.dtype in (np.float32, np.float64):
        return image
    raise TypeError(f"to_float255 supports uint8, uint16 and float images, not {image.dtype}.")


def rgb_to_ycbcr(rgb: np.ndarray) -> np.ndarray:
    """Convert HxWx3 RGB in 0..255 to YCbCr (MATLAB ``rgb2ycbcr`` without rounding)."""
    data, out_dtype = _as_float(rgb)
    _check_rgb(data)
    return (data @ _FORWARD.T + _OFFSET).astype(out_dtype, copy=False)


def ycbcr_to_rgb(ycbcr: np.ndarray) -> np.ndarray:
    """Convert HxWx3 YCbCr back to RGB in 0..255 (exact inverse of :func:`rgb_to_ycbcr`, not clipped)."""
    data, out_dtype = _as_float(ycbcr)
    _check_rgb(data)
    return ((data - _OFFSET) @ _INVERSE.T).astype(out_dtype, copy=False)


def rgb_to_y(rgb: np.ndarray) -> np.ndarray:
    """Return the HxW luma channel Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 of RGB in 0..255."""
    data, out_dtype = _as_float(rgb)
    _check_rgb(data)
    return (data @ _FORWARD[0] + _OFFSET[0]).astype(out_dtype, copy=False)
