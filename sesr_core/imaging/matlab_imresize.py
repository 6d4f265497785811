"""MATLAB-compatible bicubic ``imresize`` (Keys cubic, a = -0.5, antialiased when shrinking), numpy only.

Follows MATLAB's ``imresize``: per-dimension ``contributions`` (index and weight tables), dimensions
processed in order of increasing scale factor, out-of-range indices clamped to the edge (MATLAB's
``min(max(1, indices), in_length)``), and for integer images a round-half-away-from-zero and saturate to
the input class after *each* dimension pass (``imresizemex`` returns the input class). With these rules
the MATLAB-made Set5 low-resolution images are reproduced bit for bit.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Literal

import numpy as np

Boundary = Literal["replicate", "symmetric"]

_KERNEL_WIDTH = 4.0
_BLOCK_ROWS = 32  # output lines per dense block of the banded weight matrix
_INT_MAX = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}
_FLOAT_TYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _cubic(x: np.ndarray) -> np.ndarray:
    """Keys cubic kernel with a = -0.5, written as MATLAB writes it."""
    absx = np.abs(x)
    absx2 = absx**2
    absx3 = absx**3
    near = (1.5 * absx3 - 2.5 * absx2 + 1) * (absx <= 1)
    far = (-0.5 * absx3 + 2.5 * absx2 - 4 * absx + 2) * ((absx > 1) & (absx <= 2))
    return near + far


@lru_cache(maxsize=128)
def _contributions(in_len: int, out_len: int, scale: float, boundary: Boundary) -> tuple[np.ndarray, np.ndarray]:
    """MATLAB's ``contributions``: weights and 0-based source indices, both shaped (out_len, taps)."""
    width = _KERNEL_WIDTH / scale if scale < 1 else _KERNEL_WIDTH  # antialiasing stretches the kernel
    x = np.arange(1, out_len + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - width / 2)
    taps = math.ceil(width) + 2
    indices = left[:, None] + np.arange(taps, dtype=np.float64)[None, :]
    distance = u[:, None] - indices
    weights = scale * _cubic(scale * distance) if scale < 1 else _cubic(distance)
    weights = weights / np.sum(weights, axis=1, keepdims=True)
    one_based = indices.astype(np.int64)
    if boundary == "replicate":  # MATLAB: indices = min(max(1, indices), in_length)
        zero_based = np.clip(one_based - 1, 0, in_len - 1)
    elif boundary == "symmetric":  # mirror with edge repeat: aux = [1..n, n..1] indexed modulo 2n
        aux = np.concatenate([np.arange(in_len), np.arange(in_len - 1, -1, -1)])
        zero_based = aux[np.mod(one_based - 1, 2 * in_len)]
    else:
        raise ValueError(f"boundary must be 'replicate' or 'symmetric', not {boundary!r}.")
    keep = np.any(weights != 0, axis=0)
    weights = np.ascontiguousarray(weights[:, keep])
    zero_based = np.ascontiguousarray(zero_based[:, keep])
    weights.flags.writeable = False
    zero_based.flags.writeable = False
    return weights, zero_based


@lru_cache(maxsize=128)
def _weight_blocks(
    in_len: int, out_len: int, scale: float, boundary: Boundary
) -> tuple[tuple[int, int, int, int, np.ndarray], ...]:
    """Split the banded (out_len x in_len) weight matrix into small dense blocks (o0, o1, lo, hi, matrix)."""
    weights, indices = _contributions(in_len, out_len, scale, boundary)
    blocks = []
    for o0 in range(0, out_len, _BLOCK_ROWS):
        o1 = min(o0 + _BLOCK_ROWS, out_len)
        idx = indices[o0:o1]
        lo, hi = int(idx.min()), int(idx.max()) + 1
        matrix = np.zeros((o1 - o0, hi - lo), dtype=np.float64)
        rows = np.broadcast_to(np.arange(o1 - o0)[:, None], idx.shape)
        np.add.at(matrix, (rows, idx - lo), weights[o0:o1])  # add: clamped indices may repeat
        matrix.flags.writeable = False
        blocks.append((o0, o1, lo, hi, matrix))
    return tuple(blocks)


def _resize_axis(
    data: np.ndarray, axis: int, scale: float, out_len: int, boundary: Boundary, max_value: float | None
) -> np.ndarray:
    """Resize float64 ``data`` along ``axis`` with one small matrix product per block of output lines.

    With ``max_value`` set (integer input) the result is rounded and saturated, as ``imresizemex`` does.
    """
    moved = np.moveaxis(data, axis, 0)
    rest = moved.shape[1:]
    flat = moved.reshape(moved.shape[0], -1)
    out = np.empty((out_len, flat.shape[1]), dtype=np.float64)
    for o0, o1, lo, hi, matrix in _weight_blocks(moved.shape[0], out_len, scale, boundary):
        np.matmul(matrix, flat[lo:hi], out=out[o0:o1])
    if max_value is not None:
        _round_saturate_inplace(out, max_value)
    return np.moveaxis(out.reshape((out_len, *rest)), 0, axis)


