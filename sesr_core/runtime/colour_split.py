"""Colour as the field does it: BT.601 Y through the network, Cb and Cr upscaled bicubically, merged back.

Works on one tile (or a whole image) of 8- or 16-bit RGB or greyscale pixels and returns the upscaled tile in the
same dtype. Every step is per pixel or a small neighbourhood (network, bicubic), so a tile with enough context
gives exactly the pixels of the whole-image result. The conversions are float32 matrix products with the matrices
of :mod:`sesr_core.imaging.color`; a greyscale image counts as RGB with equal channels (Y = 16 + 219 g / 255,
Cb = Cr = 128), so it goes through the network alone and stays greyscale.

Chroma uses the common bicubic (Keys a = -0.75, :mod:`sesr_core.runtime.keys_resize`): the MATLAB-exact ``imresize``
(a = -0.5) took 2.8 s per 1080p plane here, and chroma carries little detail.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from sesr_core.imaging.color import rgb_to_ycbcr
from sesr_core.runtime.blas import rows_times_pixels
from sesr_core.runtime.keys_resize import TAPS, upscale_cubic
from sesr_core.runtime.luma import LumaNetwork, to_unsigned

GREY_GAIN = 219.0 / 255.0  # Y of a grey level g (0..255): 16 + g * 219 / 255
GREY_OFFSET = 16.0
# BT.601 as an affine map on 0..255 values, read off sesr_core.imaging.color: ycbcr = _FORWARD @ rgb + _OFFSET.
_OFFSET = rgb_to_ycbcr(np.zeros((1, 1, 3)))[0, 0]
_FORWARD = (rgb_to_ycbcr(np.eye(3)[None])[0] - _OFFSET).T
_INVERSE = np.linalg.inv(_FORWARD)
WORKERS = max(1, min(4, os.cpu_count() or 1))  # threads for the full-size work: the cores the network used
CONTEXT = TAPS // 2  # input rows either side that an output row of the bicubic reads
assert np.allclose(_INVERSE[:, 0], _INVERSE[0, 0]), "Y must weigh the same in R, G and B"


class ColourSplit:
    """Upscales tiles of one pixel format (8- or 16-bit, grey or RGB) with a :class:`LumaNetwork`.

    Each output channel is ``w_y * Y + w_cb * Cb + w_cr * Cr + c`` (BT.601 inverse). Bicubic upscaling is linear,
    so the chroma part, the constant and the luma quantisation residual of each output channel are combined at input
    resolution into one plane and upscaled once; the full-size work per channel is that upscale, adding the network's
    raw output times ``w_y * gain``, and rounding into the output dtype. That work runs in row pieces on one thread
    per core (the cores the network has just used), each piece reading the two input rows of context it needs, so
    the result does not depend on the split.
    """

    def __init__(self, luma: LumaNetwork, dtype: np.dtype) -> None:
        self.luma = luma
        self.scale = luma.scale
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.uint8, np.uint16):
            raise TypeError(f"Only uint8 and uint16 pixels can be upscaled, not {self.dtype}.")
        self.unit = 257.0 if self.dtype == np.uint16 else 1.0  # stored value per 0..255 level
        weights = _INVERSE * self.unit  # output value per Y, Cb, Cr unit
        luma_weights = weights[:, 0]
        # Rows: Y (0..255 scale, without its offset) and the Cb/Cr part of each output channel, from stored RGB values.
        chroma = weights[:, 1:] @ _FORWARD[1:]
        self._rows = (np.vstack([_FORWARD[0], chroma]) / self.unit).astype(np.float32)
        # The constant of each channel takes the network's output offset (bicubic keeps constants) and 0.5, so that
        # saturating and truncating the sum rounds it.
        constants = weights[:, 1:] @ _OFFSET[1:] - weights @ _OFFSET + luma_weights * luma.output_offset + 0.5
        self._constants = constants.astype(np.float32)
        # Y weighs the same in R, G and B (Cb = Cr = 128 is grey), so the network's share is one plane for all three.
        self._luma_weight = np.float32(luma_weights[0])
        self._raw_weight = np.float32(luma_weights[0] * luma.output_gain)
        self._top = float(np.iinfo(self.dtype).max)

    def upscale(self, pixels: np.ndarray, padded: bool = False) -> np.ndarray:
        """Upscale an HxW (grey) or HxWx3 (RGB) tile; returns (sH, sW[, 3]) in the same dtype. A ``padded`` tile
        (cut with its context by :func:`~sesr_core.runtime.tiling.cut_tile`) goes through the network as it is."""
        return self.begin(pixels, padded)()

    def begin(self, pixels: np.ndarray, padded: bool = False) -> Callable[[], np.ndarray]:
        """Run the network on a tile now; the returned call does the full-size colour work and returns what
        :meth:`upscale` would. The call may run on another thread, alongside the network of the next tile."""
        if pixels.dtype != self.dtype:
            raise TypeError(f"Expected {self.dtype} pixels, got {pixels.dtype}.")
        if pixels.ndim == 2:
            grey = self._grey(pixels, padded)
            return lambda: grey
        return self._rgb(pixels, padded)

    def _grey(self, grey: np.ndarray, padded: bool) -> np.ndarray:
        if self.dtype == np.uint8:
            return self.luma.upscale_u8(grey, GREY_GAIN, GREY_OFFSET, padded=padded)
        y = grey.astype(np.float32)
        y *= np.float32(GREY_GAIN / self.unit)
        y += np.float32(GREY_OFFSET)
        up = self.luma.upscale_float(y, padded)
        return to_unsigned(up, self.unit / GREY_GAIN, -GREY_OFFSET * self.unit / GREY_GAIN, self.dtype)

    def _rgb(self, rgb: np.ndarray, padded: bool) -> Callable[[], np.ndarray]:
        height, width = rgb.shape[:2]
        planes = rows_times_pixels(self._rows, rgb.reshape(-1, 3)).reshape(4, height, width)
        y = planes[0]
        y += np.float32(_OFFSET[0])
        tensor, residual = self.luma.quantize(y)
        raw = self.luma.run(tensor, padded)
        return lambda: self._merge(planes[1:], residual, raw)

    def _merge(self, chroma: np.ndarray, residual: np.ndarray | None, raw: np.ndarray) -> np.ndarray:
        """The full-size colour work of an RGB tile: chroma planes (with their constants and the luma residual)
        upscaled, plus the network's raw output, rounded; in row pieces on the worker threads."""
        if residual is not None:
            residual *= self._luma_weight
        for channel, low in enumerate(chroma):
            low += self._constants[channel]
            if residual is not None:
                low += residual
        network = np.multiply(raw, self._raw_weight, dtype=np.float32)
        out = np.empty((*network.shape, 3), dtype=self.dtype)
        pieces = row_pieces(chroma.shape[1], WORKERS)
        list(_workers().map(lambda rows: self._finish(chroma, network, out, rows), pieces))
        return out

    def _finish(self, chroma: np.ndarray, network: np.ndarray, out: np.ndarray, rows: tuple[int, int]) -> None:
        """Output rows of input rows ``rows``: each chroma plane upscaled, plus the network, rounded into ``out``."""
        start, stop = rows
        s = self.scale
        first, last = max(start - CONTEXT, 0), min(stop + CONTEXT, chroma.shape[1])
        full = np.empty(((last - first) * s, chroma.shape[2] * s), dtype=np.float32)  # reused by the channels
        up = full[(start - first) * s:(stop - first) * s]
        for channel, low in enumerate(chroma):
            upscale_cubic(low[first:last], s, out=full)
            up += network[start * s:stop * s]
            np.clip(up, 0.0, self._top, out=up)
            np.copyto(out[start * s:stop * s, :, channel], up, casting="unsafe")  # truncates: 0.5 is in the constant


def row_pieces(height: int, count: int) -> list[tuple[int, int]]:
    """``count`` near-equal row ranges covering ``range(height)`` (fewer when there are fewer rows)."""
    bounds = np.linspace(0, height, min(count, height) + 1).round().astype(int)
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))


@lru_cache(maxsize=1)
def _workers() -> ThreadPoolExecutor:
    """The threads of the full-size work (numpy and BLAS release the GIL while they work)."""
    return ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="sesr-colour")
