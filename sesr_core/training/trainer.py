"""The trainer: one function that runs a training spec, reports typed events and honours a cancel token.

A run has up to two phases on one global step counter: fp32 training of the linear-block model (steps
``0 .. spec.steps``), then quantisation-aware fine-tuning of the collapsed model (``spec.steps .. total``). Each phase
keeps rolling checkpoints (model + optimiser, so the schedule resumes exactly) and its best one by validation PSNR.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sesr_core.errors import CancelledError, SesrError
from sesr_core.evaluation import EvalResult, evaluate, evaluate_bicubic
from sesr_core.file_kinds import why_not_a_folder
from sesr_core.jobs import (
    ArtefactEvent,
    CancelToken,
    EvaluationEvent,
    EventCallback,
    FailedEvent,
    FinishedEvent,
    LogEvent,
    StepEvent,
    ignore_events,
)
from sesr_core.pairs import ImagePair, load_eval_pairs
from sesr_core.presets import start_from_description
from sesr_core.training._tf import keras, tf
from sesr_core.training.calibration import calibration_pairs
from sesr_core.training.data import (
    collect_image_files,
    degraded_patch_dataset,
    load_hr_images,
    load_pairs,
    patch_dataset,
)
from sesr_core.training.degrade import MARGIN as DEGRADE_MARGIN
from sesr_core.training.disk_errors import disk_problem
from sesr_core.training.network import build_training_model, collapsed_from_training
from sesr_core.training.optim import current_learning_rate, learning_rate_schedule, make_optimizer
from sesr_core.training.qat import calibrate_activation_ranges, freeze_activation_ranges, quantize_collapsed_model
from sesr_core.training.range_search import refine_activation_ranges
from sesr_core.training.resume import resumed_spec
from sesr_core.training.run_folder import RunFolder
from sesr_core.training.spec import TrainSpec
from sesr_core.training.transfer import restore_fp32_model, transfer_weights

HISTORY_EVERY = 10


def make_strategy(name: str) -> tf.distribute.Strategy:
    """The tf.distribute strategy: default (one device), mirrored (GPUs of one host), multi-worker (TF_CONFIG)."""
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi-worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def worker_run_dir(run_dir: Path, strategy: tf.distribute.Strategy) -> Path:
    """Where this process writes: the run folder for the chief, ``run_dir/workers/N`` for other multi-worker tasks.

    Every multi-worker task must save checkpoints (saving is a collective operation), but only the chief's copy is
    the run; the others keep theirs apart so that the files never collide.
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    task_type = getattr(resolver, "task_type", None)
    if not task_type or task_type == "chief":
        return run_dir
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    if task_type == "worker" and resolver.task_id == 0 and not has_chief:
        return run_dir
    return run_dir / "workers" / f"{task_type}-{resolver.task_id}"


def predict_y(model: keras.Model) -> Callable[[np.ndarray], np.ndarray]:
    """LR Y plane -> SR Y plane through a Keras model."""
    return lambda y: model(y[None, :, :, None].astype(np.float32), training=False).numpy()[0, :, :, 0]


@dataclass
class _Context:
    spec: TrainSpec
    run: RunFolder
    emit: EventCallback
    cancel: CancelToken
    strategy: tf.distribute.Strategy
    train_pairs: list[ImagePair] | list[tuple[str, np.ndarray]]
    val_pairs: list[ImagePair]
    started: float
    elapsed_before: float

    def log(self, message: str, level: str = "info") -> None:
        self.run.log_line(f"[{level}] {message}")
        self.emit(LogEvent(message, level))

    def elapsed(self) -> float:
        return self.elapsed_before + time.monotonic() - self.started


