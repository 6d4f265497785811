"""The network on one luma plane, in BT.601 Y units (0..255 scale), with nothing lost to the model's input quantiser.

An int8 model sees its input rounded (and clipped) to its own 8-bit grid. Whatever that rounding drops, the
*residual* ``y - dequantise(quantise(y))``, is upscaled bicubically and added back to the network's output:
``out = SR(q(y)) + bicubic(y - q(y))``. Where the quantiser is exact (an 8-bit plane on a model whose input step
is 1/255) the residual is zero and skipped; for 16-bit images it keeps the fine gradations that 8 bits cannot hold,
and for highlights above the model's calibrated input range it restores what clipping removed.

Two entry points: :meth:`LumaNetwork.upscale_float` for float Y (colour and 16-bit images) and
:meth:`LumaNetwork.upscale_u8` for 8-bit planes (video Y, 8-bit greyscale) through lookup tables.
"""

from __future__ import annotations

import numpy as np

from sesr_core.runtime.keys_resize import upscale_cubic
from sesr_core.runtime.sr_model import SRModel
from sesr_core.runtime.tiling import TILE_MAX_WIDTH, TILE_PIXELS, cut_tile, plan_tiles

_BYTES = np.arange(256, dtype=np.uint8)
_SIGN_FLIP = _BYTES ^ np.uint8(0x80)  # uint8 bytes <-> int8 values + 128
_RESIDUAL_TOLERANCE = 1e-4  # in Y units: below this a residual table counts as zero


def upscale_bicubic(plane: np.ndarray, scale: int) -> np.ndarray:
    """Bicubic (Keys a = -0.75, edge pixels replicated) by an integer factor; same dtype as ``plane``."""
    return upscale_cubic(plane, scale)


def to_unsigned(values: np.ndarray, alpha: float, beta: float, dtype: type,
                out: np.ndarray | None = None) -> np.ndarray:
    """``round(alpha * values + beta)`` saturated to uint8 or uint16 (into ``out`` when given)."""
    scaled = np.multiply(values, np.float32(alpha), dtype=np.float32)
    scaled += np.float32(beta)
    return to_integer(scaled, np.dtype(dtype), out)


def to_integer(values: np.ndarray, dtype: np.dtype, out: np.ndarray | None = None) -> np.ndarray:
    """Float ``values`` rounded (half to even) and saturated to an integer ``dtype``; ``values`` is overwritten."""
    info = np.iinfo(dtype)
    np.rint(values, out=values)
    np.clip(values, info.min, info.max, out=values)
    if out is None:
        return values.astype(dtype)
    np.copyto(out, values, casting="unsafe")
    return out


