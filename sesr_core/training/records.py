"""Trained runs a new run can start from: the shipped models' training records and the user's own runs.

No TensorFlow here (the run spec is plain JSON), so the desktop app lists them before TensorFlow is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sesr_core.errors import SesrError
from sesr_core.models.catalog import shipped_models_dir
from sesr_core.training.spec import TrainSpec

FP32_CHECKPOINT_INDEX = Path("checkpoints") / "fp32" / "checkpoint"


@dataclass(frozen=True)
class TrainingRecord:
    """A run folder with fp32 weights to start from, and its spec."""

    label: str
    path: Path
    spec: TrainSpec
    shipped: bool


def read_record(folder: str | Path, shipped: bool = False) -> TrainingRecord | None:
    """The record of ``folder``, or None when it is not a run folder with fp32 weights (or its spec is damaged)."""
    folder = Path(folder)
    if not (folder / FP32_CHECKPOINT_INDEX).is_file():
        return None
    try:
        spec = TrainSpec.load(folder)
    except SesrError:
        return None
    label = f"{folder.name} (shipped)" if shipped else folder.name
    return TrainingRecord(label, folder, spec, shipped)


def shipped_records() -> list[TrainingRecord]:
    """The training records of the shipped models (``resources/models/records/NAME``), by name."""
    root = shipped_models_dir() / "records"
    folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    return [r for r in (read_record(f, shipped=True) for f in folders) if r is not None]


def user_runs(runs_dir: str | Path) -> list[TrainingRecord]:
    """The runs in ``runs_dir`` that have fp32 weights, newest first."""
    root = Path(runs_dir)
    folders = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True) \
        if root.is_dir() else []
    return [r for r in (read_record(f) for f in folders) if r is not None]
