"""The trainer: one function that runs a training spec, reports typed events and honours a cancel token.

A run has up to two phases on one global step counter: fp32 training of the linear-block model (steps
``0 .. spec.steps``), then quantisation-aware fine-tuning of the collapsed model (``spec.steps .. total``). Each phase
keeps rolling checkpoints (model + optimiser, so the schedule resumes exactly) and its best one by validation PSNR.

It follows the job protocol (:mod:`sesr_core.jobs`): it returns a :class:`TrainResult`; a cancel saves a checkpoint
and raises :class:`CancelledError` whose ``partial`` is the TrainResult at that checkpoint; events report progress
only (``Progress`` in steps, with the phase TRAINING, QAT or EVALUATING).
"""

from __future__ import annotations

import gc
import shutil
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sesr_core.errors import CancelledError, SesrError
from sesr_core.evaluation.pairs import ImagePair, load_eval_pairs
from sesr_core.evaluation.protocol import EvalResult, evaluate, evaluate_bicubic
from sesr_core.jobs import (
    ArtefactEvent,
    CancelToken,
    EvaluationEvent,
    EventCallback,
    LogEvent,
    Phase,
    Progress,
    StepEvent,
    ignore_events,
)
from sesr_core.models.jpeg_variants import lossiness
from sesr_core.models.presets import start_from_description
from sesr_core.training._tf import keras, tf
from sesr_core.training.calibration import calibration_pairs
from sesr_core.training.cluster import (
    LOST_TASK_ERRORS,
    chief_variables,
    lost_task_error,
    scratch_folder,
    strategy_role,
    tasks_failing,
)
from sesr_core.training.data import degraded_patch_dataset, load_hr_images, load_pairs, patch_dataset
from sesr_core.training.degrade import MARGIN as DEGRADE_MARGIN
from sesr_core.training.disk_errors import disk_problem
from sesr_core.training.network import LOSSINESS_INPUT, build_training_model, collapsed_from_training, is_jpeg_aware
from sesr_core.training.optim import current_learning_rate, learning_rate_schedule, make_optimizer
from sesr_core.training.qat import calibrate_activation_ranges, freeze_activation_ranges, quantize_collapsed_model
from sesr_core.training.range_search import refine_activation_ranges
from sesr_core.training.results import TrainResult, run_result
from sesr_core.training.run_folder import EvalRecord, RunFolder, StepRecord
from sesr_core.training.run_start import start_run
from sesr_core.training.spec import TrainSpec
from sesr_core.training.tf_config import ClusterRole, cluster_role
from sesr_core.training.transfer import restore_fp32_model, transfer_weights

HISTORY_EVERY = 10


def make_strategy(name: str) -> tf.distribute.Strategy:
    """The tf.distribute strategy: default (one device), mirrored (GPUs of one host), multi-worker (TF_CONFIG)."""
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi-worker":
        global _multi_worker
        if _multi_worker is None:  # TensorFlow joins a process to its cluster once
            cluster_role()  # a malformed TF_CONFIG is the user's to fix: say so before TensorFlow fails on it
            on_sigterm = signal.getsignal(signal.SIGTERM)
            _multi_worker = tf.distribute.MultiWorkerMirroredStrategy()
            if callable(on_sigterm) and threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, on_sigterm)  # TensorFlow's preemption notifier took SIGTERM over
        return _multi_worker
    return tf.distribute.get_strategy()


_multi_worker: tf.distribute.MultiWorkerMirroredStrategy | None = None


def wait_for_cluster() -> None:
    """In a multi-worker run, wait until every task gets here (the chief once it has exported), so that no task
    leaves the cluster while another still belongs to it; at once otherwise."""
    if _multi_worker is None:
        return
    role = strategy_role(_multi_worker)
    try:
        tasks_failing(_multi_worker, role, False)
    except LOST_TASK_ERRORS:
        raise SesrError(f"The chief ({role.chief_name}) stopped before it finished the run's export; see its "
                        "output (its run folder has the trained checkpoints: export them with sesr export).") from None


