"""``sesr train``: run or resume a training job with a progress line; Ctrl-C stops after a step, checkpointed.

Options default to None: what a user leaves out comes from the spec's own defaults
(:func:`sesr_core.training.spec.new_run_spec`), the same as the Train page's.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from sesr_core.cli.common import ProgressLine, format_duration, require_training
from sesr_core.cli.info_cmd import config_from_args
from sesr_core.errors import CancelledError, SesrError
from sesr_core.file_kinds import folder_problem
from sesr_core.jobs import CancelToken, LogEvent, Progress, StepEvent
from sesr_core.models.presets import PRESETS
from sesr_core.stop_signals import cancelled_exit_status, signal_name, stopping_gracefully
from sesr_core.time_left import TimeLeft
from sesr_core.training_support import training_available, training_unavailable_message


def register(commands) -> None:
    parser = commands.add_parser("train", help="train (or resume) a SESR model",
                                 description="Train a SESR model from folders of high-resolution images.")
    parser.add_argument("--preset", help=f"{', '.join(PRESETS)} or custom (default M5)")
    parser.add_argument("-m", type=int, help="custom: number of 3x3 blocks")
    parser.add_argument("-f", type=int, help="custom: feature channels")
    parser.add_argument("-p", type=int, help="custom: expansion channels of the linear blocks")
    parser.add_argument("--scale", type=int, choices=(2, 4), help="default 2")
    parser.add_argument("--activation", choices=("prelu", "relu"),
                        help="default: relu with --qat (int8 has no PReLU), prelu otherwise")
    parser.add_argument("--data", action="append", default=[], metavar="DIR", help="HR training images (repeatable)")
    parser.add_argument("--val", metavar="DIR", help="HR validation images (PSNR/SSIM during training)")
    parser.add_argument("--steps", type=int, help="fp32 training steps (default 1000)")
    parser.add_argument("--batch-size", type=int, help="default 16")
    parser.add_argument("--patch-size", type=int, help="LR patch side in pixels (default 48)")
    parser.add_argument("--learning-rate", type=float, help="default 5e-4")
    parser.add_argument("--schedule", choices=("cosine", "constant", "step"), help="default cosine")
    parser.add_argument("--warmup-steps", type=int)
    parser.add_argument("--linear-block", choices=("collapsed", "expanded"), help="default collapsed")
    parser.add_argument("--qat", action="store_true", default=None, help="add quantisation-aware fine-tuning for int8")
    parser.add_argument("--qat-steps", type=int, help="QAT steps (default: a fifth of --steps, at least 100)")
    parser.add_argument("--qat-learning-rate", type=float, help="default 5e-5")
    parser.add_argument("--qat-frozen-steps", type=int, metavar="N",
                        help="train the last N QAT steps with int8 ranges refined and frozen (default: a quarter)")
    parser.add_argument("--qat-residual-grid", action=argparse.BooleanOptionalAction, default=None,
                        help="pin the int8 residual the network adds to its input to whole grey levels, so the output "
                        "is rounded once (default: on for x2 QAT)")
    parser.add_argument("--init-from", metavar="RUN_DIR",
                        help="start from a trained run: the same model (fine-tune), its x2 run for x4, or a smaller "
                        "model to grow from (e.g. M5 for M11)")
    parser.add_argument("--hr-rescale", type=float, action="append", default=[], metavar="F",
                        help="also train on HR images downscaled by F (repeatable, e.g. 0.8)")
    parser.add_argument("--degrade", metavar="RECIPE",
                        help="degrade every training LR patch at random: 'photo', or e.g. "
                        "'jpeg=30-95@0.85,noise=0-3@0.3,blur=0.3-1@0.25' (docs/training.md)")
    parser.add_argument("--val-degrade", metavar="FIXED",
                        help="degrade the validation LR images, e.g. 'jpeg=75' (default: clean)")
    parser.add_argument("--jpeg-aware", action="store_true", default=None,
                        help="train one network that is told each input's JPEG quality (needs a --degrade recipe with "
                        "JPEG, e.g. 'photo-aware'); with --qat it exports one int8 file per JPEG quality and one for "
                        "lossless input, which the runtime picks from each file's own quality")
    parser.add_argument("--strategy", choices=("default", "mirrored", "multi-worker"), help="default: one device")
    parser.add_argument("--eval-every", type=int, help="validate every N steps (default 100)")
    parser.add_argument("--checkpoint-every", type=int, help="default 500")
    parser.add_argument("--seed", type=int, help="default 0")
    parser.add_argument("--out", metavar="RUN_DIR", help="the new run's folder")
    parser.add_argument("--resume", nargs="?", const=True, metavar="RUN_DIR",
                        help="continue a run (RUN_DIR, or --out) from its last checkpoint; a larger --steps extends it")
    parser.add_argument("--no-export", action="store_true", default=None,
                        help="do not export .tflite models at the end")
    parser.set_defaults(run=run)
    _DEFAULTS.update({action.dest: action.default for action in parser._actions if action.dest != "help"})


_DEFAULTS: dict[str, object] = {}
_RESUME_OPTIONS = {"steps", "qat_steps", "no_export", "out", "resume"}  # what --resume may be given with


def check_resume_options(args) -> None:
    """A resumed run keeps its saved spec: refuse options it would otherwise ignore silently."""
    changed = [name for name, default in _DEFAULTS.items()
               if name not in _RESUME_OPTIONS and getattr(args, name, default) != default]
    if changed:
        flags = ", ".join("--" + name.replace("_", "-") if len(name) > 1 else "-" + name for name in changed)
        raise SesrError(f"A resumed run keeps the settings saved in '{args.out}/spec.json', so {flags} cannot be "
                        "given with --resume; only --steps and --qat-steps can change (start a new run with --out "
                        "to change the others).")


def _absolute(path: str | None) -> str | None:
    """Paths go into the run's spec absolute, so that export and resume work from any folder."""
    return str(Path(path).resolve()) if path else None