def train(spec: TrainSpec, run_dir: str | Path, on_event: EventCallback = ignore_events,
          cancel: CancelToken | None = None, resume: bool = False) -> dict:
    """Run (or with ``resume``, continue) a training run in ``run_dir``; returns a summary dict.

    With ``resume`` the spec saved in the run folder is used with ``spec.steps``/``qat_steps``, which may extend or
    shorten it (not to before its last checkpoint).
    Raises :class:`SesrError` (after a FailedEvent) for user errors; a cancel ends with a checkpoint and a
    FinishedEvent(cancelled=True).
    """
    strategy = make_strategy(spec.strategy)
    run = RunFolder(worker_run_dir(Path(run_dir), strategy))
    cancel = cancel or CancelToken()
    created = False
    try:
        if resume:
            run.create(resume=True)
            run.remove_temporaries()  # what a killed run left: a half-saved checkpoint, a state.json temporary
            spec = resumed_spec(TrainSpec.load(run.root), spec, run.read_state(), run.root)
        _check_inputs(spec)
        if not resume:
            created = not run.root.exists()
            run.create(resume=False)
        spec.save(run.root)
        context = _prepare(spec, run, strategy, on_event, cancel)
        summary = _run_phases(context)
    except CancelledError:
        on_event(FinishedEvent({"run_dir": str(run.root)}, cancelled=True))
        return {"run_dir": str(run.root), "cancelled": True}
    except Exception as err:
        disk = disk_problem(run.root, err)
        if disk is not None:
            run.remove_temporaries()
            on_event(FailedEvent(disk))
            raise SesrError(disk) from None
        reason = str(err) if isinstance(err, SesrError) else \
            f"Training failed ({type(err).__name__}: {err}); see {run.log} for details."
        if created and not run.checkpoints("fp32").exists():
            shutil.rmtree(run.root, ignore_errors=True)  # nothing worth keeping: leave no half-made run behind
        elif run.root.is_dir():
            run.log_line(f"[error] {reason}")
        on_event(FailedEvent(reason))
        raise
    on_event(FinishedEvent(summary))
    return summary


def _check_inputs(spec: TrainSpec) -> None:
    """Fail before anything is written when a folder the spec names is missing or empty."""
    collect_image_files(spec.data_dirs)
    if spec.val_dir and not Path(spec.val_dir).is_dir():
        raise SesrError(f"The validation folder '{spec.val_dir}' {why_not_a_folder(spec.val_dir)}; check --val.")
    if spec.init_from:
        if not (Path(spec.init_from) / "spec.json").is_file():
            raise SesrError(f"'{spec.init_from}' is not a training run folder; check --init-from.")
        start_from_description(TrainSpec.load(Path(spec.init_from)).model, spec.model)


def _prepare(spec: TrainSpec, run: RunFolder, strategy: tf.distribute.Strategy, emit: EventCallback,
             cancel: CancelToken) -> _Context:
    context = _Context(spec, run, emit, cancel, strategy, [], [], time.monotonic(),
                       float(run.read_state().get("elapsed_seconds", 0.0)))
    context.log(f"Run {run.root}: {spec.model.name}, {spec.total_steps} steps "
                f"({spec.steps} fp32{f' + {spec.qat_steps} QAT' if spec.qat else ''}), strategy {spec.strategy}.")

    def warn(message: str) -> None:
        context.log(message, "warning")

    if spec.degrade:
        context.train_pairs = load_hr_images(spec.data_dirs, spec.model.scale, spec.patch_size + DEGRADE_MARGIN * 2,
                                             spec.hr_rescales, warn=warn, cancel=cancel)
        context.log(f"Training on {len(context.train_pairs)} images from {', '.join(spec.data_dirs)}, "
                    f"LR patches degraded by {spec.degrade}.")
    else:
        context.train_pairs = load_pairs(spec.data_dirs, spec.model.scale, spec.patch_size, spec.hr_rescales,
                                         warn=warn, cancel=cancel)
        context.log(f"Training on {len(context.train_pairs)} images from {', '.join(spec.data_dirs)}.")
    cancel.raise_if_cancelled()
    if spec.val_dir:
        context.val_pairs = load_eval_pairs(spec.val_dir, spec.model.scale, degradation=spec.val_degradation)
        if spec.val_degrade:
            context.log(f"Validation LR images degraded by {spec.val_degrade}.")
        baseline = evaluate_bicubic(context.val_pairs, spec.model.scale)
        _emit_evaluation(context, 0, baseline, is_baseline=True)
    return context


def _run_phases(context: _Context) -> dict:
    spec, run = context.spec, context.run
    fp32_model = _fp32_phase(context)
    summary = {"run_dir": str(run.root), "model": spec.model.name, "steps": spec.total_steps}
    if spec.qat and spec.qat_steps > 0:
        _qat_phase(context, fp32_model)
    run.write_state(elapsed_seconds=context.elapsed(), finished=True)
    summary["elapsed_seconds"] = context.elapsed()
    history = [r for r in run.read_history() if r.get("type") == "eval"]
    if history:
        summary["final_psnr"] = history[-1]["mean_psnr"]
    return summary


