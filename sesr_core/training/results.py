"""What a training job returns: typed results of a run and of its exported models (no TensorFlow here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sesr_core.training.run_folder import RunFolder
from sesr_core.training.spec import TrainSpec


@dataclass(frozen=True)
class TrainResult:
    """A run as it stands when the trainer returns (finished) or is cancelled (``err.partial``).

    ``step`` is the step of the last checkpoint (where a resume starts), ``best_psnr`` the best validation PSNR so
    far and ``baseline_psnr`` bicubic's on the same images (None without validation). ``chief`` is False for a task
    of a cluster that only helped the chief, whose run folder it names.
    """

    run_dir: Path
    model: str
    step: int
    total_steps: int
    elapsed_seconds: float
    finished: bool
    best_psnr: float | None = None
    final_psnr: float | None = None
    baseline_psnr: float | None = None
    chief: bool = True


def run_result(run: RunFolder, spec: TrainSpec, chief: bool = True) -> TrainResult:
    """The TrainResult of a run folder as its state and history stand."""
    state, history = run.read_state(), run.read_history()
    baseline = history.baseline
    root = Path(state.chief_run_dir) if state.chief_run_dir and not chief else run.root
    return TrainResult(root, spec.model.name, state.step, spec.total_steps, state.elapsed_seconds, state.finished,
                       history.best_psnr, history.final_psnr, baseline.mean_psnr if baseline else None, chief)


@dataclass(frozen=True)
class ExportedModel:
    """A .tflite file written from a run, with its card's validation PSNR beside bicubic's on the same images."""

    path: Path
    name: str
    precision: str
    card: dict
    psnr: float | None
    bicubic_psnr: float | None
    dataset: str | None

    @property
    def beats_bicubic(self) -> bool | None:
        """True when measured better than bicubic, False when not, None when it was not measured."""
        if self.psnr is None or self.bicubic_psnr is None:
            return None
        return self.psnr > self.bicubic_psnr

    @classmethod
    def from_card(cls, path: Path, precision: str, card: dict) -> ExportedModel:
        evaluation = card.get("evaluation") or {}
        return cls(Path(path), str(card.get("name") or Path(path).stem), precision, card, evaluation.get("psnr"),
                   evaluation.get("bicubic_psnr"), evaluation.get("dataset"))


@dataclass(frozen=True)
class TrainAndExportResult:
    """A finished run and the models exported from it (none with ``export`` off or for a helper task)."""

    run: TrainResult
    models: tuple[ExportedModel, ...] = ()

    def model(self, precision: str = "int8") -> ExportedModel | None:
        return next((m for m in self.models if m.precision == precision), None)
