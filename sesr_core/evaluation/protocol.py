"""Evaluation under the field's protocol: PSNR and SSIM on BT.601 Y, ``scale`` pixels shaved from every border."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sesr_core.evaluation.metrics import psnr, ssim
from sesr_core.evaluation.pairs import ImagePair, y_channel
from sesr_core.imaging.matlab_imresize import imresize

YPredictor = Callable[[np.ndarray], np.ndarray]
PairPredictor = Callable[[ImagePair], YPredictor]  # a predictor per image (a JPEG-aware family's file per quality)


@dataclass(frozen=True)
class ImageScore:
    name: str
    psnr: float
    ssim: float


@dataclass
class EvalResult:
    """Per-image scores and their means."""

    scores: list[ImageScore] = field(default_factory=list)

    @property
    def mean_psnr(self) -> float:
        return float(np.mean([s.psnr for s in self.scores]))

    @property
    def mean_ssim(self) -> float:
        return float(np.mean([s.ssim for s in self.scores]))

    def card_entry(self, dataset: str) -> dict:
        """The ``evaluation`` block of a model card: the dataset, mean and per-image [PSNR, SSIM], rounded."""
        return {"dataset": dataset, "psnr": round(self.mean_psnr, 4), "ssim": round(self.mean_ssim, 5),
                "images": {s.name: [round(s.psnr, 4), round(s.ssim, 5)] for s in self.scores}}

    def to_dict(self) -> dict:
        return {
            "images": [{"name": s.name, "psnr": s.psnr, "ssim": s.ssim} for s in self.scores],
            "mean_psnr": self.mean_psnr,
            "mean_ssim": self.mean_ssim,
        }


def score_image(sr_y: np.ndarray, hr_y: np.ndarray, scale: int) -> tuple[float, float]:
    """(PSNR, SSIM) of an SR Y plane against HR, both in [0, 1], on the 0..255 scale with ``scale`` shaved."""
    sr = np.clip(sr_y.astype(np.float64), 0.0, 1.0) * 255.0
    hr = hr_y.astype(np.float64)[: sr.shape[0], : sr.shape[1]] * 255.0
    return psnr(sr, hr, crop_border=scale), ssim(sr, hr, crop_border=scale)


def as_8bit(y: np.ndarray) -> np.ndarray:
    """A Y plane in [0, 1] on the 8-bit grid (rounded half up), as it is in a saved 8-bit image."""
    return np.floor(np.clip(y.astype(np.float64), 0.0, 1.0) * 255.0 + 0.5) / 255.0


def evaluate(predict: YPredictor, pairs: Sequence[ImagePair], scale: int,
             on_image: Callable[[ImageScore], None] | None = None) -> EvalResult:
    """Run ``predict`` (LR Y -> SR Y) on every pair and score its 8-bit result.

    The SR plane is rounded to 8 bits first, as the field's reference code does (SRCNN's and FSRCNN's evaluation
    scores ``uint8(Y * 255)``) and as every saved result is: so an fp32 model, an int8 model (whose output is 8-bit
    already) and bicubic (an 8-bit image) are compared alike.
    """
    return evaluate_per_pair(lambda _pair: predict, pairs, scale, on_image)


def evaluate_per_pair(predictor_for: PairPredictor, pairs: Sequence[ImagePair], scale: int,
                      on_image: Callable[[ImageScore], None] | None = None) -> EvalResult:
    """:func:`evaluate` with each pair's own predictor, ``predictor_for(pair)``."""
    result = EvalResult()
    for pair in pairs:
        value = ImageScore(pair.name, *score_image(as_8bit(predictor_for(pair)(pair.lr)), pair.hr, scale))
        result.scores.append(value)
        if on_image:
            on_image(value)
    return result


def bicubic_predictor(scale: int) -> YPredictor:
    """MATLAB-style bicubic upscaling of a Y plane."""
    return lambda y: imresize(y.astype(np.float64), scale=scale)


def evaluate_bicubic(pairs: Sequence[ImagePair], scale: int) -> EvalResult:
    """The bicubic baseline as the field computes it: the 8-bit LR image upscaled by MATLAB bicubic, then its Y.

    Pairs without their LR image fall back to upscaling the Y plane.
    """
    result = EvalResult()
    for pair in pairs:
        if pair.lr_image is None:
            sr_y = bicubic_predictor(scale)(pair.lr)
        else:
            sr_y = y_channel(imresize(pair.lr_image, scale=scale))
        result.scores.append(ImageScore(pair.name, *score_image(sr_y, pair.hr, scale)))
    return result


# The fixed degradation every card also reports, beside clean LR: a web photo's JPEG.
CARD_DEGRADATION = "jpeg=75"


def card_evaluation(predict: YPredictor, val_dir: str | Path, scale: int) -> dict:
    """A card's ``evaluation`` block: PSNR/SSIM on ``val_dir`` with clean LR and with :data:`CARD_DEGRADATION` LR,
    each beside the bicubic baseline of the same LR images."""
    from sesr_core.evaluation.pairs import dataset_name, load_eval_pairs
    from sesr_core.imaging.degradation import parse_degradation

    clean_pairs = load_eval_pairs(val_dir, scale)
    entry = evaluate(predict, clean_pairs, scale).card_entry(dataset_name(val_dir))
    entry["bicubic_psnr"] = round(evaluate_bicubic(clean_pairs, scale).mean_psnr, 4)
    degraded_pairs = load_eval_pairs(val_dir, scale, degradation=parse_degradation(CARD_DEGRADATION))
    degraded = evaluate(predict, degraded_pairs, scale)
    entry["degraded"] = {"degradation": CARD_DEGRADATION, "psnr": round(degraded.mean_psnr, 4),
                         "ssim": round(degraded.mean_ssim, 5),
                         "bicubic_psnr": round(evaluate_bicubic(degraded_pairs, scale).mean_psnr, 4)}
    return entry
