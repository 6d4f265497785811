"""Random degradations of training patches inside the tf.data graph (the recipe: :mod:`sesr_core.imaging.degradation`).

One HR RGB patch with a margin goes in; the LR side is made as a camera and a web upload would make it: optional
Gaussian blur, a downscale by a kernel drawn from the recipe (MATLAB-style antialiased bicubic, bilinear or area),
Gaussian and shot noise, rounding to 8 bits, JPEG at a random quality. Then Y (BT.601) of both sides, with the margin
cut off, so that the blur, the resize and the JPEG blocks of the kept pixels saw real neighbours. Every random draw
comes from the stateless seeds given, so the stream stays a pure function of the run's seed and step.
"""

from __future__ import annotations

import math

from sesr_core.imaging.degradation import Degradation, Range
from sesr_core.models.jpeg_variants import LOSSLESS
from sesr_core.training._tf import tf

MARGIN = 8  # LR pixels of context on every side of a degraded patch
_RESIZE_METHODS = {"bicubic": "bicubic", "bilinear": "bilinear", "area": "area"}
_Y_WEIGHTS = (65.481 / 255.0, 128.553 / 255.0, 24.966 / 255.0)
SEEDS_NEEDED = 10


def rgb_to_y_unit(rgb: tf.Tensor) -> tf.Tensor:
    """BT.601 Y in [0, 1] of an RGB tensor in 0..255 ([..., 3] -> [..., 1]), as
    :func:`sesr_core.evaluation.pairs.y_channel`."""
    weights = tf.constant(_Y_WEIGHTS, tf.float32)
    return (16.0 + tf.reduce_sum(rgb * weights, axis=-1, keepdims=True)) / 255.0


def _draw(rng: Range | None, seed: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """(whether the degradation is applied, its value) for one patch."""
    if rng is None:
        return tf.constant(False), tf.constant(0.0)
    both = tf.random.stateless_uniform([2], seed)
    value = rng.low + (rng.high - rng.low) * both[1]
    return both[0] < rng.probability, value


def _gaussian_taps(sigma: tf.Tensor, radius: int) -> tf.Tensor:
    x = tf.range(-radius, radius + 1, dtype=tf.float32)
    taps = tf.exp(-0.5 * tf.square(x / tf.maximum(sigma, 1e-3)))
    return taps / tf.reduce_sum(taps)


def _blur(image: tf.Tensor, sigma: tf.Tensor, radius: int) -> tf.Tensor:
    """Separable Gaussian blur of an [H, W, 3] float image (mirrored edges)."""
    taps = _gaussian_taps(sigma, radius)
    padded = tf.pad(image[None], [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="SYMMETRIC")
    rows = tf.tile(tf.reshape(taps, [-1, 1, 1, 1]), [1, 1, 3, 1])
    cols = tf.tile(tf.reshape(taps, [1, -1, 1, 1]), [1, 1, 3, 1])
    out = tf.nn.depthwise_conv2d(padded, rows, [1, 1, 1, 1], "VALID")
    out = tf.nn.depthwise_conv2d(out, cols, [1, 1, 1, 1], "VALID")
    return out[0]


def _downscale(image: tf.Tensor, size: int, kernels: tuple[str, ...], seed: tf.Tensor) -> tf.Tensor:
    def resize(kernel: str):
        return lambda: tf.image.resize(image, [size, size], method=_RESIZE_METHODS[kernel], antialias=True)

    if len(kernels) == 1:
        return resize(kernels[0])()
    pick = tf.random.stateless_uniform([], seed, 0, len(kernels), dtype=tf.int32)
    return tf.switch_case(pick, [resize(k) for k in kernels])


def degrade_lr_rgb(hr: tf.Tensor, scale: int, recipe: Degradation, seeds: tf.Tensor) -> tf.Tensor:
    """The degraded 8-bit LR RGB image ([S/scale, S/scale, 3] uint8) of a float HR RGB patch [S, S, 3] in 0..255.

    ``seeds`` holds at least :data:`SEEDS_NEEDED` stateless seeds ([N, 2] int64).
    """
    return degrade_lr_rgb_with_quality(hr, scale, recipe, seeds)[0]


def degrade_lr_rgb_with_quality(hr: tf.Tensor, scale: int, recipe: Degradation,
                                seeds: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """:func:`degrade_lr_rgb` and the JPEG quality it was saved at (float32; 100 when no JPEG was applied)."""
    side = int(hr.shape[0]) // scale
    image = hr
    if recipe.blur is not None:
        apply, sigma = _draw(recipe.blur, seeds[0])
        radius = max(1, math.ceil(3.0 * recipe.blur.high))
        image = tf.cond(apply, lambda: _blur(image, sigma, radius), lambda: image)
    lr = _downscale(image, side, recipe.resize, seeds[1])
    if recipe.noise is not None:
        apply, sigma = _draw(recipe.noise, seeds[2])
        grey = tf.random.stateless_uniform([], seeds[3]) < 0.5  # half grey (luma-only) noise, half colour noise
        shape = tf.where(grey, tf.constant([side, side, 1]), tf.constant([side, side, 3]))
        noise = tf.random.stateless_normal(shape, seeds[4]) * sigma
        lr = tf.where(apply, lr + noise, lr)
    if recipe.poisson is not None:
        apply, sigma = _draw(recipe.poisson, seeds[5])
        photons = 128.0 / tf.square(tf.maximum(sigma, 1e-3))
        shot = tf.random.stateless_poisson([side, side, 3], seeds[6], tf.maximum(lr, 0.0) * photons,
                                           dtype=tf.float32) / photons
        lr = tf.where(apply, shot, lr)
    lr8 = tf.cast(tf.clip_by_value(tf.floor(lr + 0.5), 0.0, 255.0), tf.uint8)
    saved_at = tf.constant(float(LOSSLESS))
    if recipe.jpeg is not None:
        apply, quality = _draw(recipe.jpeg, seeds[7])
        quality = tf.cast(tf.round(quality), tf.int32)
        lr8 = tf.cond(apply, lambda: tf.image.adjust_jpeg_quality(lr8, quality), lambda: lr8)
        saved_at = tf.where(apply, tf.cast(quality, tf.float32), saved_at)
    return tf.ensure_shape(lr8, [side, side, 3]), saved_at


def degrade_patch(hr_rgb: tf.Tensor, scale: int, patch: int, recipe: Degradation,
                  seeds: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """(LR Y [P, P, 1], HR Y [P*s, P*s, 1], JPEG quality) from an HR RGB uint8 patch of side (P + 2*MARGIN) * scale.

    Y is in [0, 1]; the quality is the one the LR patch was saved at (100: no JPEG), as a float32 scalar.
    """
    hr = tf.cast(hr_rgb, tf.float32)
    lr8, quality = degrade_lr_rgb_with_quality(hr, scale, recipe, seeds)
    lr_y = rgb_to_y_unit(tf.cast(lr8, tf.float32))[MARGIN:MARGIN + patch, MARGIN:MARGIN + patch]
    cut = MARGIN * scale
    hr_y = rgb_to_y_unit(hr)[cut:cut + patch * scale, cut:cut + patch * scale]
    return lr_y, hr_y, quality