def spec_from_args(args):
    """A new run's TrainSpec from parsed arguments: the spec's defaults with the options given."""
    from sesr_core.training.spec import NEW_RUN_MODEL, new_run_spec

    model = None
    if (args.preset or "").lower() == "custom" or any(v is not None for v in (args.m, args.f, args.p)):
        preset, scale = NEW_RUN_MODEL
        model = config_from_args(argparse.Namespace(preset=args.preset or preset, m=args.m, f=args.f, p=args.p,
                                                    scale=args.scale or scale, activation=None))
    if args.init_from and not Path(args.init_from).is_dir():
        raise SesrError(f"The run to start from, '{args.init_from}', does not exist; check --init-from.")
    return new_run_spec(
        preset=args.preset, scale=args.scale, model=model, activation=args.activation,
        data_dirs=tuple(_absolute(d) for d in args.data),
        val_dir=_absolute(args.val), steps=args.steps, batch_size=args.batch_size, patch_size=args.patch_size,
        learning_rate=args.learning_rate, lr_schedule=args.schedule, warmup_steps=args.warmup_steps,
        linear_block=args.linear_block, qat=args.qat, qat_steps=args.qat_steps,
        qat_learning_rate=args.qat_learning_rate, qat_frozen_steps=args.qat_frozen_steps,
        qat_residual_grid=args.qat_residual_grid, init_from=_absolute(args.init_from),
        hr_rescales=tuple(args.hr_rescale), degrade=args.degrade, val_degrade=args.val_degrade,
        jpeg_aware=args.jpeg_aware,
        strategy=args.strategy, eval_every=args.eval_every, checkpoint_every=args.checkpoint_every, seed=args.seed)


