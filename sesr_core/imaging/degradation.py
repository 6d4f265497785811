"""Degradations of the low-resolution side of an image pair: what real photos and videos go through.

Two uses share one text syntax:

- **Training recipes** draw every degradation at random per patch from a range, with a probability:
  ``blur=0.2-1.0@0.3,resize=bicubic|bilinear|area,noise=0-3@0.4,poisson=0-2@0.2,jpeg=40-95@0.85``.
  The TensorFlow implementation is :mod:`sesr_core.training.degrade`.
- **Evaluation degradations** are fixed values, applied deterministically per image by :func:`degrade_lr_image`
  here (numpy and Pillow only): ``jpeg=75``, ``noise=2``, ``jpeg=75,noise=2``, ``blur=0.8`` (blur needs the LR to be
  made from HR).

Units: ``blur`` is the Gaussian sigma in HR pixels, applied before the downscale; ``noise`` the standard deviation in
grey levels (0..255) of additive Gaussian noise; ``poisson`` the standard deviation in grey levels at mid-grey (128)
of signal-dependent shot noise; ``jpeg`` the JPEG quality (1..100, libjpeg scale, 4:2:0 chroma). The order is that
of a camera and a web upload: blur, downscale, noise, JPEG.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image

from sesr_core.errors import SesrError

RESIZE_KERNELS = ("bicubic", "bilinear", "area")
_KEYS = ("blur", "noise", "poisson", "jpeg", "resize")
_LIMITS = {"blur": (0.0, 5.0), "noise": (0.0, 50.0), "poisson": (0.0, 50.0), "jpeg": (1.0, 100.0)}
# Named recipes: what a photo model is trained on (chosen before any measurement; docs/training.md says why).
NAMED_RECIPES = {
    "photo": "blur=0.2-0.8@0.1,noise=0-2@0.1,poisson=0-1.5@0.05,jpeg=35-90@0.4",
    # For a JPEG-aware model (told each input's quality, so JPEG patches no longer cost it clean pictures): the same
    # noise and blur, JPEG on most patches and over the whole range of qualities it exports files for.
    "photo-aware": "blur=0.2-0.8@0.1,noise=0-2@0.1,poisson=0-1.5@0.05,jpeg=25-98@0.7",
}
_SYNTAX = ("write degradations as key=value pairs joined by commas, e.g. 'jpeg=40-95@0.85,noise=0-3@0.4,"
           "blur=0.2-1.0@0.3,resize=bicubic|bilinear|area'")


@dataclass(frozen=True)
class Range:
    """A value drawn uniformly from ``[low, high]`` with probability ``probability``, else the degradation is off."""

    low: float
    high: float
    probability: float = 1.0

    @property
    def is_fixed(self) -> bool:
        return self.low == self.high and self.probability == 1.0

    def text(self) -> str:
        value = f"{self.low:g}" if self.low == self.high else f"{self.low:g}-{self.high:g}"
        return value if self.probability == 1.0 else f"{value}@{self.probability:g}"


@dataclass(frozen=True)
class Degradation:
    """A set of degradations; a field left ``None`` is not applied. See the module docstring for units and order."""

    blur: Range | None = None
    noise: Range | None = None
    poisson: Range | None = None
    jpeg: Range | None = None
    resize: tuple[str, ...] = field(default=("bicubic",))

    @property
    def is_clean(self) -> bool:
        return self == Degradation()

    @property
    def is_fixed(self) -> bool:
        """Whether every degradation has one value (an evaluation degradation), not a random range."""
        return all(r is None or r.is_fixed for r in (self.blur, self.noise, self.poisson, self.jpeg)) \
            and len(self.resize) == 1

    def text(self) -> str:
        """The canonical text form, which :func:`parse_degradation` reads back to an equal value."""
        parts = [f"{key}={getattr(self, key).text()}" for key in ("blur", "noise", "poisson", "jpeg")
                 if getattr(self, key) is not None]
        if self.resize != ("bicubic",):
            parts.insert(1 if self.blur else 0, "resize=" + "|".join(self.resize))
        return ",".join(parts) or "none"

    def to_dict(self) -> dict:
        return {"text": self.text()}

    @classmethod
    def from_dict(cls, data: dict | str | None) -> Degradation | None:
        if data is None:
            return None
        return parse_degradation(data["text"] if isinstance(data, dict) else data)


def parse_degradation(text: str) -> Degradation:
    """Read ``key=value`` pairs (blur, noise, poisson, jpeg, resize) or a named recipe (``photo``); a mistake raises a
    one-line SesrError."""
    text = NAMED_RECIPES.get(text.strip().lower(), text.strip())
    if text in ("", "none", "clean"):
        return Degradation()
    values: dict = {}
    for part in text.split(","):
        key, sep, value = part.strip().partition("=")
        key = key.strip().lower()
        if not sep or key not in _KEYS:
            raise SesrError(f"'{part.strip()}' is not a known degradation ({', '.join(_KEYS)}); {_SYNTAX}.")
        if key in values:
            raise SesrError(f"The degradation '{key}' is given twice in '{text}'; give it once.")
        values[key] = _parse_kernels(value) if key == "resize" else _parse_range(key, value.strip())
    return replace(Degradation(), **values)


def _parse_kernels(value: str) -> tuple[str, ...]:
    kernels = tuple(k.strip().lower() for k in value.split("|") if k.strip())
    unknown = [k for k in kernels if k not in RESIZE_KERNELS]
    if not kernels or unknown:
        raise SesrError(f"Unknown resize kernel '{'|'.join(unknown) or value}'; use {'|'.join(RESIZE_KERNELS)}.")
    return kernels


def _parse_range(key: str, value: str) -> Range:
    body, _, probability_text = value.partition("@")
    low_text, dash, high_text = body.partition("-")
    try:
        low = float(low_text)
        high = float(high_text) if dash else low
        probability = float(probability_text) if probability_text else 1.0
    except ValueError:
        raise SesrError(f"'{key}={value}' is not a number or a range like {key}=1-3 or {key}=1-3@0.5; "
                        f"{_SYNTAX}.") from None
    lowest, highest = _LIMITS[key]
    if not lowest <= low <= high <= highest:
        raise SesrError(f"'{key}={value}' is out of range: {key} takes values from {lowest:g} to {highest:g}, "
                        "low before high.")
    if not 0.0 < probability <= 1.0:
        raise SesrError(f"'{key}={value}': the probability after '@' must be above 0 and at most 1.")
    return Range(low, high, probability)


def image_seed(name: str) -> int:
    """A seed that depends only on an image's name, so a fixed degradation gives the same pixels everywhere."""
    return zlib.crc32(name.encode("utf-8"))


