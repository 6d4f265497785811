"""Narrow the int8 activation ranges of a QAT model where that lowers its error (after QAT, before export).

tfmot sets each activation's range to a moving average of the batch minimum and maximum. The rare extremes (the
strongest edges) then stretch the range, and every other value gets a coarser int8 step. After QAT we scale each
range down by one of :data:`FACTORS`, layer by layer from input to output, keep the factor that gives the highest
mean PSNR on calibration images from the run's *training* folders (never the validation set), and go over the
layers a second time, since each choice shifts the best one for the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sesr_core.evaluation.metrics import psnr
from sesr_core.evaluation.pairs import ImagePair
from sesr_core.training._tf import keras
from sesr_core.training.qat import fixed_range_prefixes

FACTORS = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4)
PASSES = 2
_RANGE_KINDS = ("post_activation", "output")


@dataclass(frozen=True)
class RangeRefinement:
    """The factor chosen per quantiser (by its name) and the calibration PSNR before and after."""

    factors: dict[str, float]
    psnr_before: float
    psnr_after: float

    def as_card(self) -> dict:
        return {"factors": {name: round(f, 3) for name, f in self.factors.items()},
                "calibration_psnr_before": round(self.psnr_before, 4),
                "calibration_psnr_after": round(self.psnr_after, 4)}


def activation_ranges(quantized: keras.Model) -> dict[str, tuple]:
    """The (min, max) variables of every learnt activation range, input to output, by quantiser name (ranges pinned
    by a fixed quantiser have none to learn and are left out)."""
    fixed = fixed_range_prefixes(quantized)
    found: dict[str, dict[str, object]] = {}
    for variable in quantized.weights:
        name = variable.name.split(":")[0]
        if any(name.startswith(prefix) for prefix in fixed):
            continue
        for kind in _RANGE_KINDS:
            for end in ("min", "max"):
                if name.endswith(f"/{kind}_{end}"):
                    found.setdefault(name.rsplit("_", 1)[0], {})[end] = variable
    return {name: (pair["min"], pair["max"]) for name, pair in found.items() if len(pair) == 2}


def mean_psnr(quantized: keras.Model, pairs: Sequence[ImagePair], scale: int) -> float:
    """Mean PSNR (Y, border of ``scale`` shaved) of the fake-quant model on ``pairs``."""
    values = []
    for pair in pairs:
        out = quantized(pair.lr[None, :, :, None], training=False).numpy()[0, :, :, 0]
        values.append(psnr(np.clip(out, 0.0, 1.0) * 255.0, pair.hr[: out.shape[0], : out.shape[1]] * 255.0,
                           crop_border=scale))
    return float(np.mean(values))


def refine_activation_ranges(quantized: keras.Model, pairs: Sequence[ImagePair], scale: int,
                             factors: Sequence[float] = FACTORS, passes: int = PASSES,
                             on_layer: Callable[[str, float, float], None] | None = None) -> RangeRefinement:
    """Scale each activation range of ``quantized`` (in place) by the factor that maximises PSNR on ``pairs``."""
    ranges = activation_ranges(quantized)
    original = {name: (float(lo.numpy()), float(hi.numpy())) for name, (lo, hi) in ranges.items()}
    chosen = dict.fromkeys(ranges, 1.0)

    def apply(name: str, factor: float) -> None:
        lo, hi = ranges[name]
        lo.assign(original[name][0] * factor)
        hi.assign(original[name][1] * factor)

    before = best = mean_psnr(quantized, pairs, scale)
    for _ in range(passes):
        for name in ranges:
            for factor in factors:
                if factor == chosen[name]:
                    continue
                apply(name, factor)
                score = mean_psnr(quantized, pairs, scale)
                if score > best:
                    best, chosen[name] = score, factor
            apply(name, chosen[name])
            if on_layer:
                on_layer(name, chosen[name], best)
    return RangeRefinement(chosen, before, best)
