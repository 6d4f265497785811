"""Images from a run's training folders for choosing int8 ranges: LR patches for the converter, pairs for PSNR."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sesr_core.errors import SesrError
from sesr_core.evaluation.pairs import ImagePair, make_pair
from sesr_core.imaging.degradation import Degradation, parse_degradation
from sesr_core.imaging.image_read import read_image
from sesr_core.models.jpeg_variants import LOSSLESS
from sesr_core.training.data import collect_image_files
from sesr_core.training.spec import TrainSpec

REPRESENTATIVE_FILES = 16
REPRESENTATIVE_PATCH = 96
CALIBRATION_FILES = 12
CALIBRATION_LR_SIDE = 128


def _training_files(spec: TrainSpec) -> list[Path]:
    folders = [d for d in spec.data_dirs if Path(d).is_dir()] or ([spec.val_dir] if spec.val_dir else [])
    if not folders or not all(Path(d).is_dir() for d in folders):
        raise SesrError(f"Calibrating the int8 model needs the run's training images, but "
                        f"'{spec.data_dirs[0] if spec.data_dirs else '?'}' is gone; restore that folder.")
    return collect_image_files(folders)


def _variant_degradation(spec: TrainSpec) -> Degradation | None:
    """A JPEG variant run calibrates on LR images saved at its JPEG quality; every other run on clean ones."""
    if spec.jpeg_variant is None or spec.jpeg_variant == LOSSLESS:
        return None
    return parse_degradation(f"jpeg={spec.jpeg_variant}")


def calibration_pairs(spec: TrainSpec, count: int = CALIBRATION_FILES, seed: int = 1) -> list[ImagePair]:
    """HR/LR pairs from the run's training images (centre crops of at most 128x128 LR), for choosing int8 ranges;
    the LR saved as JPEG at a JPEG variant run's quality."""
    files = _training_files(spec)
    rng = np.random.default_rng(seed)
    side = CALIBRATION_LR_SIDE * spec.model.scale
    degradation = _variant_degradation(spec)
    pairs = []
    for index in rng.choice(len(files), min(count, len(files)), replace=False):
        pixels = read_image(files[index]).pixels
        top, left = max(0, (pixels.shape[0] - side) // 2), max(0, (pixels.shape[1] - side) // 2)
        pairs.append(make_pair(files[index].stem, pixels[top:top + side, left:left + side], spec.model.scale,
                               degradation=degradation))
    return pairs


def representative_patches(spec: TrainSpec, count: int = 64, seed: int = 0) -> list[np.ndarray]:
    """LR patches [1, P, P, 1] from the run's training images, for int8 calibration."""
    files = _training_files(spec)
    rng = np.random.default_rng(seed)
    chosen = [files[i] for i in rng.choice(len(files), min(REPRESENTATIVE_FILES, len(files)), replace=False)]
    degradation = _variant_degradation(spec)
    pairs = [make_pair(path.stem, read_image(path).pixels, spec.model.scale, degradation=degradation)
             for path in chosen]
    patches = []
    for i in range(count):
        lr = pairs[i % len(pairs)].lr
        size = min(REPRESENTATIVE_PATCH, *lr.shape)
        top = rng.integers(0, lr.shape[0] - size + 1)
        left = rng.integers(0, lr.shape[1] - size + 1)
        patches.append(lr[None, top:top + size, left:left + size, None].astype(np.float32))
    # Calibrate the input over exactly [0, 1] (scale 1/255): every 8-bit Y value maps to one int8 value.
    patches[0][0, 0, 0, 0], patches[0][0, 0, 1, 0] = 0.0, 1.0
    return patches