def jpeg_roundtrip(rgb: np.ndarray, quality: int) -> np.ndarray:
    """``rgb`` (uint8, HxWx3 or HxW) saved as a baseline JPEG at ``quality`` (4:2:0 chroma) and decoded again."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=int(quality), subsampling="4:2:0" if rgb.ndim == 3 else 0)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return np.asarray(decoded.convert("RGB" if rgb.ndim == 3 else "L"))


def add_gaussian_noise(pixels: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """uint8 ``pixels`` plus Gaussian noise of ``sigma`` grey levels, rounded and clipped to uint8."""
    noisy = pixels.astype(np.float64) + rng.normal(0.0, sigma, pixels.shape)
    return np.clip(np.floor(noisy + 0.5), 0, 255).astype(np.uint8)


def add_poisson_noise(pixels: np.ndarray, sigma_at_mid_grey: float, rng: np.random.Generator) -> np.ndarray:
    """uint8 ``pixels`` with shot noise whose standard deviation is ``sigma_at_mid_grey`` grey levels at 128."""
    photons_per_level = 128.0 / sigma_at_mid_grey**2
    noisy = rng.poisson(pixels.astype(np.float64) * photons_per_level) / photons_per_level
    return np.clip(np.floor(noisy + 0.5), 0, 255).astype(np.uint8)


def gaussian_blur(pixels: np.ndarray, sigma: float) -> np.ndarray:
    """uint8 ``pixels`` blurred by a Gaussian of ``sigma`` pixels (edges mirrored), rounded back to uint8."""
    radius = max(1, int(np.ceil(3.0 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    image = pixels.astype(np.float64)
    for axis in (0, 1):
        pad = [(0, 0)] * image.ndim
        pad[axis] = (radius, radius)
        padded = np.pad(image, pad, mode="symmetric")
        image = sum(w * np.take(padded, np.arange(i, i + image.shape[axis]), axis=axis) for i, w in enumerate(taps))
    return np.clip(np.floor(image + 0.5), 0, 255).astype(np.uint8)


def degrade_lr_image(lr: np.ndarray, degradation: Degradation, name: str) -> np.ndarray:
    """Apply a fixed degradation's noise and JPEG to an 8-bit LR image, deterministically for the image ``name``.

    Blur and the resize kernel act before the downscale and so belong to whoever makes the LR image.
    """
    if not degradation.is_fixed:
        raise SesrError(f"An evaluation degradation takes single values (e.g. jpeg=75,noise=2), not ranges: "
                        f"'{degradation.text()}'.")
    rng = np.random.default_rng(image_seed(name))
    if degradation.noise is not None and degradation.noise.low > 0:
        lr = add_gaussian_noise(lr, degradation.noise.low, rng)
    if degradation.poisson is not None and degradation.poisson.low > 0:
        lr = add_poisson_noise(lr, degradation.poisson.low, rng)
    if degradation.jpeg is not None:
        lr = jpeg_roundtrip(lr, int(round(degradation.jpeg.low)))
    return lr
