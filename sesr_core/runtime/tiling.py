"""Tile plans: tiles that overlap by the receptive field, so tiled output equals whole-image output.

Along each axis the image is split into near-equal cores; each tile is its core widened by ``margin`` on both sides
(clipped to the image). Tiles near the end are shifted inwards rather than shrunk, so every tile of an image has the
same shape and LiteRT allocates one interpreter for all of them. A pixel of a core is at least ``margin`` pixels from
every tile edge that is not an image edge, which makes its result exact when ``margin`` is the receptive-field radius.

Tiles are wide strips: XNNPACK runs a 1920x288 strip as fast per pixel as a whole 1080p frame (measured here), while
its per-operator buffers grow with the tile (about 790 bytes per input pixel for SESR-M5, 1.6 GB for a whole 1080p
frame), so a pixel budget per tile bounds memory at no cost in speed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TILE_PIXELS = 600_000  # input pixels per tile, context included (XNNPACK buffers: about 470 MB for SESR-M5)
TILE_MAX_WIDTH = 2048  # widest tile core, in input pixels


@dataclass(frozen=True)
class Span:
    """One tile along one axis: the input range ``start:stop`` it reads and the core it owns."""

    start: int
    stop: int
    core_start: int
    core_stop: int

    @property
    def crop(self) -> slice:
        """The core, relative to the tile's start."""
        return slice(self.core_start - self.start, self.core_stop - self.start)


@dataclass(frozen=True)
class Tile:
    rows: Span
    cols: Span

    @property
    def core_pixels(self) -> int:
        return (self.rows.core_stop - self.rows.core_start) * (self.cols.core_stop - self.cols.core_start)


def spans(length: int, core: int, margin: int) -> list[Span]:
    """Tiles along an axis of ``length`` pixels with cores of at most ``core`` pixels and a context of ``margin``."""
    if length <= 0:
        raise ValueError(f"Cannot tile an axis of {length} pixels.")
    if core < 1 or margin < 0:
        raise ValueError("The tile core must be at least 1 pixel and the margin cannot be negative.")
    count = math.ceil(length / core)
    size = math.ceil(length / count)
    extent = min(length, size + 2 * margin)
    result = []
    for index in range(count):
        core_start, core_stop = index * size, min(length, (index + 1) * size)
        if core_start >= core_stop:
            break
        start = min(max(core_start - margin, 0), length - extent)
        result.append(Span(start, start + extent, core_start, core_stop))
    return result


def plan_tiles(height: int, width: int, margin: int, max_pixels: int, max_width: int) -> list[Tile]:
    """The tiles of a ``height`` x ``width`` image: strips at most ``max_width`` wide (core) and ``max_pixels``
    input pixels in all (context included); one tile when the whole image fits."""
    if height * width <= max_pixels:
        return [Tile(Span(0, height, 0, height), Span(0, width, 0, width))]
    columns = spans(width, max_width, margin)
    tile_width = columns[0].stop - columns[0].start
    core_rows = max(1, max_pixels // tile_width - 2 * margin)
    return [Tile(r, c) for r in spans(height, core_rows, margin) for c in columns]