def _fp32_phase(context: _Context) -> keras.Model:
    spec = context.spec
    keras.utils.set_random_seed(spec.seed)
    with context.strategy.scope():
        model = build_training_model(spec.model, spec.linear_block)
        schedule = learning_rate_schedule(spec.lr_schedule, spec.learning_rate, spec.steps, spec.warmup_steps,
                                          spec.final_lr_fraction)
        optimizer = make_optimizer(schedule)
        optimizer.build(model.trainable_variables)
    restored = _restore_latest(context, "fp32", model, optimizer)
    if not restored:
        if spec.init_from:
            source, source_spec = restore_fp32_model(spec.init_from)
            copied = transfer_weights(source, source_spec.model, model, spec.model)
            how = start_from_description(source_spec.model, spec.model)
            context.log(f"Initialised {len(copied)} layers from {spec.init_from} ({how}): {', '.join(copied)}.")
        _save(context, "fp32", model, optimizer, 0)
    _loop(context, "fp32", model, optimizer, first_step=0, last_step=spec.steps)
    return model


def _qat_phase(context: _Context, fp32_model: keras.Model) -> None:
    spec = context.spec
    collapsed = collapsed_from_training(fp32_model, spec.model)
    with context.strategy.scope():
        quantized = quantize_collapsed_model(collapsed, spec.qat_residual_grid)
        schedule = learning_rate_schedule("cosine", spec.qat_learning_rate, spec.qat_steps, 0, 0.1)
        optimizer = make_optimizer(schedule)
        optimizer.build(quantized.trainable_variables)
    if not _restore_latest(context, "qat", quantized, optimizer):
        batches = [lr.numpy() for lr, _ in _training_dataset(context, spec.seed + 7919).take(4)]
        calibrate_activation_ranges(quantized, collapsed, batches)
        context.log("Quantisation-aware fine-tuning starts from ranges calibrated on 4 training batches.")
        _save(context, "qat", quantized, optimizer, spec.steps)
    freeze_at = spec.total_steps - spec.frozen_range_steps
    _loop(context, "qat", quantized, optimizer, first_step=spec.steps, last_step=freeze_at)
    if spec.frozen_range_steps == 0:
        return
    if not context.run.read_state().get("qat_ranges_refined"):
        refinement = refine_activation_ranges(quantized, calibration_pairs(spec), spec.model.scale)
        context.log(f"Activation ranges refined on training images ({refinement.psnr_before:.3f} -> "
                    f"{refinement.psnr_after:.3f} dB) and frozen for the last {spec.frozen_range_steps} steps.")
        _save(context, "qat", quantized, optimizer, freeze_at)
        context.run.write_state(qat_ranges_refined=True)
    freeze_activation_ranges(quantized)
    _loop(context, "qat", quantized, optimizer, first_step=spec.steps, last_step=spec.total_steps)


def _training_dataset(context: _Context, seed: int, start_step: int = 0) -> tf.data.Dataset:
    """The run's patch stream: clean bicubic pairs, or HR images degraded on the fly by the run's recipe."""
    spec = context.spec
    if spec.degrade:
        return degraded_patch_dataset(context.train_pairs, spec.model.scale, spec.patch_size, spec.batch_size,
                                      spec.degradation, seed=seed, start_step=start_step)
    return patch_dataset(context.train_pairs, spec.model.scale, spec.patch_size, spec.batch_size, seed=seed,
                         start_step=start_step)


def _checkpoint(model, optimizer) -> tf.train.Checkpoint:
    return tf.train.Checkpoint(model=model, optimizer=optimizer)


def _managers(context: _Context, phase: str, model, optimizer):
    run, spec = context.run, context.spec
    rolling = tf.train.CheckpointManager(_checkpoint(model, optimizer), str(run.checkpoints(phase)),
                                         max_to_keep=spec.keep_checkpoints, checkpoint_name="ckpt")
    best = tf.train.CheckpointManager(tf.train.Checkpoint(model=model), str(run.best(phase)), max_to_keep=1,
                                      checkpoint_name="best")
    return rolling, best


def _restore_latest(context: _Context, phase: str, model, optimizer) -> bool:
    latest = tf.train.latest_checkpoint(str(context.run.checkpoints(phase)))
    if latest is None:
        return False
    _checkpoint(model, optimizer).restore(latest).assert_existing_objects_matched()
    context.log(f"Resumed the {phase} phase from {latest} (optimiser step {int(optimizer.iterations.numpy())}).")
    return True


