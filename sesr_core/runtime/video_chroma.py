"""4:2:0 chroma planes upscaled in place of a colour round trip, with the chroma siting video uses.

In H.264/HEVC/VP9 4:2:0 ("left" siting, the default) a chroma sample sits on the even luma columns and halfway
between two luma rows. Upscaling luma by ``s`` maps output luma ``k`` to input luma ``(k + 0.5) / s - 0.5``, so
output chroma column ``j`` must be read at input chroma ``j / s + 0.25 / s - 0.25`` and output chroma row ``j`` at
``(j + 0.5) / s - 0.5``. Rows match OpenCV's resize convention exactly; columns are a quarter of a pixel off it,
so they are computed as ``s`` polyphase 4-tap cubic filters (Keys, a = -0.5) and interleaved.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np


def _keys_cubic(x: np.ndarray, a: float = -0.5) -> np.ndarray:
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x <= 1, near, np.where(x < 2, far, 0.0))


@lru_cache(maxsize=16)
def _phase_kernels(scale: int) -> tuple[tuple[np.ndarray, int], ...]:
    """For each output phase ``p``: a 1x5 kernel and its anchor, sampling at ``i + p / s + 0.25 / s - 0.25``."""
    kernels = []
    for phase in range(scale):
        position = phase / scale + 0.25 / scale - 0.25  # offset from input sample i, in (-1, 1)
        taps = np.arange(-2, 3)  # kernel covers i-2 .. i+2
        weights = _keys_cubic(taps - position)
        weights /= weights.sum()
        kernels.append((weights.astype(np.float32)[None, :], 2))
    return tuple(kernels)


def upscale_chroma_420(plane: np.ndarray, scale: int, out_width: int, out_height: int,
                       out: np.ndarray | None = None) -> np.ndarray:
    """Upscale one 8-bit 4:2:0 chroma plane to ``out_height`` x ``out_width`` (``out`` may be a strided view)."""
    height, width = plane.shape
    tall = cv2.resize(plane, (width, height * scale), interpolation=cv2.INTER_CUBIC)
    if out is None:
        out = np.empty((out_height, out_width), dtype=np.uint8)
    for phase, (kernel, anchor) in enumerate(_phase_kernels(scale)):
        columns = len(range(phase, out_width, scale))
        filtered = cv2.filter2D(tall, -1, kernel, anchor=(anchor, 0), borderType=cv2.BORDER_REPLICATE)
        out[:, phase::scale] = filtered[:out_height, :columns]
    return out