class LumaNetwork:
    """Runs an :class:`SRModel` on Y planes; ``radius`` is the context a tile needs around the pixels it owns.

    The model's raw output (int8 or float32) is Y = ``output_gain * raw + output_offset`` (0..255 scale).
    """

    def __init__(self, model: SRModel, tile_pixels: int = TILE_PIXELS) -> None:
        self.model = model
        self.tile_pixels = tile_pixels
        self.scale = model.scale
        self.radius = max(model.receptive_radius, 2)  # 2: the bicubic residual's own reach
        self.int8 = model.input_dtype == np.int8
        if self.int8:
            in_scale, in_zero = model.input_quant
            out_scale, out_zero = model.output_quant
            self._in_gain = 1.0 / (255.0 * float(in_scale))  # Y units -> quantised steps
            self._in_offset = float(in_zero) + 128.0  # the unsigned byte is the int8 value + 128
            self._in_step = 255.0 * float(in_scale)  # one quantised step in Y units
            self.output_gain = 255.0 * float(out_scale)
            self.output_offset = -float(out_zero) * self.output_gain
            signed = _BYTES.view(np.int8).astype(np.float64)
            self._out_lut = (signed * self.output_gain + self.output_offset).astype(np.float32)
        else:
            self.output_gain, self.output_offset = 255.0, 0.0
            self._out_lut = None

    def run(self, tensor: np.ndarray, padded: bool = False, bucketed: bool = True) -> np.ndarray:
        """The model's raw output for a whole input plane, in padded strips (exact, see
        :mod:`sesr_core.runtime.tiling`); a ``padded`` tile (already cut with its context) runs as it is.
        ``bucketed`` strips come from the shape menu (images); video frames all share one exact shape."""
        if padded:
            return self.model.run_raw(tensor)
        return run_in_tiles(self.model, tensor, self.radius, self.tile_pixels, bucketed)

    # ------------------------------------------------------------------------------------------- float Y

    def quantize(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The model input for float32 Y (0..255 scale) and the residual it loses (Y units), None if nothing."""
        y = np.ascontiguousarray(y, dtype=np.float32)
        if not self.int8:
            return y * np.float32(1.0 / 255.0), None
        scaled = np.maximum(y, np.float32(0.0))
        scaled *= np.float32(self._in_gain)
        scaled += np.float32(self._in_offset)
        steps = to_integer(scaled, np.dtype(np.uint8))
        residual = steps * np.float32(-self._in_step)
        residual += y
        residual += np.float32(self._in_offset * self._in_step)
        return _as_int8(steps), residual

    def upscale_float(self, y: np.ndarray, padded: bool = False) -> np.ndarray:
        """Upscale float32 Y (0..255 scale, HxW) to float32 (sH x sW), the quantisation residual added back."""
        tensor, residual = self.quantize(y)
        out = self.to_y(self.run(tensor, padded))
        if residual is not None:
            out += upscale_bicubic(residual, self.scale)
        return out

    def to_y(self, raw: np.ndarray) -> np.ndarray:
        """The model's raw output as float32 Y (0..255 scale)."""
        out = np.multiply(raw, np.float32(self.output_gain), dtype=np.float32)
        out += np.float32(self.output_offset)
        return out

    # --------------------------------------------------------------------------------------- 8-bit planes

    def tables_for(self, gain: float, offset: float) -> tuple[np.ndarray, np.ndarray | None]:
        """Lookup tables for an 8-bit plane whose Y is ``gain * value + offset``.

        Returns the model input for each byte value (int8 bytes, or float32 Y/255 for an fp32 model) and the
        residual per byte value in Y units, or None when the quantiser loses nothing.
        """
        y = gain * _BYTES.astype(np.float64) + offset
        if not self.int8:
            return (y / 255.0).astype(np.float32), None
        steps = np.clip(np.rint(y * self._in_gain + self._in_offset), 0, 255)
        residual = (y - (steps - self._in_offset) * self._in_step).astype(np.float32)
        model_input = (steps.astype(np.uint8) ^ np.uint8(0x80))
        return model_input, (residual if np.abs(residual).max() > _RESIDUAL_TOLERANCE else None)

    def upscale_u8(self, plane: np.ndarray, gain: float = 1.0, offset: float = 0.0,
                   out: np.ndarray | None = None, padded: bool = False, bucketed: bool = True) -> np.ndarray:
        """Upscale an 8-bit plane whose Y is ``gain * value + offset``; returns the 8-bit plane (sH x sW).

        ``out`` may be a (strided) uint8 array of the output shape to write into; ``padded`` and ``bucketed`` are
        as for :meth:`run`.
        """
        plane = np.ascontiguousarray(plane, dtype=np.uint8)
        model_input, residual_table = self.tables_for(gain, offset)
        tensor = lookup(model_input, plane)
        raw = self.run(tensor.view(np.int8) if self.int8 else tensor, padded, bucketed)
        if residual_table is None and self.int8:
            table = to_unsigned(self._out_lut, 1.0 / gain, -offset / gain, np.uint8)
            return lookup(table, raw.view(np.uint8), out)
        y = self.to_y(raw)
        if residual_table is not None:
            y += upscale_bicubic(np.take(residual_table, plane), self.scale)
        return to_unsigned(y, 1.0 / gain, -offset / gain, np.uint8, out)


def run_in_tiles(model: SRModel, tensor: np.ndarray, radius: int, tile_pixels: int = TILE_PIXELS,
                 bucketed: bool = True) -> np.ndarray:
    """``model``'s raw output for a whole quantised plane: padded strips of one shape, their cores stitched."""
    height, width = tensor.shape
    s = model.scale
    tiles = plan_tiles(height, width, radius, tile_pixels, TILE_MAX_WIDTH, bucketed)
    out = np.empty((height * s, width * s), dtype=model.output_dtype)
    for tile in tiles:
        rows, cols = tile.rows, tile.cols
        raw = model.run_raw(cut_tile(tensor, tile))
        out[rows.core_start * s:rows.core_stop * s, cols.core_start * s:cols.core_stop * s] = \
            raw[rows.crop.start * s:rows.crop.stop * s, cols.crop.start * s:cols.crop.stop * s]
    return out


def lookup(table: np.ndarray, indices: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``table[indices]`` for a 256-entry table and uint8 indices, into ``out`` (which may be strided) when given.

    The usual tables of an int8 model whose input and output step is one grey level (video Y in and out) flip the
    sign bit, which numpy does some 40 times faster than a general gather.
    """
    if table.dtype == np.uint8 and np.array_equal(table, _SIGN_FLIP):
        return np.bitwise_xor(indices, np.uint8(0x80), out=out)
    if out is None:
        return np.take(table, indices)
    np.copyto(out, np.take(table, indices))
    return out


def _as_int8(steps: np.ndarray) -> np.ndarray:
    """Unsigned quantised steps (int8 value + 128) as the int8 tensor the model takes."""
    np.bitwise_xor(steps, np.uint8(0x80), out=steps)
    return steps.view(np.int8)
