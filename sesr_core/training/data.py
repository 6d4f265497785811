"""Training data: HR folders -> (LR, HR) Y-channel pairs -> a tf.data stream of random augmented patches.

LR images are made once per image with our MATLAB-compatible bicubic (on the uint8 RGB image, as MATLAB's imresize
does), and aligned patches are cut from the pair; the HR patch is ``scale`` times the LR patch. Patch sampling,
flips and 90-degree rotations run inside the tf.data graph in parallel, so both cores stay busy.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from sesr_core.errors import DatasetError, SesrError
from sesr_core.evaluation.pairs import ImagePair, make_pair, to_uint8
from sesr_core.file_kinds import why_not_a_folder
from sesr_core.imaging.degradation import Degradation
from sesr_core.imaging.image_read import list_images, read_image
from sesr_core.imaging.matlab_imresize import imresize
from sesr_core.jobs import CancelToken
from sesr_core.models.jpeg_variants import LOSSLESS, MAX_LOSSINESS
from sesr_core.training._tf import tf
from sesr_core.training.degrade import MARGIN, SEEDS_NEEDED, degrade_patch
from sesr_core.training.network import LOSSINESS_INPUT


def collect_image_files(folders: Iterable[str | Path]) -> list[Path]:
    """Every image in ``folders``; a missing folder or one with no images is an error naming it."""
    files: list[Path] = []
    for folder in folders:
        path = Path(folder)
        if not path.is_dir():
            raise DatasetError(f"The data folder '{folder}' {why_not_a_folder(folder)}; check the path.")
        found = list_images(path, recursive=True)
        if not found:
            raise DatasetError(f"The data folder '{folder}' holds no images (PNG, JPEG, BMP, WebP or TIFF).")
        files.extend(found)
    if not files:
        raise DatasetError("No training folder was given; pass at least one --data folder.")
    return files


def load_hr_images(
    folders: Sequence[str | Path],
    scale: int,
    min_lr_size: int = 1,
    hr_rescales: Sequence[float] = (),
    warn: Callable[[str], None] = print,
    cancel: CancelToken | None = None,
) -> list[tuple[str, np.ndarray]]:
    """(name, 8-bit HR pixels) of every image of ``folders``, plus one downscaled copy per ``hr_rescales`` factor.

    Unreadable files and images whose LR side would be under ``min_lr_size`` are skipped with a warning naming them.
    A cancel stops the loading between images (:class:`~sesr_core.errors.CancelledError`).
    """
    files = collect_image_files(folders)

    def load(path: Path) -> list[tuple[str, np.ndarray]] | str:
        if cancel is not None and cancel.cancelled:
            return []
        try:
            pixels = to_uint8(read_image(path).pixels)
        except SesrError as err:
            return f"Skipping {err}"
        images = []
        for factor in (1.0, *hr_rescales):
            hr = pixels if factor == 1.0 else imresize(pixels, scale=factor)
            if min(hr.shape[:2]) // scale < min_lr_size:
                if factor == 1.0:
                    return (f"Skipping '{path}': it is {hr.shape[1]}x{hr.shape[0]}, smaller than one training "
                            f"patch ({min_lr_size * scale} pixels); use a smaller --patch-size or drop the image.")
                continue
            images.append((path.stem if factor == 1.0 else f"{path.stem}@{factor:g}", hr))
        return images

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(load, files))
    if cancel is not None:
        cancel.raise_if_cancelled()
    images: list[tuple[str, np.ndarray]] = []
    for result in results:
        if isinstance(result, str):
            warn(result)
        else:
            images.extend(result)
    if not images:
        raise DatasetError(f"No usable image in {', '.join(map(str, folders))}: all were unreadable or too small.")
    return images


def load_pairs(
    folders: Sequence[str | Path],
    scale: int,
    min_lr_size: int = 1,
    hr_rescales: Sequence[float] = (),
    warn: Callable[[str], None] = print,
    cancel: CancelToken | None = None,
) -> list[ImagePair]:
    """Every image of ``folders`` (and its ``hr_rescales`` copies) as an :class:`ImagePair` made by MATLAB bicubic.

    A cancel stops the loading between images (:class:`~sesr_core.errors.CancelledError`).
    """
    images = load_hr_images(folders, scale, min_lr_size, hr_rescales, warn, cancel)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(lambda item: make_pair(item[0], item[1], scale), images))


def _patch_sampler(lr_shapes: np.ndarray, side: int):
    """A graph function: stateless seed -> (image index, top, left) of a ``side`` x ``side`` LR window.

    Windows are drawn with probability proportional to each image's number of window positions.
    """
    positions = (lr_shapes[:, 0] - side + 1) * (lr_shapes[:, 1] - side + 1)
    cumulative = np.cumsum(positions).astype(np.float64)
    shapes_t, cum_t = tf.constant(lr_shapes), tf.constant(cumulative / cumulative[-1])
    count = len(lr_shapes)

    def sample(seeds):
        idx = tf.searchsorted(cum_t, tf.random.stateless_uniform([1], seeds[0], dtype=tf.float64))[0]
        idx = tf.minimum(idx, count - 1)
        top = tf.random.stateless_uniform([], seeds[1], 0, shapes_t[idx, 0] - side + 1, dtype=tf.int64)
        left = tf.random.stateless_uniform([], seeds[2], 0, shapes_t[idx, 1] - side + 1, dtype=tf.int64)
        return idx, top, left

    return sample


def _augment(lr, hr, seeds):
    """The same random 90-degree rotation and horizontal flip of both sides."""
    turns = tf.random.stateless_uniform([], seeds[0], 0, 4, dtype=tf.int32)
    lr, hr = tf.image.rot90(lr, turns), tf.image.rot90(hr, turns)
    flip = tf.random.stateless_uniform([], seeds[1]) < 0.5
    lr = tf.cond(flip, lambda: tf.image.flip_left_right(lr), lambda: lr)
    hr = tf.cond(flip, lambda: tf.image.flip_left_right(hr), lambda: hr)
    return lr, hr


def _batched(sample, seed: int, start_step: int, batch_size: int) -> tf.data.Dataset:
    dataset = tf.data.Dataset.random(seed=seed).skip(start_step * batch_size)
    dataset = dataset.map(sample, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def _cut(flat, offset, width, top, left, grid, channels: int = 1):
    """A square window of an image stored row-major in ``flat`` at ``offset`` (``channels`` values per pixel)."""
    index = offset + ((top + grid)[:, None] * width + (left + grid)[None, :]) * channels
    if channels == 1:
        return tf.gather(flat, index)[..., None]
    return tf.gather(flat, index[..., None] + tf.range(channels, dtype=tf.int64))


def patch_dataset(
    pairs: Sequence[ImagePair],
    scale: int,
    patch_size: int,
    batch_size: int,
    seed: int = 0,
    start_step: int = 0,
) -> tf.data.Dataset:
    """An endless dataset of (lr, hr) batches: [B, P, P, 1] and [B, P*s, P*s, 1] float32 in [0, 1].

    Patches are drawn with probability proportional to each image's number of patch positions, then flipped and
    rotated at random. The stream is a pure function of ``seed``; ``start_step`` skips the batches of earlier steps,
    so a resumed run sees exactly the batches an uninterrupted one would.
    """
    p = patch_size
    lr_flat = np.concatenate([pair.lr.ravel() for pair in pairs])
    hr_flat = np.concatenate([pair.hr.ravel() for pair in pairs])
    lr_shapes = np.array([pair.lr.shape for pair in pairs], np.int64)
    lr_offsets = np.concatenate([[0], np.cumsum(lr_shapes.prod(axis=1))[:-1]]).astype(np.int64)
    hr_offsets = lr_offsets * scale * scale
    window = _patch_sampler(lr_shapes, p)

    lr_t, hr_t = tf.constant(lr_flat), tf.constant(hr_flat)
    shapes_t = tf.constant(lr_shapes)
    lr_off_t, hr_off_t = tf.constant(lr_offsets), tf.constant(hr_offsets)
    lr_grid = tf.constant(np.arange(p, dtype=np.int64))
    hr_grid = tf.constant(np.arange(p * scale, dtype=np.int64))

    def sample(seed_value):
        seeds = tf.random.experimental.stateless_split(tf.stack([seed_value, seed_value // 7 + 1]), 5)
        idx, top, left = window(seeds[:3])
        width = shapes_t[idx, 1]
        lr = _cut(lr_t, lr_off_t[idx], width, top, left, lr_grid)
        hr = _cut(hr_t, hr_off_t[idx], width * scale, top * scale, left * scale, hr_grid)
        return _augment(lr, hr, seeds[3:])

    return _batched(sample, seed, start_step, batch_size)


def degraded_patch_dataset(
    images: Sequence[tuple[str, np.ndarray]],
    scale: int,
    patch_size: int,
    batch_size: int,
    recipe: Degradation,
    seed: int = 0,
    start_step: int = 0,
    jpeg_aware: bool = False,
) -> tf.data.Dataset:
    """Like :func:`patch_dataset`, but each LR patch is made from its HR patch through ``recipe``'s random
    degradations (:func:`sesr_core.training.degrade.degrade_patch`); ``images`` are 8-bit HR pixels.

    With ``jpeg_aware`` the LR side is a dict: the patches (``lr_y``) and each one's JPEG lossiness ([B, 1], see
    :mod:`sesr_core.models.jpeg_variants`), the inputs of a JPEG-aware model.
    The stream is a pure function of ``seed`` and ``start_step``, as for clean pairs.
    """
    rgb = [np.repeat(px[..., None], 3, axis=2) if px.ndim == 2 else px[..., :3] for _, px in images]
    rgb = [px[: px.shape[0] // scale * scale, : px.shape[1] // scale * scale] for px in rgb]
    side = patch_size + 2 * MARGIN
    lr_shapes = np.array([(px.shape[0] // scale, px.shape[1] // scale) for px in rgb], np.int64)
    hr_sizes = np.array([px.size for px in rgb], np.int64)
    offsets = np.concatenate([[0], np.cumsum(hr_sizes)[:-1]]).astype(np.int64)
    window = _patch_sampler(lr_shapes, side)
    flat_t = tf.constant(np.concatenate([px.ravel() for px in rgb]))
    shapes_t, offsets_t = tf.constant(lr_shapes), tf.constant(offsets)
    grid = tf.constant(np.arange(side * scale, dtype=np.int64))

    def sample(seed_value):
        seeds = tf.random.experimental.stateless_split(tf.stack([seed_value, seed_value // 7 + 1]),
                                                       5 + SEEDS_NEEDED)
        idx, top, left = window(seeds[:3])
        hr = _cut(flat_t, offsets_t[idx], shapes_t[idx, 1] * scale, top * scale, left * scale, grid, channels=3)
        hr = tf.ensure_shape(hr, [side * scale, side * scale, 3])
        lr_y, hr_y, quality = degrade_patch(hr, scale, patch_size, recipe, seeds[5:])
        lr_y, hr_y = _augment(lr_y, hr_y, seeds[3:5])
        if not jpeg_aware:
            return lr_y, hr_y
        lossiness = tf.clip_by_value((LOSSLESS - quality) / LOSSLESS, 0.0, MAX_LOSSINESS)  # jpeg_variants.lossiness
        return {"lr_y": lr_y, LOSSINESS_INPUT: lossiness[None]}, hr_y

    return _batched(sample, seed, start_step, batch_size)
