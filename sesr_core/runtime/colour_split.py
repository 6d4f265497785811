"""Colour as the field does it: BT.601 Y through the network, Cb and Cr upscaled bicubically, merged back.

Works on one tile (or a whole image) of 8- or 16-bit RGB or greyscale pixels and returns the upscaled tile in the
same dtype. Every step is per pixel or a small neighbourhood (network, bicubic), so a tile with enough context
gives exactly the pixels of the whole-image result. The conversions are OpenCV calls on float32 with the
matrices of :mod:`sesr_core.imaging.color`; a greyscale image counts as RGB with equal channels (Y = 16 +
219 g / 255, Cb = Cr = 128), so it goes through the network alone and stays greyscale.

Chroma uses OpenCV's bicubic (Keys a = -0.75): the MATLAB-exact ``imresize`` (a = -0.5) took 2.8 s per 1080p
plane here against 5 ms, and chroma carries little detail.
"""

from __future__ import annotations

import cv2
import numpy as np

from sesr_core.imaging.color import rgb_to_ycbcr
from sesr_core.runtime.luma import LumaNetwork, upscale_bicubic

GREY_GAIN = 219.0 / 255.0  # Y of a grey level g (0..255): 16 + g * 219 / 255
GREY_OFFSET = 16.0
# BT.601 as an affine map on 0..255 values, read off sesr_core.imaging.color: ycbcr = _FORWARD @ rgb + _OFFSET.
_OFFSET = rgb_to_ycbcr(np.zeros((1, 1, 3)))[0, 0]
_FORWARD = (rgb_to_ycbcr(np.eye(3)[None])[0] - _OFFSET).T
_INVERSE = np.linalg.inv(_FORWARD)


def _forward_row(channel: int, unit: float) -> np.ndarray:
    """A 1x4 cv2.transform matrix: Y, Cb or Cr (0..255 scale) of RGB given in units of ``unit`` per 0..255 level."""
    return np.append(_FORWARD[channel] / unit, _OFFSET[channel]).astype(np.float32)[None, :]


class ColourSplit:
    """Upscales tiles of one pixel format (8- or 16-bit, grey or RGB) with a :class:`LumaNetwork`.

    Each output channel is ``w_y * Y + w_cb * Cb + w_cr * Cr + c`` (BT.601 inverse). Bicubic upscaling is linear,
    so the chroma part and the luma quantisation residual are combined at input resolution and upscaled once per
    channel; the full-size work is one resize and one weighted sum (into the output dtype) per channel.
    """

    def __init__(self, luma: LumaNetwork, dtype: np.dtype) -> None:
        self.luma = luma
        self.scale = luma.scale
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.uint8, np.uint16):
            raise TypeError(f"Only uint8 and uint16 pixels can be upscaled, not {self.dtype}.")
        self.unit = 257.0 if self.dtype == np.uint16 else 1.0  # stored value per 0..255 level
        self._luma_row = _forward_row(0, self.unit)
        weights = _INVERSE * self.unit  # output value per Y, Cb, Cr unit
        self._luma_weights = weights[:, 0]
        self._constants = -(weights @ _OFFSET)
        # The Cb/Cr part of each output channel, straight from the input RGB values (plus the constant).
        chroma = weights[:, 1:] @ _FORWARD[1:] / self.unit
        chroma_constant = weights[:, 1:] @ _OFFSET[1:] + self._constants
        self._chroma_rows = [np.append(chroma[c], chroma_constant[c]).astype(np.float32)[None, :] for c in range(3)]
        self._depth = cv2.CV_16U if self.dtype == np.uint16 else cv2.CV_8U

    def upscale(self, pixels: np.ndarray) -> np.ndarray:
        """Upscale an HxW (grey) or HxWx3 (RGB) tile; returns (sH, sW[, 3]) in the same dtype."""
        if pixels.dtype != self.dtype:
            raise TypeError(f"Expected {self.dtype} pixels, got {pixels.dtype}.")
        if pixels.ndim == 2:
            return self._grey(pixels)
        return self._rgb(pixels)

    def _grey(self, grey: np.ndarray) -> np.ndarray:
        if self.dtype == np.uint8:
            return self.luma.upscale_u8(grey, GREY_GAIN, GREY_OFFSET)
        y = grey.astype(np.float32)
        y = cv2.addWeighted(y, GREY_GAIN / self.unit, y, 0.0, GREY_OFFSET)
        up = self.luma.upscale_float(y)
        return cv2.addWeighted(up, self.unit / GREY_GAIN, up, 0.0, -GREY_OFFSET * self.unit / GREY_GAIN,
                               dtype=self._depth)

    def _rgb(self, rgb: np.ndarray) -> np.ndarray:
        values = rgb.astype(np.float32)
        tensor, residual = self.luma.quantize(cv2.transform(values, self._luma_row))
        raw = self.luma.run(tensor)
        gain, offset = self.luma.output_gain, self.luma.output_offset
        channels = []
        for channel in range(3):
            w_y = float(self._luma_weights[channel])
            low = cv2.transform(values, self._chroma_rows[channel])
            if residual is not None:
                low = cv2.scaleAdd(residual, w_y, low)
            up = upscale_bicubic(low, self.scale)
            channels.append(cv2.addWeighted(raw, w_y * gain, up, 1.0, w_y * offset, dtype=self._depth))
        return cv2.merge(channels)
