"""``--model auto``: the clean or the photo model of a scale, chosen per input from how lossy the file already is.

The rules (docs/training.md, "Choosing the model" has the measurements behind the thresholds):

- a JPEG whose quantisation tables say quality below :data:`JPEG_PHOTO_BELOW`, and a lossy WebP: the photo model;
- a video in a lossy codec at fewer than :data:`VIDEO_PHOTO_BELOW_BPP` bits per pixel: the photo model;
- PNG, TIFF, BMP, lossless video, high-quality JPEG and high-rate video: the clean model;
- anything the file does not tell: the clean model (it never smooths detail that is really there).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sesr_core.errors import ModelError
from sesr_core.models.catalog import CatalogEntry, default_model
from sesr_core.runtime.input_quality import InputQuality, image_quality, video_quality

AUTO = "auto"
JPEG_PHOTO_BELOW = 95
VIDEO_PHOTO_BELOW_BPP = 0.3


@dataclass(frozen=True)
class ModelChoice:
    """The model ``auto`` picked for one input, and why, in a sentence fragment a user can read."""

    entry: CatalogEntry
    reason: str
    quality: InputQuality | None = None


def wants_photo_model(quality: InputQuality) -> bool:
    """Whether an input this compressed is better served by the photo model (the rules of the module docstring)."""
    if quality.jpeg_quality is not None:
        return quality.jpeg_quality < JPEG_PHOTO_BELOW
    if quality.kind == "video":
        return bool(quality.lossy) and quality.bits_per_pixel is not None and \
            quality.bits_per_pixel < VIDEO_PHOTO_BELOW_BPP
    return bool(quality.lossy)


def read_quality(path: str | os.PathLike[str], kind: str) -> InputQuality | None:
    """The input's compression, or None when its header cannot be read (the job itself then reports the file)."""
    try:
        return video_quality(path) if kind == "video" else image_quality(path)
    except Exception:  # any unreadable header: the job itself reports the file in its own words
        return None


def choose_model(path: str | os.PathLike[str], scale: int, kind: str = "image") -> ModelChoice:
    """The clean or photo default model of ``scale`` for the image or video at ``path``."""
    quality = read_quality(path, kind)
    clean = default_model(scale)
    if quality is None:
        return ModelChoice(clean, "its header could not be read: clean model")
    what = quality.describe()
    if not wants_photo_model(quality):
        return ModelChoice(clean, f"{what}: clean model", quality)
    try:
        photo = default_model(scale, "photo")
    except ModelError:
        return ModelChoice(clean, f"{what}, but no x{scale} photo model is installed: clean model", quality)
    return ModelChoice(photo, f"{what}: photo model", quality)


def is_auto(model: str | os.PathLike[str] | None) -> bool:
    """Whether a --model value asks for the automatic choice (None, the default, does)."""
    return model is None or (not Path(str(model)).is_file() and str(model).lower() == AUTO)
