"""The JPEG quality a file was saved at, estimated from its luminance quantisation table (numpy and Pillow only).

``--model auto`` reads it from image files (:mod:`sesr_core.runtime.input_quality`), and ``sesr eval`` from the LR
images it is given or degrades, so that a JPEG-aware family's file for that quality is used.
"""

from __future__ import annotations

import io
import os
from functools import lru_cache

import numpy as np
from PIL import Image


@lru_cache(maxsize=1)
def _reference_luma_tables() -> np.ndarray:
    """libjpeg's luminance quantisation table at every quality 1..100, as Pillow writes them ([100, 64])."""
    tables = []
    for quality in range(1, 101):
        buffer = io.BytesIO()
        Image.new("L", (8, 8)).save(buffer, format="JPEG", quality=quality)
        buffer.seek(0)
        with Image.open(buffer) as image:
            tables.append(list(image.quantization[0]))
    return np.array(tables, np.float64)


def estimate_jpeg_quality(luma_table: list[int] | np.ndarray) -> int:
    """The libjpeg quality whose luminance table is nearest to ``luma_table`` (in log scale, so small steps count).

    Cameras and editors that use their own tables get the quality of the nearest standard table.
    """
    table = np.asarray(luma_table, np.float64).reshape(-1)[:64]
    reference = _reference_luma_tables()
    distance = np.abs(np.log(reference) - np.log(np.maximum(table, 1.0))[None, :]).sum(axis=1)
    return int(np.argmin(distance)) + 1


def opened_jpeg_quality(image: Image.Image) -> int | None:
    """The estimated quality of an opened JPEG image, None for another format or a JPEG without tables."""
    if image.format not in ("JPEG", "MPO"):
        return None
    tables = getattr(image, "quantization", None) or {}
    return estimate_jpeg_quality(tables[0]) if 0 in tables else None


def file_jpeg_quality(path: str | os.PathLike[str]) -> int | None:
    """The estimated quality of the JPEG file at ``path`` (read from its header), None for another format or a
    file Pillow cannot open."""
    try:
        with Image.open(path) as image:
            return opened_jpeg_quality(image)
    except (OSError, ValueError):
        return None


def saved_jpeg_quality(quality: int) -> int:
    """What the estimate reads from a JPEG that Pillow saved at ``quality`` (as
    :func:`sesr_core.imaging.degradation.jpeg_roundtrip` does): the tables Pillow writes depend on the quality alone,
    not on the pixels, so this is the estimate of any such file's bytes (``quality`` itself wherever two qualities do
    not share a table)."""
    return estimate_jpeg_quality(_reference_luma_tables()[min(max(int(quality), 1), 100) - 1])
