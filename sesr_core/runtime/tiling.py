"""Tile plans: strips of a few fixed shapes, padded past the image's edges with its mirror image.

The network sees every image mirrored at its edges (``numpy.pad`` mode "symmetric": the edge pixel is repeated,
then the rows before it): each tile reads its core plus ``margin`` pixels of context on every side, and whatever of
that lies outside the image is mirrored in. A pixel's result then depends only on the image, never on where the
tiles fall or how much padding a tile got, so tiled output is byte-identical to whole-image output whenever
``margin`` is the receptive-field radius. Of the paddings measured on Set5 (SESR-M5 int8, PSNR of Y) mirroring
costs least against the zero padding the network was trained with at patch edges (x2 37.043 dB against 37.052;
edge replication 37.022, black 36.449), and nothing on pixels further than the receptive field from an edge.

All tiles of a plan share one input shape, and with ``bucketed`` plans that shape comes from a short menu of
extents (:data:`EXTENTS_PER_OCTAVE` per octave): a folder of images of all sizes goes through a handful of shapes,
so engines compile (LiteRT: allocate) them once and keep them, instead of one per image size.

Tiles are wide strips: XNNPACK runs a 1920x288 strip as fast per pixel as a whole 1080p frame (measured here), while
its per-operator buffers grow with the tile (about 790 bytes per input pixel for SESR-M5, 1.6 GB for a whole 1080p
frame), so a pixel budget per tile bounds memory at no cost in speed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

TILE_PIXELS = 600_000  # input pixels per tile, context included (XNNPACK buffers: about 470 MB for SESR-M5)
TILE_MAX_WIDTH = 2048  # widest tile, context included, in input pixels
EXTENTS_PER_OCTAVE = 8  # bucketed extents: 32, 36, 40, ... 64, 72, ... 1920, 2048, ...
_SMALLEST_EXTENT = 32


@dataclass(frozen=True)
class Span:
    """One tile along one axis: the input range ``start:stop`` it reads (it may reach past the image, which is then
    padded) and the core ``core_start:core_stop`` it owns."""

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

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows.stop - self.rows.start, self.cols.stop - self.cols.start


def bucket_extents(upto: int) -> list[int]:
    """The menu of bucketed extents up to ``upto``: ``EXTENTS_PER_OCTAVE`` evenly spaced values per octave."""
    values, base = [], _SMALLEST_EXTENT
    while base <= upto:
        values += [base + step * base // EXTENTS_PER_OCTAVE for step in range(EXTENTS_PER_OCTAVE)]
        base *= 2
    return [v for v in values if v <= upto]


def spans(length: int, margin: int, max_extent: int, bucketed: bool = True) -> list[Span]:
    """Tiles along an axis of ``length`` pixels, each reading ``margin`` pixels of context beyond its core and at
    most ``max_extent`` pixels in all; every tile has the same extent, from the bucket menu when ``bucketed``."""
    if length <= 0:
        raise ValueError(f"Cannot tile an axis of {length} pixels.")
    if margin < 0:
        raise ValueError("The tile margin cannot be negative.")
    max_extent = max(max_extent, 2 * margin + 1)
    if bucketed:
        menu = [e for e in bucket_extents(max_extent) if e > 2 * margin] or [max_extent]
        # the fewest padded pixels in all; on a tie, the wider tile (fewer runs)
        extent = min(menu, key=lambda e: (math.ceil(length / (e - 2 * margin)) * e, -e))
        count = math.ceil(length / (extent - 2 * margin))
        core = math.ceil(length / count)
    else:
        count = math.ceil(length / (max_extent - 2 * margin))
        core = math.ceil(length / count)
        extent = core + 2 * margin
    result = []
    for index in range(count):
        core_start, core_stop = index * core, min(length, (index + 1) * core)
        if core_start >= core_stop:
            break
        result.append(Span(core_start - margin, core_start - margin + extent, core_start, core_stop))
    return result


def plan_tiles(height: int, width: int, margin: int, max_pixels: int = TILE_PIXELS,
               max_width: int = TILE_MAX_WIDTH, bucketed: bool = True) -> list[Tile]:
    """The tiles of a ``height`` x ``width`` image: strips at most ``max_width`` wide and ``max_pixels`` input
    pixels in all (context and padding included), all of one shape."""
    columns = spans(width, margin, max_width, bucketed)
    tile_width = columns[0].stop - columns[0].start
    rows = spans(height, margin, max(1, max_pixels // tile_width), bucketed)
    return [Tile(r, c) for r in rows for c in columns]


def cut_tile(array: np.ndarray, tile: Tile) -> np.ndarray:
    """The tile's input from ``array`` (HxW or HxWxC), mirrored where it reaches past the image."""
    height, width = array.shape[:2]
    rows, cols = tile.rows, tile.cols
    top, bottom = max(rows.start, 0), min(rows.stop, height)
    left, right = max(cols.start, 0), min(cols.stop, width)
    inside = array[top:bottom, left:right]
    pads = ((top - rows.start, rows.stop - bottom), (left - cols.start, cols.stop - right))
    if not any(any(p) for p in pads):
        return np.ascontiguousarray(inside)
    return np.pad(inside, pads + ((0, 0),) * (array.ndim - 2), mode="symmetric")
