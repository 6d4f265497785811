"""Matrix products kept on the calling thread.

OpenBLAS runs a product on several threads once it has more than 65536 * 4 multiply-adds, and its threads then
spin while they wait for the next one; on a machine whose cores LiteRT (or another job) keeps busy that costs far
more than it gains. Every product here is cut into pieces below that threshold.
"""

from __future__ import annotations

import numpy as np

WORK_PER_CALL = 200_000  # multiply-adds per BLAS call


def chunks(length: int, work_per_item: int) -> list[tuple[int, int]]:
    """Ranges covering ``range(length)`` with at most :data:`WORK_PER_CALL` multiply-adds each."""
    step = max(1, WORK_PER_CALL // max(1, work_per_item))
    return [(start, min(start + step, length)) for start in range(0, length, step)]


def rows_times_pixels(rows: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """``rows @ pixels.T`` as float32 planes: (R, K) weights on (N, K) pixels gives (R, N), cut along the pixels."""
    out = np.empty((rows.shape[0], pixels.shape[0]), dtype=np.float32)
    for start, stop in chunks(pixels.shape[0], rows.size):
        np.matmul(rows, pixels[start:stop].T.astype(np.float32), out=out[:, start:stop])
    return out