def predict_y(model: keras.Model, jpeg_quality: int | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """LR Y plane -> SR Y plane through a Keras model (a JPEG-aware one told the LR's ``jpeg_quality``)."""
    if not is_jpeg_aware(model):
        return lambda y: model(y[None, :, :, None].astype(np.float32), training=False).numpy()[0, :, :, 0]
    condition = np.array([[lossiness(jpeg_quality)]], np.float32)
    return lambda y: model({"lr_y": y[None, :, :, None].astype(np.float32), LOSSINESS_INPUT: condition},
                           training=False).numpy()[0, :, :, 0]


@dataclass
class _Context:
    spec: TrainSpec
    run: RunFolder
    emit: EventCallback
    cancel: CancelToken
    strategy: tf.distribute.Strategy
    role: ClusterRole
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
          cancel: CancelToken | None = None, resume: bool = False) -> TrainResult:
    """Run (or with ``resume``, continue) a training run in ``run_dir``; returns its :class:`TrainResult`.

    With ``resume`` the spec saved in the run folder is used with ``spec.steps``/``qat_steps``, which may extend or
    shorten it (not to before its last checkpoint).
    Raises :class:`SesrError` for user errors; a cancel saves a checkpoint and raises :class:`CancelledError` with
    the TrainResult of that checkpoint as ``partial``.

    Multi-worker: only the chief uses ``run_dir``; every other task takes the chief's spec and state, trains in
    lock-step in a temporary folder of its own, and returns a result with ``chief`` False.
    """
    strategy = make_strategy(spec.strategy)
    role = strategy_role(strategy)
    cancel = cancel or CancelToken()
    if role.is_chief:
        return _train_as(role, strategy, spec, RunFolder(Path(run_dir)), on_event, cancel, resume)
    with scratch_folder(role) as scratch:
        return _train_as(role, strategy, spec, RunFolder(scratch), on_event, cancel, resume)


def _train_as(role: ClusterRole, strategy: tf.distribute.Strategy, spec: TrainSpec, run: RunFolder,
              on_event: EventCallback, cancel: CancelToken, resume: bool) -> TrainResult:
    created = False
    try:
        spec, created = start_run(role, strategy, spec, run, resume)
        context = _prepare(spec, run, strategy, role, on_event, cancel)
        _run_phases(context)
    except CancelledError as err:
        partial = run_result(run, spec, role.is_chief) if run.spec.is_file() else None
        raise CancelledError(str(err), partial=partial) from None
    except Exception as err:
        disk = disk_problem(run.root, err)
        if disk is not None:
            run.remove_temporaries()
            raise SesrError(disk) from None
        lost = role.num_tasks > 1 and isinstance(err, LOST_TASK_ERRORS)
        failure = lost_task_error(role, run.root, err) if lost else err
        reason = str(failure) if isinstance(failure, SesrError) else \
            f"Training failed ({type(err).__name__}: {err}); see {run.log} for details."
        if created and not run.checkpoints("fp32").exists():
            shutil.rmtree(run.root, ignore_errors=True)  # nothing worth keeping: leave no half-made run behind
        elif run.root.is_dir():
            run.log_line(f"[error] {reason}")
        if lost:
            raise failure from None
        raise
    return run_result(run, spec, role.is_chief)


def _prepare(spec: TrainSpec, run: RunFolder, strategy: tf.distribute.Strategy, role: ClusterRole,
             emit: EventCallback, cancel: CancelToken) -> _Context:
    context = _Context(spec, run, emit, cancel, strategy, role, [], [], time.monotonic(),
                       run.read_state().elapsed_seconds)
    run_name = run.root if role.is_chief else run.read_state().chief_run_dir
    context.log(f"Run {run_name}: {spec.model.name}, {spec.total_steps} steps "
                f"({spec.steps} fp32{_qat_text(spec)}), strategy {spec.strategy}.")
    if role.num_tasks > 1:
        context.log(f"This is {role.name} of a cluster of {role.num_tasks} tasks; " +
                    ("it writes the run folder." if role.is_chief else
                     f"the chief ({role.chief_name}) writes the run folder, this task keeps no files."))

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
    if spec.val_dir and role.is_chief:
        context.val_pairs = load_eval_pairs(spec.val_dir, spec.model.scale, degradation=spec.val_degradation)
        if spec.val_degrade:
            context.log(f"Validation LR images degraded by {spec.val_degrade}.")
        baseline = evaluate_bicubic(context.val_pairs, spec.model.scale)
        _emit_evaluation(context, 0, baseline, is_baseline=True)
    return context


def _qat_text(spec: TrainSpec) -> str:
    if spec.trains_variants:
        return f"; then {spec.qat_steps} QAT steps for each JPEG quality variant, in runs of their own"
    return f" + {spec.qat_steps} QAT" if spec.qat else ""


def _run_phases(context: _Context) -> None:
    spec, run = context.spec, context.run
    fp32_model = _fp32_phase(context)
    if spec.qat and spec.qat_steps > 0 and not spec.trains_variants:
        _qat_phase(context, fp32_model)
    run.write_state(elapsed_seconds=context.elapsed(), finished=True)


