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
from sesr_core.file_kinds import why_not_a_folder
from sesr_core.imaging.bicubic import imresize
from sesr_core.imaging.image_read import list_images, read_image
from sesr_core.jobs import CancelToken
from sesr_core.pairs import ImagePair, make_pair, to_uint8
from sesr_core.training._tf import tf


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


def load_pairs(
    folders: Sequence[str | Path],
    scale: int,
    min_lr_size: int = 1,
    hr_rescales: Sequence[float] = (),
    warn: Callable[[str], None] = print,
    cancel: CancelToken | None = None,
) -> list[ImagePair]:
    """Load every image of ``folders`` as an :class:`ImagePair`, plus one downscaled copy per ``hr_rescales`` factor.

    Unreadable files and images whose LR side would be under ``min_lr_size`` are skipped with a warning naming them.
    A cancel stops the loading between images (:class:`~sesr_core.errors.CancelledError`).
    """
    files = collect_image_files(folders)

    def load(path: Path) -> list[ImagePair] | str:
        if cancel is not None and cancel.cancelled:
            return []
        try:
            pixels = to_uint8(read_image(path).pixels)
        except SesrError as err:
            return f"Skipping {err}"
        pairs = []
        for factor in (1.0, *hr_rescales):
            hr = pixels if factor == 1.0 else imresize(pixels, scale=factor)
            if min(hr.shape[:2]) // scale < min_lr_size:
                if factor == 1.0:
                    return (f"Skipping '{path}': it is {hr.shape[1]}x{hr.shape[0]}, smaller than one training "
                            f"patch ({min_lr_size * scale} pixels); use a smaller --patch-size or drop the image.")
                continue
            pairs.append(make_pair(path.stem if factor == 1.0 else f"{path.stem}@{factor:g}", hr, scale))
        return pairs

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(load, files))
    if cancel is not None:
        cancel.raise_if_cancelled()
    pairs: list[ImagePair] = []
    for result in results:
        if isinstance(result, str):
            warn(result)
        else:
            pairs.extend(result)
    if not pairs:
        raise DatasetError(f"No usable image in {', '.join(map(str, folders))}: all were unreadable or too small.")
    return pairs


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
    p, hp = patch_size, patch_size * scale
    lr_flat = np.concatenate([pair.lr.ravel() for pair in pairs])
    hr_flat = np.concatenate([pair.hr.ravel() for pair in pairs])
    lr_shapes = np.array([pair.lr.shape for pair in pairs], np.int64)
    lr_offsets = np.concatenate([[0], np.cumsum(lr_shapes.prod(axis=1))[:-1]]).astype(np.int64)
    hr_offsets = lr_offsets * scale * scale
    positions = (lr_shapes[:, 0] - p + 1) * (lr_shapes[:, 1] - p + 1)
    cumulative = np.cumsum(positions).astype(np.float64)

    lr_t, hr_t = tf.constant(lr_flat), tf.constant(hr_flat)
    shapes_t, cum_t = tf.constant(lr_shapes), tf.constant(cumulative / cumulative[-1])
    lr_off_t, hr_off_t = tf.constant(lr_offsets), tf.constant(hr_offsets)
    lr_grid = tf.constant(np.arange(p, dtype=np.int64))
    hr_grid = tf.constant(np.arange(hp, dtype=np.int64))

    def cut(flat, offset, width, top, left, grid):
        index = offset + (top + grid)[:, None] * width + (left + grid)[None, :]
        return tf.gather(flat, index)[..., None]

    def sample(seed_value):
        seeds = tf.random.experimental.stateless_split(tf.stack([seed_value, seed_value // 7 + 1]), 5)
        idx = tf.searchsorted(cum_t, tf.random.stateless_uniform([1], seeds[0], dtype=tf.float64))[0]
        idx = tf.minimum(idx, len(pairs) - 1)
        height, width = shapes_t[idx, 0], shapes_t[idx, 1]
        top = tf.random.stateless_uniform([], seeds[1], 0, height - p + 1, dtype=tf.int64)
        left = tf.random.stateless_uniform([], seeds[2], 0, width - p + 1, dtype=tf.int64)
        lr = cut(lr_t, lr_off_t[idx], width, top, left, lr_grid)
        hr = cut(hr_t, hr_off_t[idx], width * scale, top * scale, left * scale, hr_grid)
        turns = tf.random.stateless_uniform([], seeds[3], 0, 4, dtype=tf.int32)
        lr, hr = tf.image.rot90(lr, turns), tf.image.rot90(hr, turns)
        flip = tf.random.stateless_uniform([], seeds[4]) < 0.5
        lr = tf.cond(flip, lambda: tf.image.flip_left_right(lr), lambda: lr)
        hr = tf.cond(flip, lambda: tf.image.flip_left_right(hr), lambda: hr)
        return lr, hr

    dataset = tf.data.Dataset.random(seed=seed).skip(start_step * batch_size)
    dataset = dataset.map(sample, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
