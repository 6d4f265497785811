"""What a resumed run trains: its saved spec with the step counts asked for, or a refusal saying why not."""

from __future__ import annotations

from pathlib import Path

from sesr_core.errors import SesrError
from sesr_core.training.run_folder import RunState
from sesr_core.training.spec import TrainSpec


def resumed_spec(saved: TrainSpec, asked: TrainSpec, state: RunState, run_dir: Path) -> TrainSpec:
    """``saved`` with ``asked``'s fp32 and QAT step counts, which may shorten or extend the run but not end it
    before the step its last checkpoint reached; raises :class:`SesrError` otherwise."""
    step, phase = state.step, state.phase
    steps, qat_steps = asked.steps, asked.qat_steps
    if phase == "qat" and steps != saved.steps:
        raise SesrError(f"Cannot change --steps of '{run_dir}' to {steps}: its fp32 phase is over ({saved.steps} "
                        "steps) and it is in quantisation-aware training; omit --steps or change --qat-steps.")
    if phase == "fp32" and steps < step:
        raise SesrError(f"Cannot resume '{run_dir}' with --steps {steps}: it is already at step {step}; give "
                        f"--steps {step} or more (or omit it to keep {saved.steps}).")
    if phase == "qat" and saved.steps + qat_steps < step:
        raise SesrError(f"Cannot resume '{run_dir}' with --qat-steps {qat_steps}: it is already at step {step} "
                        f"({step - saved.steps} QAT steps); give --qat-steps {step - saved.steps} or more.")
    return saved.with_changes(steps=steps, qat_steps=qat_steps)
