"""Tile plans: cores partition the image, every core has its margin of context, all tiles share one shape."""

from __future__ import annotations

import pytest

from sesr_core.runtime.tiling import plan_tiles, spans


@pytest.mark.parametrize("length", [1, 2, 9, 17, 100, 1000, 1081])
@pytest.mark.parametrize("core", [1, 7, 16, 512])
@pytest.mark.parametrize("margin", [0, 2, 9])
def test_spans_cover_the_axis_with_context_and_one_extent(length, core, margin):
    result = spans(length, core, margin)
    assert result[0].core_start == 0 and result[-1].core_stop == length
    assert all(a.core_stop == b.core_start for a, b in zip(result, result[1:], strict=False))
    assert len({s.stop - s.start for s in result}) == 1  # one tile shape: one interpreter
    for span in result:
        assert 0 <= span.start <= span.core_start < span.core_stop <= span.stop <= length
        assert span.core_start - span.start >= min(margin, span.core_start)
        assert span.stop - span.core_stop >= min(margin, length - span.core_stop)
        assert span.core_stop - span.core_start <= core


def test_small_images_are_one_tile_and_big_ones_are_wide_strips_within_the_budget():
    assert len(plan_tiles(540, 960, 9, 600_000, 2048)) == 1
    strips = plan_tiles(1080, 1920, 9, 600_000, 2048)
    assert len(strips) == 4 and all(t.cols.stop - t.cols.start == 1920 for t in strips)
    tiles = plan_tiles(6000, 8000, 9, 600_000, 2048)
    assert sum(t.core_pixels for t in tiles) == 6000 * 8000
    assert all((t.rows.stop - t.rows.start) * (t.cols.stop - t.cols.start) <= 600_000 for t in tiles)
    assert len({(t.rows.stop - t.rows.start, t.cols.stop - t.cols.start) for t in tiles}) == 1
    with pytest.raises(ValueError):
        spans(0, 8, 2)
