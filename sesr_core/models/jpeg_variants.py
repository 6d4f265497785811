"""JPEG-aware models: one network trained with its input's JPEG quality as a condition, shipped as one file per
quality.

A JPEG-aware run trains a network whose every block is scaled and shifted per channel by a function of the input's
*lossiness* (0 for a lossless input, rising as the JPEG quality falls). Scale and shift fold exactly into each block's
convolution, so for any one quality the network is a plain SESR network: the run exports one such network per quality
in :data:`VARIANT_QUALITIES` and one for lossless input, and the runtime feeds each input to the file of the quality
nearest to the one its JPEG file was saved at (:func:`nearest_variant`). Nothing changes in the engines.
"""

from __future__ import annotations

from collections.abc import Iterable

LOSSLESS = 100  # the quality that stands for a lossless input (PNG, TIFF, lossless video)
# JPEG qualities a JPEG-aware run exports a file for: 75 is libjpeg's (and Pillow's, and cjpeg's) default, the most
# common quality on the web; 85 and 95 are the usual "high" settings of cameras and editors; below 75 every 15.
VARIANT_QUALITIES = (30, 45, 60, 75, 85, 95)
MAX_LOSSINESS = 0.99  # the condition never reaches 1 (quality 0 does not exist)


def lossiness(quality: float | None) -> float:
    """The network's condition for an input saved at JPEG ``quality`` (None or 100: lossless): 0 .. 0.99."""
    if quality is None:
        return 0.0
    return min(max((LOSSLESS - float(quality)) / LOSSLESS, 0.0), MAX_LOSSINESS)


def nearest_variant(quality: float | None, available: Iterable[int] = (*VARIANT_QUALITIES, LOSSLESS)) -> int:
    """The quality among ``available`` nearest to an input's JPEG ``quality`` (None: lossless); a tie goes to the
    higher quality, the gentler variant."""
    target = LOSSLESS if quality is None else float(quality)
    return min(available, key=lambda q: (abs(q - target), -q))


def variant_name(family: str, quality: int) -> str:
    """The catalog name of a JPEG-aware family's file for ``quality`` (the lossless one keeps the family's name)."""
    return family if quality == LOSSLESS else f"{family}-q{quality}"


def variant_family(name: str, quality: int) -> str:
    """The family name of a variant's catalog ``name`` (:func:`variant_name` undone)."""
    return name.removesuffix(f"-q{quality}")


def variant_label(quality: int) -> str:
    """How a variant is called in messages: "lossless" or "JPEG quality 70"."""
    return "lossless" if quality == LOSSLESS else f"JPEG quality {quality}"
