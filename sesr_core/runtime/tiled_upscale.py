"""Upscale image arrays tile by tile: bounded working memory, exactly the whole-image result, cancellable.

Only the output array is allocated at full size; a tile's temporaries (float planes, network activations) live
while the next tile goes through the network (its colour work overlaps that) and are dropped then, so at most two
tiles' worth is held. Alpha is upscaled on its own, bicubically, and never goes through the network.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import lru_cache

import numpy as np

from sesr_core.jobs import CancelToken
from sesr_core.runtime.colour_split import ColourSplit
from sesr_core.runtime.keys_resize import upscale_cubic
from sesr_core.runtime.luma import LumaNetwork
from sesr_core.runtime.tiling import TILE_MAX_WIDTH, TILE_PIXELS, Tile, cut_tile, plan_tiles

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

    def place(finish: Callable[[], np.ndarray], tile: Tile) -> int:
        """The tile's colour work, its core copied into ``out``; returns the input pixels it covers."""
        rows, cols = tile.rows, tile.cols
        result = finish()
        out[rows.core_start * scale:rows.core_stop * scale, cols.core_start * scale:cols.core_stop * scale] = \
            result[rows.crop.start * scale:rows.crop.stop * scale, cols.crop.start * scale:cols.crop.stop * scale]
        return tile.core_pixels

    # The colour work of a tile runs on a helper thread while the network runs on the next tile: the network
    # leaves part of the cores idle. At most one tile waits, so memory stays bounded.
    pending: Future[int] | None = None
    try:
        for tile in plan_tiles(height, width, luma.radius, tile_pixels, max_width):
            if cancel is not None:
                cancel.raise_if_cancelled()
            finish = split.begin(cut_tile(pixels, tile), padded=True)
            if pending is not None:
                done += pending.result()
                pending = None
                if on_progress is not None:
                    on_progress(done, total)
            pending = _merger().submit(place, finish, tile)
        done += pending.result() if pending is not None else 0
        pending = None
        if on_progress is not None:
            on_progress(done, total)
    finally:
        if pending is not None:
            wait([pending])  # never leave a helper writing into ``out`` after an error or a cancel
    if cancel is not None:
        cancel.raise_if_cancelled()
    return out, (None if alpha is None else upscale_alpha(np.asarray(alpha), scale))


@lru_cache(maxsize=1)
def _merger() -> ThreadPoolExecutor:
    """The one helper thread that does a tile's colour work while the caller runs the network on the next."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="sesr-merge")
