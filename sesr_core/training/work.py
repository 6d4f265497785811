"""A training job's work in one unit, the fp32 step, so that its time left counts QAT and export too.

Measured with benchmarks/training_phases.py (see docs/training.md): a QAT step costs :data:`QAT_STEP_COST` fp32
steps of the same batch, and an export (int8 range refinement and conversion, or fp32 conversion, then the card's
evaluation) about :data:`EXPORT_COST` fp32 steps of the default batch. No TensorFlow here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sesr_core.training.spec import NEW_RUN_DEFAULTS, TrainSpec

QAT_STEP_COST = 1.6
EXPORT_COST = 150.0
_DEFAULT_PIXELS = int(NEW_RUN_DEFAULTS["batch_size"]) * int(NEW_RUN_DEFAULTS["patch_size"]) ** 2


@dataclass(frozen=True)
class TrainingWork:
    """``fp32_steps`` then ``qat_steps``, then ``exports`` exports each worth ``export_cost`` fp32 steps."""

    fp32_steps: int
    qat_steps: int = 0
    exports: int = 0
    export_cost: float = EXPORT_COST

    @classmethod
    def of(cls, spec: TrainSpec, exports: int = 0) -> TrainingWork:
        """The work of ``spec``'s run and ``exports`` exports; an export weighs less against bigger batches."""
        pixels = spec.batch_size * spec.patch_size ** 2
        return cls(spec.steps, spec.qat_steps if spec.qat else 0, exports, EXPORT_COST * _DEFAULT_PIXELS / pixels)

    @property
    def total_steps(self) -> int:
        return self.fp32_steps + self.qat_steps

    @property
    def total(self) -> float:
        return self.done_at(self.total_steps) + self.exports * self.export_cost

    def done_at(self, step: int) -> float:
        """The work done when training reaches ``step`` (of the run's global step counter)."""
        fp32 = min(step, self.fp32_steps)
        return fp32 + max(0, step - self.fp32_steps) * QAT_STEP_COST

    def exported(self, count: float) -> float:
        """The work done when training is over and ``count`` exports are (fractions: one under way)."""
        return self.done_at(self.total_steps) + count * self.export_cost
