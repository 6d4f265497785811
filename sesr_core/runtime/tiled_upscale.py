"""Upscale image arrays tile by tile: bounded working memory, exactly the whole-image result, cancellable.

Only the output array is allocated at full size; each tile's temporaries (float planes, network activations) are
dropped before the next tile. Alpha is upscaled on its own, bicubically, and never goes through the network.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sesr_core.jobs import CancelToken
from sesr_core.runtime.colour_split import ColourSplit
from sesr_core.runtime.keys_resize import upscale_cubic
from sesr_core.runtime.luma import LumaNetwork
from sesr_core.runtime.tiling import TILE_MAX_WIDTH, TILE_PIXELS, cut_tile, plan_tiles

TileProgress = Callable[[int, int], None]  # (input pixels done, input pixels in all)


def upscale_alpha(alpha: np.ndarray, scale: int) -> np.ndarray:
    """Alpha upscaled bicubically (Keys a = -0.75, edge pixels replicated), saturated to its own dtype."""
    return upscale_cubic(alpha, scale)


def upscale_pixels(
    luma: LumaNetwork,
    pixels: np.ndarray,
    alpha: np.ndarray | None = None,
    *,
    tile_size: int | None = None,
    tile_pixels: int | None = None,
    cancel: CancelToken | None = None,
    on_progress: TileProgress | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Upscale HxW (grey) or HxWx3 (RGB) uint8/uint16 ``pixels`` and optional HxW ``alpha`` by ``luma.scale``.

    ``tile_size`` is the widest tile core (default: :data:`TILE_MAX_WIDTH` with context) and ``tile_pixels`` the
    most input pixels a tile may hold (default :data:`TILE_PIXELS`, or square tiles of ``tile_size`` when only that
    is given). Tiles reaching past the image are padded with its edge pixels, so the result never depends on them.
    Raises :class:`~sesr_core.errors.CancelledError` between tiles when ``cancel`` is set.
    """
    pixels = np.asarray(pixels)
    if pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[2] != 3) or 0 in pixels.shape:
        raise ValueError(f"Expected HxW or HxWx3 pixels, got shape {pixels.shape}.")
    split = ColourSplit(luma, pixels.dtype)
    scale = luma.scale
    if tile_pixels is None:
        tile_pixels = (tile_size + 2 * luma.radius) ** 2 if tile_size else TILE_PIXELS
    max_width = tile_size + 2 * luma.radius if tile_size else TILE_MAX_WIDTH
    height, width = pixels.shape[:2]
    out = np.empty((height * scale, width * scale, *pixels.shape[2:]), dtype=pixels.dtype)
    total, done = height * width, 0
    for tile in plan_tiles(height, width, luma.radius, tile_pixels, max_width):
        if cancel is not None:
            cancel.raise_if_cancelled()
        rows, cols = tile.rows, tile.cols
        result = split.upscale(cut_tile(pixels, tile), padded=True)
        crop_rows = slice(rows.crop.start * scale, rows.crop.stop * scale)
        crop_cols = slice(cols.crop.start * scale, cols.crop.stop * scale)
        out[rows.core_start * scale:rows.core_stop * scale, cols.core_start * scale:cols.core_stop * scale] = \
            result[crop_rows, crop_cols]
        del result
        done += tile.core_pixels
        if on_progress is not None:
            on_progress(done, total)
    if cancel is not None:
        cancel.raise_if_cancelled()
    return out, (None if alpha is None else upscale_alpha(np.asarray(alpha), scale))
