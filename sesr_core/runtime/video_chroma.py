"""4:2:0 chroma planes upscaled in place of a colour round trip, with the chroma siting video uses.

In H.264/HEVC/VP9 4:2:0 ("left" siting, the default) a chroma sample sits on the even luma columns and halfway
between two luma rows. Upscaling luma by ``s`` maps output luma ``k`` to input luma ``(k + 0.5) / s - 0.5``, so
output chroma column ``j`` must be read at input chroma ``j / s + 0.25 / s - 0.25`` and output chroma row ``j`` at
``(j + 0.5) / s - 0.5``. Rows use the usual pixel-centre bicubic (Keys a = -0.75); columns are that position
shifted by ``0.25 - 0.25 / s``, with Keys a = -0.5 (:func:`sesr_core.runtime.keys_resize.upscale_cubic`).
"""

from __future__ import annotations

import numpy as np

from sesr_core.runtime.keys_resize import upscale_cubic

_ROW_A = -0.75
_COLUMN_A = -0.5


def upscale_chroma_420(plane: np.ndarray, scale: int, out_width: int, out_height: int,
                       out: np.ndarray | None = None) -> np.ndarray:
    """Upscale one 8-bit 4:2:0 chroma plane to ``out_height`` x ``out_width`` (``out`` may be a strided view)."""
    if out is None:
        out = np.empty((out_height, out_width), dtype=np.uint8)
    height, width = plane.shape
    exact = out.shape == (height * scale, width * scale)  # even frame sizes: written straight into ``out``
    full = upscale_cubic(plane, scale, _ROW_A, col_a=_COLUMN_A, col_shift=0.25 - 0.25 / scale,
                         out=out if exact else None)
    if not exact:
        out[...] = full[:out_height, :out_width]
    return out