def resume_spec_from_args(args):
    """The spec a resumed run will train: its saved one with the step counts given, or a refusal saying why not."""
    from sesr_core.training.resume import resumed_spec
    from sesr_core.training.run_folder import RunFolder
    from sesr_core.training.spec import TrainSpec

    check_resume_options(args)
    run = RunFolder(Path(args.out))
    run.create(resume=True)
    saved = TrainSpec.load(run.root)
    asked = saved.with_changes(steps=args.steps if args.steps is not None else saved.steps,
                               qat_steps=args.qat_steps if args.qat_steps is not None else saved.qat_steps)
    return resumed_spec(saved, asked, run.read_state(), run.root)


def _follows_chief(args) -> bool:
    """A resumed non-chief task of a cluster whose run folder is not on this host: it takes the chief's spec."""
    from sesr_core.training.tf_config import cluster_role

    saved = Path(args.out) / "spec.json"
    if saved.is_file() or (args.strategy != "multi-worker" and "TF_CONFIG" not in os.environ):
        return False
    role = cluster_role()
    return role.num_tasks > 1 and not role.is_chief


def run(args) -> int:
    if isinstance(args.resume, str):
        args.out = args.resume
    if not args.out:
        raise SesrError("Say where the run goes with --out RUN_DIR (or --resume RUN_DIR to continue one).")
    if not args.data and not args.resume:
        raise SesrError("Give at least one folder of training images with --data DIR.")
    blocked = folder_problem(args.out)
    if blocked:
        raise SesrError(f"Cannot use '{args.out}' as a run folder: {blocked}; choose another --out.")
    if not training_available():  # before the run folder is read or TensorFlow takes seconds to load
        raise SesrError(training_unavailable_message())
    from sesr_core.training.spec import TrainSpec
    from sesr_core.training.tf_config import cluster_role

    if args.resume and _follows_chief(args):
        check_resume_options(args)
        spec = TrainSpec(strategy="multi-worker")  # the chief sends the run's spec when the cluster starts
    elif args.resume:
        spec = resume_spec_from_args(args)  # checked before TensorFlow takes seconds to load
    require_training()
    from sesr_core.training.train_and_export import RUN_FOLDER_EXPORTS, train_and_export

    if not args.resume:
        spec = spec_from_args(args)
    cancel = CancelToken()
    progress = ProgressLine()
    started = time.monotonic()
    time_left = TimeLeft()
    remaining: list[float | None] = [None]

    def on_event(event) -> None:
        if isinstance(event, Progress):
            remaining[0] = time_left.update(event.done, event.total)
        elif isinstance(event, StepEvent):
            elapsed = format_duration(time.monotonic() - started)
            eta = format_duration(remaining[0]) if remaining[0] is not None else "--"
            progress.update(f"step {event.step}/{event.total_steps}  loss {event.loss:.5f}  "
                            f"lr {event.learning_rate:.2e}  {event.steps_per_second:.2f} steps/s  "
                            f"elapsed {elapsed}  ETA {eta}")
        elif isinstance(event, LogEvent):
            progress.print(("warning: " if event.level == "warning" else "") + event.message)

    def on_stop_signal(signum: int) -> None:
        progress.print(f"{signal_name(signum)}: stopping after this step and saving a checkpoint (a second "
                       "signal quits at once)...")

    exports = () if args.no_export else RUN_FOLDER_EXPORTS
    try:
        with stopping_gracefully(cancel, on_stop_signal):
            result = train_and_export(spec, args.out, exports, on_event, cancel, resume=bool(args.resume))
    except CancelledError:
        progress.close()
        in_cluster = spec.strategy == "multi-worker" and cluster_role().num_tasks > 1
        print(f"Stopped; resume with: sesr train --resume {args.out}" + (" (on every task)" if in_cluster else ""))
        return cancelled_exit_status()
    finally:
        progress.close()
    if not result.run.chief:
        return 0
    for model in result.models:
        print(f"exported {model.path}" + (f"  (PSNR {model.psnr:.3f} dB on {model.dataset})" if model.psnr else ""))
    print(f"Finished {result.run.total_steps} steps in {format_duration(result.run.elapsed_seconds)}.")
    return 0
