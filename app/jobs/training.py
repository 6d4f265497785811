"""The Train page's jobs, adapters to sesr_core: train then export into the user catalog, export a stopped run's
checkpoint, read a run folder (no Qt here).

TensorFlow is imported lazily, inside the worker thread: the window never waits for it, and where it is missing the
job fails with the sentence of :mod:`sesr_core.training_support`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sesr_core.errors import SesrError
from sesr_core.jobs import CancelToken, EventCallback, LogEvent
from sesr_core.models.catalog import user_data_dir
from sesr_core.training.records import TrainingRecord as TrainingRecord  # the form's types, re-exported
from sesr_core.training.records import read_record as read_record
from sesr_core.training.records import shipped_records as shipped_records
from sesr_core.training.records import user_runs as user_runs
from sesr_core.training.results import ExportedModel as ExportedModel
from sesr_core.training.results import TrainAndExportResult as TrainAndExportResult
from sesr_core.training.results import TrainResult as TrainResult
from sesr_core.training.run_folder import RunFolder
from sesr_core.training.run_folder import RunHistory as RunHistory
from sesr_core.training.run_folder import RunState as RunState
from sesr_core.training.spec import TrainSpec as TrainSpec
from sesr_core.training.spec import default_qat_steps as default_qat_steps
from sesr_core.training.spec import new_run_spec as new_run_spec
from sesr_core.training.train_and_export import catalog_export, export_checkpoint, train_and_export
from sesr_core.training_support import missing_training_module as training_missing  # noqa: F401 - for the page
from sesr_core.training_support import training_unavailable_message as install_message  # noqa: F401 - for the page


def default_runs_dir() -> Path:
    return user_data_dir() / "runs"


def new_run_dir(runs_dir: Path, model_name: str) -> Path:
    """A fresh run folder name: model name and time, never an existing folder."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = runs_dir / f"{model_name}-{stamp}"
    number = 1
    while candidate.exists():
        number += 1
        candidate = runs_dir / f"{model_name}-{stamp}-{number}"
    return candidate


def _require_trainer() -> None:
    try:
        import sesr_core.training.trainer  # noqa: F401 - loads TensorFlow here, in the worker thread
    except ImportError as err:
        raise SesrError(install_message(err.name or "tensorflow")) from err


def run_training(spec: TrainSpec, run_dir: Path, model_name: str, resume: bool, on_event: EventCallback,
                 cancel: CancelToken) -> TrainAndExportResult:
    """Train (or resume) ``spec`` in ``run_dir``; when it completes, export int8 into the user catalog."""
    _require_trainer()
    on_event(LogEvent("TensorFlow loaded; preparing the data."))
    return train_and_export(spec, run_dir, (catalog_export(model_name),), on_event, cancel, resume=resume)


def export_run_checkpoint(run_dir: Path, model_name: str, on_event: EventCallback,
                          cancel: CancelToken) -> ExportedModel:
    """Export a stopped run's latest checkpoint as an int8 model into the user catalog."""
    _require_trainer()
    return export_checkpoint(run_dir, catalog_export(model_name), on_event, cancel)


@dataclass(frozen=True)
class RunView:
    """What the page shows of a run folder."""

    spec: TrainSpec
    history: RunHistory
    state: RunState


def read_run(run_dir: Path) -> RunView:
    """The spec, history and state of an existing run folder; raises SesrError when it is not one."""
    run = RunFolder(Path(run_dir))
    return RunView(TrainSpec.load(run.root), run.read_history(), run.read_state())