def _round_saturate_inplace(data: np.ndarray, max_value: float) -> None:
    """Clip to [0, max_value] and round half away from zero, in place (values stay float64)."""
    np.clip(data, 0.0, max_value, out=data)
    floor = np.floor(data)
    data -= floor
    np.add(floor, data >= 0.5, out=data)


def _resize(
    image: np.ndarray, scales: tuple[float, float], out_shape: tuple[int, int], boundary: Boundary
) -> np.ndarray:
    dtype = image.dtype
    max_value = _INT_MAX.get(dtype)
    if max_value is None and dtype not in _FLOAT_TYPES:
        raise TypeError(f"imresize supports uint8, uint16, float32 and float64 images, not {dtype}.")
    if image.ndim not in (2, 3) or image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"imresize needs a non-empty HxW or HxWxC image, got shape {image.shape}.")
    if boundary not in ("replicate", "symmetric"):
        raise ValueError(f"boundary must be 'replicate' or 'symmetric', not {boundary!r}.")
    data = image.astype(np.float64)
    order = sorted((0, 1), key=lambda axis: scales[axis])  # stable: rows first when equal
    for axis in order:
        if scales[axis] == 1 and out_shape[axis] == image.shape[axis]:
            continue  # identity pass: every weight row is a single 1
        data = _resize_axis(data, axis, scales[axis], out_shape[axis], boundary, max_value)
    return data.astype(dtype)


def imresize(
    image: np.ndarray,
    scale: float | None = None,
    output_shape: tuple[int, int] | None = None,
    *,
    boundary: Boundary = "replicate",
) -> np.ndarray:
    """Resize like MATLAB's ``imresize(image, scale_or_size, 'bicubic')``; give ``scale`` or ``output_shape``.

    The output has the input dtype (uint8, uint16, float32 or float64); with a scale its size is
    ``ceil(in * scale)``. ``boundary="symmetric"`` mirrors instead of clamping at the edges, as some
    ports of imresize do; the default matches MATLAB.
    """
    image = np.asarray(image)
    if (scale is None) == (output_shape is None):
        raise ValueError("imresize needs exactly one of scale or output_shape.")
    if image.ndim not in (2, 3):
        raise ValueError(f"imresize needs an HxW or HxWxC image, got shape {image.shape}.")
    height, width = image.shape[:2]
    if scale is not None:
        if not (math.isfinite(scale) and scale > 0):
            raise ValueError(f"imresize scale must be a positive finite number, got {scale}.")
        scale = float(scale)
        out_shape = (math.ceil(scale * height), math.ceil(scale * width))
        return _resize(image, (scale, scale), out_shape, boundary)
    out_h, out_w = (int(v) for v in output_shape)  # type: ignore[union-attr]
    if out_h <= 0 or out_w <= 0:
        raise ValueError(f"imresize output_shape must be positive, got {output_shape}.")
    return _resize(image, (out_h / height, out_w / width), (out_h, out_w), boundary)


def bicubic_downscale(image: np.ndarray, scale: int) -> np.ndarray:
    """Shrink by an integer factor as the SR field makes LR inputs: MATLAB ``imresize(image, 1/scale)``."""
    scale = _check_factor(scale)
    image = np.asarray(image)
    height, width = image.shape[:2]
    out_shape = (-(-height // scale), -(-width // scale))  # exact ceil(in / scale)
    return _resize(image, (1.0 / scale, 1.0 / scale), out_shape, "replicate")


def bicubic_upscale(image: np.ndarray, scale: int) -> np.ndarray:
    """Enlarge by an integer factor with MATLAB bicubic: ``imresize(image, scale)``."""
    scale = _check_factor(scale)
    image = np.asarray(image)
    height, width = image.shape[:2]
    return _resize(image, (float(scale), float(scale)), (height * scale, width * scale), "replicate")


def crop_to_multiple(image: np.ndarray, scale: int) -> np.ndarray:
    """Crop bottom rows and right columns so both dimensions are multiples of ``scale`` (top-left kept)."""
    scale = _check_factor(scale)
    height, width = image.shape[:2]
    new_h, new_w = height - height % scale, width - width % scale
    if new_h == 0 or new_w == 0:
        raise ValueError(f"A {width}x{height} image is smaller than the scale factor {scale}.")
    return image[:new_h, :new_w]


def _check_factor(scale: int) -> int:
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(f"The scale factor must be a positive integer, got {scale!r}.")
    return int(scale)