def _fp32_phase(context: _Context) -> keras.Model:
    spec = context.spec
    keras.utils.set_random_seed(spec.seed)
    with context.strategy.scope():
        model = build_training_model(spec.model, spec.linear_block, jpeg_aware=spec.jpeg_aware)
        schedule = learning_rate_schedule(spec.lr_schedule, spec.learning_rate, spec.steps, spec.warmup_steps,
                                          spec.final_lr_fraction)
        optimizer = make_optimizer(schedule)
        optimizer.build(model.trainable_variables)
    chief = context.role.is_chief
    restored = chief and _restore_latest(context, "fp32", model, optimizer)
    if not restored and chief and spec.init_from:
        source, source_spec = restore_fp32_model(spec.init_from)
        copied = transfer_weights(source, source_spec.model, model, spec.model)
        how = start_from_description(source_spec.model, spec.model)
        context.log(f"Initialised {len(copied)} layers from {spec.init_from} ({how}): {', '.join(copied)}.")
    restored = chief_variables(context.strategy, context.role, model.variables + optimizer.variables, restored)
    if not restored:
        _save(context, "fp32", model, optimizer, 0)
    _loop(context, "fp32", model, optimizer, first_step=0, last_step=spec.steps)
    return model


def _qat_phase(context: _Context, fp32_model: keras.Model) -> None:
    spec = context.spec
    collapsed = collapsed_from_training(fp32_model, spec.model, spec.variant_lossiness)
    with context.strategy.scope():
        quantized = quantize_collapsed_model(collapsed, spec.qat_residual_grid)
        schedule = learning_rate_schedule("cosine", spec.qat_learning_rate, spec.qat_steps, 0, 0.1)
        optimizer = make_optimizer(schedule)
        optimizer.build(quantized.trainable_variables)
    chief = context.role.is_chief
    restored = chief and _restore_latest(context, "qat", quantized, optimizer)
    if not restored and chief:
        batches = [lr.numpy() for lr, _ in _training_dataset(context, spec.seed + 7919).take(4)]
        calibrate_activation_ranges(quantized, collapsed, batches)
    restored = chief_variables(context.strategy, context.role, quantized.variables + optimizer.variables, restored)
    if not restored:
        context.log("Quantisation-aware fine-tuning starts from ranges calibrated on 4 training batches.")
        _save(context, "qat", quantized, optimizer, spec.steps)
    freeze_at = spec.total_steps - spec.frozen_range_steps
    _loop(context, "qat", quantized, optimizer, first_step=spec.steps, last_step=freeze_at)
    if spec.frozen_range_steps == 0:
        return
    if not context.run.read_state().qat_ranges_refined:
        if chief:
            refinement = refine_activation_ranges(quantized, calibration_pairs(spec), spec.model.scale)
            context.log(f"Activation ranges refined on training images ({refinement.psnr_before:.3f} -> "
                        f"{refinement.psnr_after:.3f} dB) and frozen for the last {spec.frozen_range_steps} steps.")
        chief_variables(context.strategy, context.role, quantized.variables)
        _save(context, "qat", quantized, optimizer, freeze_at)
        context.run.write_state(qat_ranges_refined=True)
    freeze_activation_ranges(quantized)
    _loop(context, "qat", quantized, optimizer, first_step=spec.steps, last_step=spec.total_steps)


def _training_dataset(context: _Context, seed: int, start_step: int = 0, jpeg_aware: bool = False) -> tf.data.Dataset:
    """The run's patch stream: clean bicubic pairs, or HR images degraded on the fly by the run's recipe (with each
    patch's JPEG lossiness for a ``jpeg_aware`` model)."""
    spec = context.spec
    if spec.degrade:
        return degraded_patch_dataset(context.train_pairs, spec.model.scale, spec.patch_size, spec.batch_size,
                                      spec.degradation, seed=seed, start_step=start_step, jpeg_aware=jpeg_aware)
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
    if not is_baseline or context.run.read_history().baseline is None:
        context.run.append_history(EvalRecord(step, result.mean_psnr, result.mean_ssim, per_image, is_baseline))
    label = "Bicubic baseline" if is_baseline else f"Step {step}"
    context.log(f"{label}: PSNR {result.mean_psnr:.3f} dB, SSIM {result.mean_ssim:.4f} on {len(per_image)} images.")


