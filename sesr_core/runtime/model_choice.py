"""``--model auto``: the clean or the photo model of a scale, chosen per input from how lossy the file already is;
and, for a JPEG-aware family (:mod:`sesr_core.models.jpeg_variants`), the family's file for the input's JPEG quality.

The rules (docs/training.md, "Choosing the model" has the measurements behind the thresholds):

- a JPEG whose quantisation tables say quality below :data:`JPEG_PHOTO_BELOW`, and a lossy WebP: the photo model;
- a video in a lossy codec at fewer than :data:`VIDEO_PHOTO_BELOW_BPP` bits per pixel: the photo model;
- PNG, TIFF, BMP, lossless video, high-quality JPEG and high-rate video: the clean model;
- anything the file does not tell: the clean model (it never smooths detail that is really there).

When the photo model (chosen so, or named with ``--model``, or picked in the app) is a JPEG-aware family's lossless
file, each input gets the family's file for the quality :func:`input_variant_quality` gives it: a JPEG's estimated
quality, :func:`video_variant_quality` for a lossy video, :data:`WEBP_VARIANT_QUALITY` for a lossy WebP, lossless
for the rest; the nearest quality the family has (:func:`~sesr_core.models.jpeg_variants.nearest_variant`). A
family's file for one quality, named directly, is used as it is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sesr_core.errors import ModelError
from sesr_core.models.catalog import CatalogEntry, default_model, family_variants
from sesr_core.models.jpeg_variants import LOSSLESS, nearest_variant, variant_label
from sesr_core.runtime.input_quality import InputQuality, image_quality, video_quality

AUTO = "auto"
JPEG_PHOTO_BELOW = 95
VIDEO_PHOTO_BELOW_BPP = 0.3
# The family file that serves a lossy video below VIDEO_PHOTO_BELOW_BPP bits per pixel: (below this rate, the file for
# this JPEG quality), else the lossless file. Measured with scripts/measure_model_choice.py (the sample photos panned
# in libx264 veryfast clips at CRF 38, 33, 28, 23, 18: 0.061, 0.076, 0.106, 0.165, 0.28 bits per pixel; best file
# q30, q60, q75, q95, lossless), switching halfway (geometric mean) between the rates measured; docs/training.md.
VIDEO_VARIANTS_BY_BPP = ((0.068, 30), (0.090, 60), (0.132, 75), (0.215, 95))
# A lossy WebP does not say its quality in a way read here: the family file for cwebp's and Pillow's default, 75.
WEBP_VARIANT_QUALITY = 75


@dataclass(frozen=True)
class ModelChoice:
    """The model picked for one input (a family's file for its quality, where the model is JPEG-aware), and why, in
    a sentence fragment a user can read."""

    entry: CatalogEntry
    reason: str
    quality: InputQuality | None = None

    @property
    def jpeg_quality(self) -> int | None:
        """The input's estimated JPEG quality (None for anything but a JPEG)."""
        return self.quality.jpeg_quality if self.quality is not None else None


def wants_photo_model(quality: InputQuality) -> bool:
    """Whether an input this compressed is better served by the photo model (the rules of the module docstring)."""
    if quality.jpeg_quality is not None:
        return quality.jpeg_quality < JPEG_PHOTO_BELOW
    if quality.kind == "video":
        return bool(quality.lossy) and quality.bits_per_pixel is not None and \
            quality.bits_per_pixel < VIDEO_PHOTO_BELOW_BPP
    return bool(quality.lossy)


def video_variant_quality(bits_per_pixel: float | None) -> int:
    """The JPEG quality whose family file upscales a lossy video at ``bits_per_pixel`` (:data:`VIDEO_VARIANTS_BY_BPP`);
    lossless at or above :data:`VIDEO_PHOTO_BELOW_BPP` and when the rate is unknown."""
    if bits_per_pixel is None or bits_per_pixel >= VIDEO_PHOTO_BELOW_BPP:
        return LOSSLESS
    return next((quality for below, quality in VIDEO_VARIANTS_BY_BPP if bits_per_pixel < below), LOSSLESS)


def input_variant_quality(quality: InputQuality | None) -> int:
    """The JPEG quality a family's file is chosen by for an input (the module docstring's rules)."""
    if quality is None:
        return LOSSLESS
    if quality.jpeg_quality is not None:
        return quality.jpeg_quality
    if quality.kind == "video":
        return video_variant_quality(quality.bits_per_pixel) if quality.lossy else LOSSLESS
    return WEBP_VARIANT_QUALITY if quality.lossy and quality.format == "WEBP" else LOSSLESS


def variant_for(model: CatalogEntry, quality: InputQuality | None) -> CatalogEntry:
    """The file of ``model``'s JPEG-aware family (same precision) for an input of ``quality``; ``model`` itself when
    it is not a family's lossless file."""
    variants = family_variants(model) if model.is_family else {}
    if not variants:
        return model
    return variants[nearest_variant(input_variant_quality(quality), variants)]


def variant_words(entry: CatalogEntry) -> str:
    """'for JPEG quality 45' / 'for lossless input' for a family's file; '' for another model."""
    variant = entry.jpeg_variant
    if variant is None:
        return ""
    return f"for {variant_label(variant.quality)}" + (" input" if variant.quality == LOSSLESS else "")


def read_quality(path: str | os.PathLike[str], kind: str) -> InputQuality | None:
    """The input's compression, or None when its header cannot be read (the job itself then reports the file)."""
    try:
        return video_quality(path) if kind == "video" else image_quality(path)
    except Exception:  # any unreadable header: the job itself reports the file in its own words
        return None


def choose_model(path: str | os.PathLike[str], scale: int, kind: str = "image") -> ModelChoice:
    """The clean or photo default model of ``scale`` for the image or video at ``path`` (the photo family's file
    for its quality, where the photo model is JPEG-aware)."""
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
    used = variant_for(photo, quality)
    return ModelChoice(used, " ".join(part for part in (f"{what}: photo model", variant_words(used)) if part),
                       quality)


def choose_family_file(path: str | os.PathLike[str], model: CatalogEntry, kind: str = "image") -> ModelChoice:
    """For a model named by the user: the family's file for the input's quality when ``model`` is a JPEG-aware
    family's lossless file (the reason says which and why), else ``model`` itself with no reason."""
    if not model.is_family:
        return ModelChoice(model, "")
    quality = read_quality(path, kind)
    used = variant_for(model, quality)
    what = quality.describe() if quality is not None else "its header could not be read"
    return ModelChoice(used, f"{what}: its file {variant_words(used)}", quality)


def is_auto(model: str | os.PathLike[str] | None) -> bool:
    """Whether a --model value asks for the automatic choice (None, the default, does)."""
    return model is None or (not Path(str(model)).is_file() and str(model).lower() == AUTO)
