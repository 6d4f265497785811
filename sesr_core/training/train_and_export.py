"""Train a run, then export its models: the one orchestration behind ``sesr train`` and the Train page.

Both follow the job protocol (:mod:`sesr_core.jobs`). ``Progress`` counts the whole job in fp32-step units
(:mod:`sesr_core.training.work`: fp32 steps, weighted QAT steps, exports), so one time-left estimate
(:mod:`sesr_core.time_left`) covers training and export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sesr_core.errors import CancelledError
from sesr_core.jobs import ArtefactEvent, CancelToken, Event, EventCallback, LogEvent, Phase, Progress, ignore_events
from sesr_core.models.catalog import user_models_dir
from sesr_core.models.user_models import file_stem, unique_name
from sesr_core.training.results import ExportedModel, TrainAndExportResult, TrainResult
from sesr_core.training.spec import TrainSpec
from sesr_core.training.work import TrainingWork

TRAINING_PHASES = (Phase.TRAINING, Phase.QAT, Phase.EVALUATING)


@dataclass(frozen=True)
class ExportRequest:
    """One model to export: its precision, file (default: the run's models folder) and catalog name."""

    precision: str = "int8"
    out_path: Path | None = None
    name: str | None = None


RUN_FOLDER_EXPORTS = (ExportRequest("fp32"), ExportRequest("int8"))


def catalog_export(model_name: str) -> ExportRequest:
    """The int8 model into the user catalog under ``model_name`` (made unique there)."""
    name = unique_name(model_name)
    return ExportRequest("int8", user_models_dir() / f"{file_stem(name)}.tflite", name)


def train_and_export(spec: TrainSpec, run_dir: str | Path, exports: Sequence[ExportRequest] = RUN_FOLDER_EXPORTS,
                     on_event: EventCallback = ignore_events, cancel: CancelToken | None = None,
                     resume: bool = False) -> TrainAndExportResult:
    """Train (or resume) ``spec`` in ``run_dir``, then write ``exports`` (none: train only).

    A cancel raises :class:`CancelledError` whose ``partial`` is a :class:`TrainAndExportResult` (the run at its
    last checkpoint, the models exported before the cancel). In a cluster only the chief exports; every task waits
    until the chief has.
    """
    from sesr_core.training.tf_config import cluster_role
    from sesr_core.training.trainer import train, wait_for_cluster

    cancel = cancel or CancelToken()
    work = TrainingWork.of(spec, [request.precision for request in exports])

    def relay(event: Event) -> None:
        if isinstance(event, Progress) and event.phase in TRAINING_PHASES:
            plan = work if event.total == work.total_steps else TrainingWork(int(event.total))
            event = Progress(plan.done_at(int(event.done)), plan.total, event.message, event.phase)
        on_event(event)

    try:
        run = train(spec, run_dir, relay, cancel, resume=resume)
    except CancelledError as err:
        raise CancelledError(str(err), partial=TrainAndExportResult(err.partial)) from None
    if not run.chief:
        on_event(LogEvent(f"Finished {run.total_steps} steps as {cluster_role().name}; waiting for the chief, which "
                          "writes the run folder and exports the models."))
        wait_for_cluster()
        return TrainAndExportResult(run)
    models: list[ExportedModel] = []
    try:
        for index, request in enumerate(exports):
            if cancel.cancelled:
                raise CancelledError(partial=TrainAndExportResult(run, tuple(models)))
            on_event(Progress(work.exported(index), work.total, "exporting", Phase.EXPORTING))
            models.append(export_model(run, request, on_event))
        if exports:
            on_event(Progress(work.total, work.total, "exported", Phase.EXPORTING))
    finally:
        wait_for_cluster()  # the other tasks of a cluster leave with the chief
    return TrainAndExportResult(run, tuple(models))


def export_model(run: TrainResult | str | Path, request: ExportRequest,
                 on_event: EventCallback = ignore_events) -> ExportedModel:
    """Export a run's latest checkpoint as ``request`` says; logs a warning when it does not beat bicubic."""
    from sesr_core.training.export_run import export_run

    run_dir = run.run_dir if isinstance(run, TrainResult) else Path(run)
    what = f"'{request.name}'" if request.name else f"the {request.precision} model"
    slow = " (fitting its int8 ranges on training images first)" if request.precision == "int8" else ""
    on_event(LogEvent(f"Exporting {what}{slow}…"))
    path, card = export_run(run_dir, request.precision, out_path=request.out_path, name=request.name)
    model = ExportedModel.from_card(path, request.precision, card)
    on_event(ArtefactEvent(str(path), "model"))
    if model.beats_bicubic is False:
        on_event(LogEvent(f"{model.name} scores {model.psnr:.2f} dB on {model.dataset}, not better than bicubic "
                          f"({model.bicubic_psnr:.2f} dB) yet; train it for more steps.", "warning"))
    return model


def export_checkpoint(run_dir: str | Path, request: ExportRequest, on_event: EventCallback = ignore_events,
                      cancel: CancelToken | None = None) -> ExportedModel:
    """Export a stopped run's latest checkpoint (a job of its own: Progress in the EXPORTING phase)."""
    if cancel is not None:
        cancel.raise_if_cancelled()
    on_event(Progress(0, 1, "exporting", Phase.EXPORTING))
    model = export_model(run_dir, request, on_event)
    on_event(Progress(1, 1, "exported", Phase.EXPORTING))
    return model
