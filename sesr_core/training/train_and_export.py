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
from sesr_core.jobs import (
    ArtefactEvent,
    CancelToken,
    EvaluationEvent,
    Event,
    EventCallback,
    LogEvent,
    Phase,
    Progress,
    StepEvent,
    ignore_events,
)
from sesr_core.models.catalog import user_models_dir
from sesr_core.models.jpeg_variants import variant_label, variant_name
from sesr_core.models.user_models import file_stem, unique_name
from sesr_core.training.jpeg_aware_runs import variant_dir, variant_file, variant_qualities, variant_spec
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
    if spec.trains_variants:
        return _train_and_export_variants(spec, Path(run_dir), exports, on_event, cancel, resume)
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


def _train_and_export_variants(spec: TrainSpec, run_dir: Path, exports: Sequence[ExportRequest],
                               on_event: EventCallback, cancel: CancelToken, resume: bool) -> TrainAndExportResult:
    """A JPEG-aware run: its fp32 phase here, then per quality a QAT-only run and its exports
    (:mod:`sesr_core.training.jpeg_aware_runs`). Progress counts the whole job; a cancel stops between or inside the
    runs, and a resume skips the variant runs already finished."""
    from sesr_core.training.run_folder import RunFolder
    from sesr_core.training.trainer import train

    qualities = variant_qualities()
    children = [variant_spec(spec, run_dir, quality) for quality in qualities]
    precisions = [request.precision for request in exports]
    parent_work = TrainingWork.of(spec)
    child_works = [TrainingWork.of(child, precisions) for child in children]
    total = parent_work.total + sum(work.total for work in child_works)
    offset = 0.0
    models: list[ExportedModel] = []
    job_steps = spec.steps + sum(child.total_steps for child in children)
    steps_before = 0  # steps of the runs already done, so that the job's step count goes on across them

    def relay_for(work: TrainingWork, variant: bool = False):
        def relay(event: Event) -> None:
            if isinstance(event, Progress) and event.phase in TRAINING_PHASES:
                event = Progress(offset + work.done_at(int(event.done)), total, event.message, event.phase)
            elif isinstance(event, StepEvent):
                event = StepEvent(steps_before + event.step, job_steps, event.loss, event.learning_rate,
                                  event.steps_per_second)
            elif isinstance(event, EvaluationEvent) and variant:
                return  # each variant scores at its own quality: its log lines say so; the curve is the parent's
            on_event(event)
        return relay

    def partial(run: TrainResult | None) -> TrainAndExportResult | None:
        return TrainAndExportResult(run, tuple(models)) if run is not None else None

    try:
        parent = train(spec, run_dir, relay_for(parent_work), cancel, resume=resume)
    except CancelledError as err:
        raise CancelledError(str(err), partial=TrainAndExportResult(err.partial)) from None
    offset, steps_before = parent_work.total, spec.steps
    for quality, child, work in zip(qualities, children, child_works, strict=True):
        folder = variant_dir(run_dir, quality)
        on_event(LogEvent(f"JPEG variant {variant_label(quality)}: quantisation-aware training in {folder}."))
        started = (folder / "spec.json").is_file()
        try:
            if not (started and RunFolder(folder).read_state().finished):
                train(child, folder, relay_for(work, variant=True), cancel, resume=started)
        except CancelledError:
            raise CancelledError(partial=partial(parent)) from None
        offset += work.done_at(work.total_steps)
        steps_before += child.total_steps
        for request in exports:
            if cancel.cancelled:
                raise CancelledError(partial=partial(parent))
            on_event(Progress(offset, total, "exporting", Phase.EXPORTING))
            out = request.out_path or run_dir / "models" / f"{spec.model.name}-{request.precision}.tflite"
            name = variant_name(request.name, quality) if request.name else None  # else the file's stem
            variant_request = ExportRequest(request.precision, variant_file(out, quality), name)
            models.append(export_model(folder, variant_request, on_event))
            offset += work.export_costs[precisions.index(request.precision)]
    on_event(Progress(total, total, "exported", Phase.EXPORTING))
    return TrainAndExportResult(parent, tuple(models))


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
