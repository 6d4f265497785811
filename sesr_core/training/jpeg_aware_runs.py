"""A JPEG-aware run's QAT and export: one QAT-only run per JPEG quality, each exported as a plain SESR file.

The JPEG-aware network (:mod:`sesr_core.models.jpeg_variants`) is one fp32 run. For every quality in
:data:`~sesr_core.models.jpeg_variants.VARIANT_QUALITIES` and for lossless input, the network folded at that quality
is fine-tuned by QAT on patches saved near that quality, in its own run folder under the parent's ``variants/``,
started from the parent (``init_from``). Each such run resumes, exports and keeps its record like any other run.
No TensorFlow here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sesr_core.imaging.degradation import Degradation, Range, parse_degradation
from sesr_core.models.jpeg_variants import LOSSLESS, VARIANT_QUALITIES
from sesr_core.training.spec import TrainSpec

VARIANTS_FOLDER = "variants"
QUALITY_SPREAD = 5  # a variant's QAT patches are saved at its quality +- this


def variant_qualities() -> tuple[int, ...]:
    """The qualities a JPEG-aware run exports, lossless first."""
    return (LOSSLESS, *sorted(VARIANT_QUALITIES, reverse=True))


def variant_recipe(recipe: Degradation, quality: int) -> Degradation:
    """The parent's recipe with its JPEG on every patch near ``quality`` (none for lossless); the rest kept."""
    if quality == LOSSLESS:
        return replace(recipe, jpeg=None)
    return replace(recipe, jpeg=Range(max(1, quality - QUALITY_SPREAD), min(99, quality + QUALITY_SPREAD), 1.0))


def variant_dir(run_dir: str | Path, quality: int) -> Path:
    """The run folder of a JPEG-aware run's variant for ``quality``."""
    return Path(run_dir) / VARIANTS_FOLDER / f"q{quality}"


def variant_spec(parent: TrainSpec, parent_dir: str | Path, quality: int) -> TrainSpec:
    """The QAT-only run of ``parent``'s network folded at ``quality``."""
    recipe = variant_recipe(parent.degradation or parse_degradation("none"), quality)
    return parent.with_changes(
        steps=0, warmup_steps=0, init_from=str(Path(parent_dir).resolve()), jpeg_variant=quality,
        degrade=None if recipe.is_clean else recipe.text(),
        val_degrade=None if quality == LOSSLESS else f"jpeg={quality}")


def variant_file(path: Path, quality: int) -> Path:
    """``path`` for the variant of ``quality``: ``NAME-q70.tflite`` beside ``NAME.tflite`` (lossless keeps it)."""
    return path if quality == LOSSLESS else path.with_name(f"{path.stem}-q{quality}{path.suffix}")
