"""A training job's work in one unit, the fp32 step, so that its time left counts QAT and export too.

Measured with benchmarks/training_phases.py (SESR-M5 x2, batch 16 of 48-pixel patches, 2 shared cores; see
docs/training.md): an fp32 step took 0.102 s and a QAT step 0.098 s (:data:`QAT_STEP_COST` 1.0: QAT trains the
collapsed network, one conv per block, which costs what the collapsed fp32 step does); refining the int8 ranges
before the frozen QAT steps took 60 s (:data:`RANGE_REFINEMENT_COST`, about 600 steps); the int8 export (refinement,
conversion, the card's evaluation) 69 s and the fp32 export 12 s (:data:`EXPORT_COST`). Exports and the refinement
take the same time whatever the batch, so they weigh fewer steps of a bigger batch. No TensorFlow here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sesr_core.training.spec import NEW_RUN_DEFAULTS, TrainSpec

QAT_STEP_COST = 1.0
RANGE_REFINEMENT_COST = 600.0
EXPORT_COST = {"int8": 680.0, "fp32": 120.0}
_MEASURED_PIXELS = int(NEW_RUN_DEFAULTS["batch_size"]) * int(NEW_RUN_DEFAULTS["patch_size"]) ** 2


@dataclass(frozen=True)
class TrainingWork:
    """``fp32_steps``, then ``qat_steps`` (the ranges refined ``frozen_steps`` before the end), then the exports,
    each worth ``export_costs`` fp32 steps; ``step_scale`` converts the measured costs to this run's step."""

    fp32_steps: int
    qat_steps: int = 0
    frozen_steps: int = 0
    export_costs: tuple[float, ...] = ()
    step_scale: float = 1.0

    @classmethod
    def of(cls, spec: TrainSpec, exports: Sequence[str] = ()) -> TrainingWork:
        """The work of ``spec``'s run and of exporting the ``exports`` precisions."""
        scale = _MEASURED_PIXELS / (spec.batch_size * spec.patch_size ** 2)
        return cls(spec.steps, spec.qat_steps if spec.qat else 0, spec.frozen_range_steps,
                   tuple(EXPORT_COST.get(p, EXPORT_COST["int8"]) * scale for p in exports), scale)

    @property
    def total_steps(self) -> int:
        return self.fp32_steps + self.qat_steps

    @property
    def total(self) -> float:
        return self.exported(len(self.export_costs))

    def done_at(self, step: int) -> float:
        """The work done when training reaches ``step`` (of the run's global step counter)."""
        done = min(step, self.fp32_steps) + max(0, step - self.fp32_steps) * QAT_STEP_COST
        if self.frozen_steps and step > self.total_steps - self.frozen_steps:
            done += RANGE_REFINEMENT_COST * self.step_scale
        return done

    def exported(self, count: int) -> float:
        """The work done when training is over and the first ``count`` exports are."""
        return self.done_at(self.total_steps) + sum(self.export_costs[:count])
