"""The Train page's job: run sesr_core's trainer, then export the int8 model into the user catalog (no Qt here).

TensorFlow is imported here, lazily, inside the worker thread: the window never waits for it, and where it is
missing the job fails with the sentence that says how to install it.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

from sesr_core.errors import SesrError
from sesr_core.jobs import ArtefactEvent, CancelToken, EventCallback, LogEvent, Progress
from sesr_core.models.catalog import user_data_dir, user_models_dir
from sesr_core.training.records import TrainingRecord as TrainingRecord  # the form's types, re-exported
from sesr_core.training.records import read_record as read_record
from sesr_core.training.records import shipped_records as shipped_records
from sesr_core.training.records import user_runs as user_runs
from sesr_core.training.spec import TrainSpec as TrainSpec
from sesr_core.training.spec import default_residual_grid as default_residual_grid

TRAIN_MODULES = ("tensorflow", "tf_keras", "tensorflow_model_optimization")
INSTALL_HINT = "pip install 'sesr-studio[train]'"


def training_missing() -> str | None:
    """The first module training needs that is not installed, or None when training can run."""
    try:
        if importlib.util.find_spec("sesr_core.training.trainer") is None:
            return "sesr_core.training"
    except ImportError:
        return "sesr_core.training"
    for module in TRAIN_MODULES:
        if importlib.util.find_spec(module) is None:
            return module
    return None


def install_message(missing: str) -> str:
    """What to tell a user who has no training support."""
    if getattr(sys, "frozen", False):
        return ("This is the lite SESR Studio bundle, which upscales but does not train (TensorFlow alone is "
                "1.4 GB). Download the full bundle to train models, or install SESR Studio with Python: "
                f"{INSTALL_HINT}")
    return (f"Training needs TensorFlow, which is not installed here ({missing} is missing). Install the "
            f"training extra with:  {INSTALL_HINT}  — then restart SESR Studio. Upscaling works without it.")


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


def run_training(spec, run_dir: Path, model_name: str, resume: bool, on_event: EventCallback,
                 cancel: CancelToken) -> dict:
    """Train (or resume) ``spec`` in ``run_dir``; when it completes, export int8 into the user catalog.

    Returns the trainer's summary, plus ``model_name`` and ``model_path`` of the catalog model when exported.
    """
    from sesr_core.models.user_models import file_stem, unique_name

    try:
        from sesr_core.training.trainer import train
    except ImportError as err:
        raise SesrError(install_message(err.name or "tensorflow")) from err
    on_event(LogEvent("TensorFlow loaded; preparing the data."))
    summary = train(spec, run_dir, on_event, cancel, resume=resume)
    if summary.get("cancelled"):
        return summary
    from sesr_core.training.export_run import export_run

    name = unique_name(model_name)
    target = user_models_dir() / f"{file_stem(name)}.tflite"
    on_event(Progress(0, 1, "exporting"))
    on_event(LogEvent(f"Exporting the int8 model to the catalog as '{name}' (fitting its int8 ranges on training "
                      "images first: about a minute)…"))
    path, card = export_run(run_dir, "int8", out_path=target, name=name)
    psnr = (card.get("evaluation") or {}).get("psnr")
    on_event(LogEvent(f"Model '{name}' added to the catalog" + (f" ({psnr:.2f} dB on validation)." if psnr else ".")))
    on_event(ArtefactEvent(str(path), "model"))
    on_event(Progress(1, 1, "exported"))
    return {**summary, "model_name": name, "model_path": str(path)}


def read_run(run_dir: Path) -> tuple[object, list[dict], dict]:
    """(spec, history records, state) of an existing run folder; raises SesrError when it is not one."""
    try:
        from sesr_core.training.run_folder import RunFolder
        from sesr_core.training.spec import TrainSpec
    except ImportError as err:
        raise SesrError(install_message(err.name or "sesr_core.training")) from err

    run = RunFolder(Path(run_dir))
    spec = TrainSpec.load(run.root)
    try:
        return spec, run.read_history(), run.read_state()
    except ValueError as err:
        raise SesrError(f"The history of '{run_dir}' is damaged ({err}); the run cannot be shown.") from err
