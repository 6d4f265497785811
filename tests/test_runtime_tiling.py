"""Tile plans: cores partition the image, every core has its margin of context, all tiles share one shape, and
bucketed shapes come from a short menu."""

from __future__ import annotations

import numpy as np
import pytest

from sesr_core.runtime.tiling import bucket_extents, cut_tile, plan_tiles, spans


@pytest.mark.parametrize("length", [1, 2, 9, 17, 100, 1000, 1081])
@pytest.mark.parametrize("max_extent", [19, 64, 530, 2048])
@pytest.mark.parametrize("margin", [0, 2, 9])
@pytest.mark.parametrize("bucketed", [True, False])
def test_spans_cover_the_axis_with_context_and_one_extent(length, max_extent, margin, bucketed):
    result = spans(length, margin, max_extent, bucketed)
    assert result[0].core_start == 0 and result[-1].core_stop == length
    assert all(a.core_stop == b.core_start for a, b in zip(result, result[1:], strict=False))
    assert len({s.stop - s.start for s in result}) == 1  # one tile shape: one compiled model
    for span in result:
        assert span.core_start - span.start >= margin and span.stop - span.core_stop >= margin
        assert span.stop - span.start <= max(max_extent, 2 * margin + 1)
    if bucketed and max_extent >= 32 and result[0].stop - result[0].start > 2 * margin + 1:
        assert result[0].stop - result[0].start in bucket_extents(4096)


def test_small_images_are_one_tile_and_big_ones_are_wide_strips_within_the_budget():
    assert len(plan_tiles(540, 960, 9)) == 1
    strips = plan_tiles(1080, 1920, 9, bucketed=False)
    assert len(strips) == 4 and all(t.shape == (288, 1938) for t in strips)
    assert {t.shape for t in plan_tiles(1080, 1920, 9)} == {(288, 2048)}
    tiles = plan_tiles(6000, 8000, 9)
    assert sum(t.core_pixels for t in tiles) == 6000 * 8000
    assert all(t.shape[0] * t.shape[1] <= 600_000 for t in tiles)
    assert len({t.shape for t in tiles}) == 1
    with pytest.raises(ValueError):
        spans(0, 2, 8)


def test_a_folder_of_mixed_sizes_needs_few_shapes():
    rng = np.random.default_rng(0)
    sizes = rng.integers(100, 520, size=(300, 2))
    shapes = {plan_tiles(int(h), int(w), 9)[0].shape for h, w in sizes}
    assert len({shape[0] for shape in shapes}) <= 20 and len({shape[1] for shape in shapes}) <= 20  # 8 per octave


def test_cut_tile_mirrors_past_the_edges():
    image = np.arange(12, dtype=np.uint8).reshape(3, 4)
    tile = plan_tiles(3, 4, 2)[0]
    cut = cut_tile(image, tile)
    assert cut.shape == tile.shape
    rows, cols = tile.rows.crop, tile.cols.crop
    assert np.array_equal(cut[rows, cols], image)
    assert np.array_equal(cut[rows.start - 1, cols], image[0])
    assert np.array_equal(cut[rows, cols.start - 1], image[:, 0])