def _loop(context: _Context, phase: str, model, optimizer, first_step: int, last_step: int) -> None:
    spec, run, strategy = context.spec, context.run, context.strategy
    step = first_step + int(optimizer.iterations.numpy())
    run.truncate_history(step)
    if step >= last_step:
        return
    rolling, best = _managers(context, phase, model, optimizer)
    best_psnr = run.read_state().best_psnr(phase) or -np.inf
    dataset = _training_dataset(context, spec.seed * 1_000_003 + (1 if phase == "qat" else 0), start_step=step,
                                jpeg_aware=is_jpeg_aware(model))
    options = tf.data.Options()  # in a cluster each task takes its part of every global batch
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    iterator = iter(strategy.experimental_distribute_dataset(dataset.with_options(options)))
    train_step = _make_train_step(model, optimizer, strategy, spec.batch_size)

    def save(at: int) -> None:
        context.emit(ArtefactEvent(rolling.save(checkpoint_number=at), "checkpoint"))
        best_value = float(best_psnr) if np.isfinite(best_psnr) else None
        run.write_state(step=at, phase=phase, elapsed_seconds=context.elapsed(), **{f"best_psnr_{phase}": best_value})

    step_phase = Phase.QAT if phase == "qat" else Phase.TRAINING
    window_start, window_steps = time.monotonic(), 0
    rate = 0.0
    in_cluster = context.role.num_tasks > 1
    while step < last_step:
        stop_asked = context.cancel.cancelled
        if stop_asked and not in_cluster:
            save(step)
            context.log(f"Stopped at step {step}; its checkpoint is saved.")
            raise CancelledError()
        learning_rate = current_learning_rate(optimizer)
        total_loss, stops = train_step(iterator, tf.constant(float(stop_asked)))
        loss = float(total_loss)
        if not np.isfinite(loss):
            raise SesrError(f"Training diverged at step {step} (loss {loss}); lower the learning rate and start again.")
        step += 1
        window_steps += 1
        now = time.monotonic()
        if now - window_start >= 2.0 or window_steps >= 50:
            rate = window_steps / (now - window_start)
            window_start, window_steps = now, 0
        context.emit(StepEvent(step, spec.total_steps, loss, learning_rate, rate))
        context.emit(Progress(step, spec.total_steps, phase=step_phase))
        if step % HISTORY_EVERY == 0 or step == last_step:
            run.append_history(StepRecord(step, phase, loss, learning_rate, round(context.elapsed(), 2)))
        if context.val_pairs and (step % spec.eval_every == 0 or step == last_step):
            context.emit(Progress(step, spec.total_steps, phase=Phase.EVALUATING))
            result = evaluate(predict_y(model, spec.val_jpeg_quality), context.val_pairs, spec.model.scale)
            _emit_evaluation(context, step, result)
            if result.mean_psnr > best_psnr:
                best_psnr = result.mean_psnr
                best.save(checkpoint_number=step)
        stopping = float(stops) > 0  # a task of the cluster was cancelled: every task stops at this step
        if step % spec.checkpoint_every == 0 or step == last_step or stopping:
            save(step)
        if stopping and step < last_step:
            iterator = None
            _drop_input_buffers(in_cluster)
            tasks_failing(strategy, context.role, False)  # then all tasks leave together
            _log_cluster_stop(context, step, asked_here=context.cancel.cancelled)
            raise CancelledError()
    iterator = None
    _drop_input_buffers(in_cluster)


def _drop_input_buffers(in_cluster: bool) -> None:
    """Free a finished distributed iterator now, while every task is still there: freed after another task has
    left (at exit, by the garbage collector), its buffers wait minutes for that task."""
    if in_cluster:
        gc.collect()


def _log_cluster_stop(context: _Context, step: int, asked_here: bool) -> None:
    where = "here" if asked_here else "on another task"
    if context.role.is_chief:
        context.log(f"Stopped at step {step} (asked {where}); resume with --resume {context.run.root} on every task.")
    else:
        chief_run = context.run.read_state().chief_run_dir
        context.log(f"Stopped at step {step} (asked {where}); the chief saved the run in {chief_run}: resume with "
                    "--resume on every task.")


def _make_train_step(model, optimizer, strategy, global_batch: int):
    """A compiled step: L1 loss averaged over the global batch, gradients applied on every replica.

    It returns the loss and the number of replicas whose task asked to stop (``stop`` 1.0), summed over the cluster
    in the loss's all-reduce, so that every task learns of a cancel at the same step.
    """

    def replica_step(lr, hr, stop):
        with tf.GradientTape() as tape:
            sr = model(lr, training=True)
            per_example = tf.reduce_mean(tf.abs(sr - hr), axis=[1, 2, 3])
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        return tf.stack([loss, stop])

    @tf.function
    def step(iterator, stop):
        lr, hr = next(iterator)
        totals = strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(replica_step, args=(lr, hr, stop)),
                                 axis=None)
        return totals[0], totals[1]

    return step