def _save(context: _Context, phase: str, model, optimizer, step: int) -> None:
    rolling, _ = _managers(context, phase, model, optimizer)
    path = rolling.save(checkpoint_number=step)
    context.run.write_state(step=step, phase=phase, elapsed_seconds=context.elapsed())
    context.emit(ArtefactEvent(path, "checkpoint"))


def _emit_evaluation(context: _Context, step: int, result: EvalResult, is_baseline: bool = False) -> None:
    per_image = {s.name: (s.psnr, s.ssim) for s in result.scores}
    context.emit(EvaluationEvent(step, result.mean_psnr, result.mean_ssim, per_image, is_baseline))
    kind = "baseline" if is_baseline else "eval"
    if not is_baseline or not any(r.get("type") == "baseline" for r in context.run.read_history()):
        context.run.append_history({"type": kind, "step": step, "mean_psnr": result.mean_psnr,
                                    "mean_ssim": result.mean_ssim, "images": per_image})
    label = "Bicubic baseline" if is_baseline else f"Step {step}"
    context.log(f"{label}: PSNR {result.mean_psnr:.3f} dB, SSIM {result.mean_ssim:.4f} on {len(per_image)} images.")


def _loop(context: _Context, phase: str, model, optimizer, first_step: int, last_step: int) -> None:
    spec, run, strategy = context.spec, context.run, context.strategy
    step = first_step + int(optimizer.iterations.numpy())
    run.truncate_history(step)
    if step >= last_step:
        return
    rolling, best = _managers(context, phase, model, optimizer)
    best_psnr = run.read_state().get(f"best_psnr_{phase}") or -np.inf
    dataset = _training_dataset(context, spec.seed * 1_000_003 + (1 if phase == "qat" else 0), start_step=step)
    iterator = iter(strategy.experimental_distribute_dataset(dataset))
    train_step = _make_train_step(model, optimizer, strategy, spec.batch_size)

    def save(at: int) -> None:
        context.emit(ArtefactEvent(rolling.save(checkpoint_number=at), "checkpoint"))
        best_value = best_psnr if np.isfinite(best_psnr) else None
        run.write_state(step=at, phase=phase, elapsed_seconds=context.elapsed(), **{f"best_psnr_{phase}": best_value})

    window_start, window_steps = time.monotonic(), 0
    rate = 0.0
    while step < last_step:
        if context.cancel.cancelled:
            save(step)
            context.log(f"Stopped at step {step}; resume with --resume {run.root}.")
            raise CancelledError()
        learning_rate = current_learning_rate(optimizer)
        loss = float(train_step(iterator))
        if not np.isfinite(loss):
            raise SesrError(f"Training diverged at step {step} (loss {loss}); lower the learning rate and start again.")
        step += 1
        window_steps += 1
        now = time.monotonic()
        if now - window_start >= 2.0 or window_steps >= 50:
            rate = window_steps / (now - window_start)
            window_start, window_steps = now, 0
        context.emit(StepEvent(step, spec.total_steps, loss, learning_rate, rate))
        if step % HISTORY_EVERY == 0 or step == last_step:
            run.append_history({"type": "step", "step": step, "phase": phase, "loss": loss, "lr": learning_rate,
                                "elapsed": round(context.elapsed(), 2)})
        if context.val_pairs and (step % spec.eval_every == 0 or step == last_step):
            result = evaluate(predict_y(model), context.val_pairs, spec.model.scale)
            _emit_evaluation(context, step, result)
            if result.mean_psnr > best_psnr:
                best_psnr = result.mean_psnr
                best.save(checkpoint_number=step)
        if step % spec.checkpoint_every == 0 or step == last_step:
            save(step)


def _make_train_step(model, optimizer, strategy, global_batch: int):
    """A compiled step: L1 loss averaged over the global batch, gradients applied on every replica."""

    def replica_step(lr, hr):
        with tf.GradientTape() as tape:
            sr = model(lr, training=True)
            per_example = tf.reduce_mean(tf.abs(sr - hr), axis=[1, 2, 3])
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        return loss

    @tf.function
    def step(iterator):
        lr, hr = next(iterator)
        losses = strategy.run(replica_step, args=(lr, hr))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)

    return step
