"""Cubic (Keys) upscaling by an integer factor in numpy: separable, polyphase, edge pixels replicated.

Output pixel ``k`` of an axis samples the input at ``(k + 0.5) / s - 0.5 + shift`` (``shift`` 0 is the usual
pixel-centre convention). With ``a = -0.75`` and no shift this is the common "bicubic" resize of image libraries
(OpenCV's ``INTER_CUBIC``); the MATLAB-exact ``imresize`` (``a = -0.5``, antialiased) is
:mod:`sesr_core.imaging.matlab_imresize`.

For each output phase the kernel has fixed weights, so each pass is a batched matrix product on a strided view
(BLAS): ``s x 5`` weights times five input rows give the ``s`` output rows of each input row already interleaved;
the horizontal pass does the same on the transposed image. Five-tap products come out bit-identical wherever a pixel
sits, so a tile gives exactly the whole image's pixels. Integer images are computed in float32, rounded (half up) and
saturated to their own dtype; float images keep their dtype.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from sesr_core.runtime.blas import chunks

TAPS = 5  # input samples i-2 .. i+2 cover every phase of a 4-tap kernel shifted by less than half a pixel


def keys_kernel(x: np.ndarray, a: float) -> np.ndarray:
    """Keys' cubic convolution kernel with parameter ``a`` at offsets ``x``."""
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x <= 1, near, np.where(x < 2, far, 0.0))


@lru_cache(maxsize=32)
def phase_weights(scale: int, a: float, shift: float = 0.0) -> np.ndarray:
    """``(scale, 5)`` float64 weights: row ``p`` gives output ``s * i + p`` from input samples ``i - 2 .. i + 2``."""
    if not 0.0 <= shift < 0.5:
        raise ValueError(f"shift must be in [0, 0.5), got {shift}.")
    weights = np.zeros((scale, TAPS))
    for phase in range(scale):
        position = (phase + 0.5) / scale - 0.5 + shift  # relative to input sample i, in (-0.5, 1)
        first = int(np.floor(position)) - 1
        offsets = np.arange(first, first + 4)
        weights[phase, offsets + 2] = keys_kernel(offsets - position, a)
    weights /= weights.sum(axis=1, keepdims=True)
    weights.setflags(write=False)
    return weights


def upscale_cubic(image: np.ndarray, scale: int, a: float = -0.75, *, col_a: float | None = None,
                  col_shift: float = 0.0, out: np.ndarray | None = None) -> np.ndarray:
    """Upscale an HxW or HxWxC array by ``scale``; same dtype (integers rounded half up and saturated).

    ``a`` is the kernel parameter (``col_a`` for columns when it differs), ``col_shift`` moves the column sampling
    positions right by that many input pixels. ``out`` may be given for a result of the output shape and dtype.
    """
    image = np.asarray(image)
    if scale < 1 or image.ndim not in (2, 3) or 0 in image.shape:
        raise ValueError(f"Cannot upscale an array of shape {image.shape} by {scale}.")
    work = np.float64 if image.dtype == np.float64 else np.float32
    rows = phase_weights(scale, a).astype(work)
    cols = phase_weights(scale, a if col_a is None else col_a, col_shift).astype(work)
    height, width = image.shape[:2]
    columns = width * scale * int(np.prod(image.shape[2:], dtype=int))
    shape = (height * scale, width * scale, *image.shape[2:])
    if not np.issubdtype(image.dtype, np.floating):
        return _to_integer_half_up(_vertical(_horizontal(image, cols, work, 0.5), rows, height, columns),
                                   image.dtype, shape, out)
    direct = out is not None and out.dtype == image.dtype == work and out.flags.c_contiguous and out.shape == shape
    result = _vertical(_horizontal(image, cols, work), rows, height, columns, out if direct else None).reshape(shape)
    if direct:
        return result
    result = result.astype(image.dtype, copy=False)
    if out is None:
        return result
    out[...] = result
    return out


def _to_integer_half_up(values: np.ndarray, dtype: np.dtype, shape: tuple[int, ...],
                        out: np.ndarray | None) -> np.ndarray:
    """``values`` already hold the 0.5 of rounding: saturate, then truncate into ``dtype`` (``out`` may be strided)."""
    np.clip(values, 0.0, np.iinfo(dtype).max, out=values)
    values = values.reshape(shape)
    if out is None:
        return values.astype(dtype)
    np.copyto(out, values, casting="unsafe")
    return out


def _horizontal(image: np.ndarray, weights: np.ndarray, work: type, offset: float = 0.0) -> np.ndarray:
    """Columns upscaled, plus ``offset``: ``(H + 4, sW * C)`` in ``work`` dtype, rows 0-1 and H+2..H+3 replicating
    the edges.

    The image is transposed so that its columns are rows, and the columns go through :func:`_vertical`: every
    output value is then the same five-tap product wherever its pixel sits in the array. (OpenBLAS's kernels for
    wider products round differently at different row and column offsets, which made a tile differ from the whole
    image in the last bit, and now and then in an output level.)
    """
    height, width = image.shape[:2]
    channels = int(np.prod(image.shape[2:], dtype=int))
    padded = np.pad(image, ((0, 0), (2, 2), *((0, 0),) * (image.ndim - 2)), mode="edge")
    columns = np.ascontiguousarray(np.moveaxis(padded, 1, 0).reshape(width + 4, height * channels), dtype=work)
    if offset:
        columns += work(offset)  # a constant goes through unchanged (the weights of every phase sum to 1)
    upscaled = _vertical(columns, weights, width, height * channels)  # (sW, H * C)
    scale = weights.shape[0]
    wide = np.empty((height + 4, width * scale, channels), dtype=work)
    wide[2:height + 2] = upscaled.reshape(width * scale, height, channels).transpose(1, 0, 2)
    wide[:2] = wide[2]
    wide[height + 2:] = wide[height + 1]
    return wide.reshape(height + 4, -1)


def _vertical(wide: np.ndarray, weights: np.ndarray, height: int, columns: int,
              out: np.ndarray | None = None) -> np.ndarray:
    """Rows upscaled: ``(s, 5) @ (5, N)`` for each input row, batched, cut into column chunks; ``(sH, N)``."""
    scale = weights.shape[0]
    if out is None:
        out = np.empty((height, scale, columns), dtype=wide.dtype)
    out = out.reshape(height, scale, columns)
    windows = sliding_window_view(wide, TAPS, axis=0).transpose(0, 2, 1)  # (H, 5, N'): rows of wide as the taps
    for start, stop in chunks(columns, scale * TAPS):
        np.matmul(weights, windows[:, :, start:stop], out=out[:, :, start:stop])
    return out.reshape(height * scale, columns)
