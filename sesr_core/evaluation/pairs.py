"""(LR, HR) Y-channel image pairs as the field makes them: HR cropped to a multiple of the scale, LR by bicubic."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sesr_core.errors import DatasetError
from sesr_core.file_kinds import why_not_a_folder
from sesr_core.imaging.color import rgb_to_y
from sesr_core.imaging.degradation import Degradation, degrade_lr_image, gaussian_blur
from sesr_core.imaging.image_read import list_images, read_image
from sesr_core.imaging.jpeg_quality import file_jpeg_quality, saved_jpeg_quality
from sesr_core.imaging.matlab_imresize import bicubic_downscale, crop_to_multiple


@dataclass
class ImagePair:
    """One image as the network sees it: Y channel in [0, 1], LR and HR (HR = LR size x scale).

    ``lr_image`` keeps the 8-bit LR pixels (RGB or grey) for evaluation, where the bicubic baseline upscales them;
    ``jpeg_quality`` is the estimated quality of the JPEG the LR image last went through (a JPEG degradation's, or
    the LR file's), None for a clean LR image: a JPEG-aware family is evaluated with its file for that quality.
    """

    name: str
    lr: np.ndarray
    hr: np.ndarray
    lr_image: np.ndarray | None = None
    jpeg_quality: int | None = None


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """8-bit pixels from an 8- or 16-bit image (16-bit values rounded to the nearest 8-bit level)."""
    if pixels.dtype == np.uint16:
        return np.round(pixels.astype(np.float32) / 257.0).astype(np.uint8)
    return pixels


def y_channel(pixels: np.ndarray) -> np.ndarray:
    """BT.601 Y in [0, 1] of an 8-bit RGB image; a greyscale image counts as RGB with equal channels."""
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[..., None], 3, axis=2)
    return (rgb_to_y(pixels.astype(np.float64)) / 255.0).astype(np.float32)


def make_pair(name: str, hr_pixels: np.ndarray, scale: int, keep_lr_image: bool = False,
              degradation: Degradation | None = None) -> ImagePair:
    """Crop HR to a multiple of ``scale``, make LR by MATLAB bicubic, and take Y of both.

    A fixed ``degradation`` blurs HR before the downscale and adds its noise and JPEG to the LR image, seeded by
    ``name`` (:func:`sesr_core.imaging.degradation.degrade_lr_image`).
    """
    hr = crop_to_multiple(to_uint8(hr_pixels), scale)
    source = hr
    if degradation is not None and degradation.blur is not None and degradation.blur.low > 0:
        source = gaussian_blur(hr, degradation.blur.low)
    lr = bicubic_downscale(source, scale)
    if degradation is not None:
        lr = degrade_lr_image(lr, degradation, name)
    return ImagePair(name, y_channel(lr), y_channel(hr), lr if keep_lr_image else None,
                     degraded_jpeg_quality(degradation))


def degraded_jpeg_quality(degradation: Degradation | None, before: int | None = None) -> int | None:
    """The JPEG quality an LR image reads as after a fixed ``degradation`` (estimated as from its bytes, see
    :func:`~sesr_core.imaging.jpeg_quality.saved_jpeg_quality`); ``before`` (the LR file's) when it adds no JPEG."""
    if degradation is None or degradation.jpeg is None:
        return before
    return saved_jpeg_quality(int(round(degradation.jpeg.low)))


def dataset_name(folder: str | Path) -> str:
    """A readable name for an image folder: ``Set5`` for ``.../Set5/HR``."""
    path = Path(folder).resolve()
    return path.parent.name if path.name.lower() in ("hr", "gt", "original") else path.name


def load_eval_pairs(hr_dir: str | Path, scale: int, lr_dir: str | Path | None = None,
                    degradation: Degradation | None = None) -> list[ImagePair]:
    """Pairs for evaluation: HR images of ``hr_dir`` with LR from ``lr_dir`` (same file names) or made by bicubic.

    A fixed ``degradation`` (e.g. JPEG at quality 75) is applied to every LR image, deterministically per image name;
    its blur needs LR made from HR. Each pair knows the JPEG quality of its LR image (``ImagePair.jpeg_quality``).
    """
    if degradation is not None and lr_dir is not None and degradation.blur is not None:
        raise DatasetError("A blur degradation acts before the downscale, so it needs LR made from HR; "
                           "drop --lr or the blur.")
    hr_dir = Path(hr_dir)
    if not hr_dir.is_dir():
        raise DatasetError(f"The HR folder '{hr_dir}' {why_not_a_folder(hr_dir)}; check the path.")
    files = list_images(hr_dir)
    if not files:
        raise DatasetError(f"The HR folder '{hr_dir}' holds no images; point --hr at a folder of PNG or JPEG files.")
    pairs = []
    for path in files:
        hr = to_uint8(read_image(path).pixels)
        if lr_dir is None:
            pairs.append(make_pair(path.stem, hr, scale, keep_lr_image=True, degradation=degradation))
            continue
        lr_path = _matching_file(Path(lr_dir), path)
        lr = to_uint8(read_image(lr_path).pixels)
        hr = hr[: lr.shape[0] * scale, : lr.shape[1] * scale]
        if hr.shape[0] != lr.shape[0] * scale or hr.shape[1] != lr.shape[1] * scale:
            raise DatasetError(f"'{lr_path}' is not '{path.name}' downscaled by {scale}; check --lr and --scale.")
        if degradation is not None:
            lr = degrade_lr_image(lr, degradation, path.stem)
        quality = degraded_jpeg_quality(degradation, file_jpeg_quality(lr_path))
        pairs.append(ImagePair(path.stem, y_channel(lr), y_channel(hr), lr, quality))
    return pairs


def _matching_file(folder: Path, hr_path: Path) -> Path:
    if not folder.is_dir():
        raise DatasetError(f"The LR folder '{folder}' {why_not_a_folder(folder)}; check the path.")
    for candidate in [folder / hr_path.name, *sorted(folder.glob(hr_path.stem + ".*"))]:
        if candidate.is_file():
            return candidate
    raise DatasetError(f"The LR folder '{folder}' has no image named like '{hr_path.name}'; "
                       "LR and HR file names must match.")
