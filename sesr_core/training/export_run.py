"""Export a training run to .tflite files with their JSON cards (fp32 twin and fully int8)."""

from __future__ import annotations

from pathlib import Path

from sesr_core.atomic import write_bytes_atomic
from sesr_core.errors import SesrError
from sesr_core.evaluation.protocol import card_evaluation
from sesr_core.file_kinds import existing_output_problem, folder_problem
from sesr_core.models.card import make_card, write_card
from sesr_core.models.jpeg_variants import variant_family
from sesr_core.runtime.sr_model import SRModel
from sesr_core.training._tf import tf
from sesr_core.training.calibration import calibration_pairs, representative_patches
from sesr_core.training.network import collapsed_from_training
from sesr_core.training.qat import pin_input_range, quantize_collapsed_model
from sesr_core.training.range_search import refine_activation_ranges
from sesr_core.training.run_folder import RunFolder
from sesr_core.training.spec import TrainSpec
from sesr_core.training.tflite_convert import to_fp32_tflite, to_int8_tflite
from sesr_core.training.transfer import restore_fp32_model


def _quantized_model(run: RunFolder, spec: TrainSpec, which: str):
    """The QAT model of a run with its checkpoint restored, or None when the run has no QAT phase."""
    folder = run.best("qat") if which == "best" else run.checkpoints("qat")
    latest = tf.train.latest_checkpoint(str(folder)) or tf.train.latest_checkpoint(str(run.checkpoints("qat")))
    if latest is None:
        return None
    fp32_model, _ = restore_fp32_model(run.root, "last")
    collapsed = collapsed_from_training(fp32_model, spec.model, spec.variant_lossiness)
    quantized = quantize_collapsed_model(collapsed, spec.qat_residual_grid)
    tf.train.Checkpoint(model=quantized).restore(latest).expect_partial()
    pin_input_range(quantized)
    return quantized


def _fp32_history(run_dir: Path, depth: int = 8) -> tuple[int, float]:
    """fp32 steps behind a run's fp32 weights, and the wall time of the runs that made them (a run's time includes
    its own QAT phase, if any; a QAT-only run adds none), its ancestors' included: the run it started from
    (``init_from``) or, in a shipped training record, the run kept in ``parent-run/``."""
    spec, state = TrainSpec.load(run_dir), RunFolder(run_dir).read_state()
    steps = min(state.step, spec.steps)
    seconds = state.elapsed_seconds if steps else 0.0  # a QAT-only run adds no fp32 time
    # A record's own copy of its parent first: the folder ``init_from`` names may since hold something else (a shipped
    # record re-made in place names itself, and its parent run named the record as it was then).
    kept = Path(run_dir) / "parent-run"
    parent = kept if (kept / "spec.json").is_file() else Path(spec.init_from) if spec.init_from else None
    if depth > 0 and parent and (parent / "spec.json").is_file() and parent.resolve() != Path(run_dir).resolve():
        more_steps, more_seconds = _fp32_history(parent, depth - 1)
        steps, seconds = steps + more_steps, seconds + more_seconds
    return steps, seconds


def _parent_run_summary(spec: TrainSpec) -> dict | None:
    """Name and model of the run this one started from (``init_from``), when it is still there, and the fp32 steps
    and wall time behind the weights taken from it."""
    if not spec.init_from or not (Path(spec.init_from) / "spec.json").is_file():
        return None
    parent = Path(spec.init_from)
    steps, seconds = _fp32_history(parent)
    return {"name": parent.name, "model": TrainSpec.load(parent).model.name, "steps": steps,
            "wall_time_seconds": round(seconds, 1)}


def export_run(run_dir: str | Path, precision: str, out_path: str | Path | None = None, which: str = "last",
               val_dir: str | Path | None = None, name: str | None = None,
               refine_ranges: bool = True) -> tuple[Path, dict]:
    """Write the run's ``precision`` ("int8" or "fp32") .tflite and its card; returns (model path, card).

    int8 comes from the QAT phase when the run has one (its activation ranges narrowed on training images first,
    unless ``refine_ranges`` is False: see :mod:`range_search`), else from post-training quantisation of the fp32
    model.
    The card's evaluation is of the written file itself, through the inference runtime, on ``val_dir`` (default:
    the run's validation folder).
    """
    if precision not in ("int8", "fp32"):
        raise SesrError(f"Unknown precision '{precision}'; use int8 or fp32.")
    run = RunFolder(Path(run_dir))
    spec = TrainSpec.load(run.root)
    state = run.read_state()
    out = Path(out_path) if out_path else run.models / f"{spec.model.name}-{precision}.tflite"
    blocked = folder_problem(out.parent) or existing_output_problem(out)
    if blocked:
        raise SesrError(f"Cannot write '{out}': {blocked}; choose another output.")
    quantized = _quantized_model(run, spec, which) if precision == "int8" else None
    refinement = None
    if quantized is not None:
        if refine_ranges:
            refinement = refine_activation_ranges(quantized, calibration_pairs(spec), spec.model.scale)
        content = to_int8_tflite(quantized, representative_patches(spec, count=8))
        method = "qat"
    else:
        fp32_model, _ = restore_fp32_model(run.root, which)
        collapsed = collapsed_from_training(fp32_model, spec.model, spec.variant_lossiness)
        if precision == "fp32":
            content, method = to_fp32_tflite(collapsed), "none"
        else:
            content, method = to_int8_tflite(collapsed, representative_patches(spec)), "post-training"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(out, content)

    model = SRModel(out)
    evaluation = {}
    val = val_dir or spec.val_dir
    if val and Path(val).is_dir():
        evaluation = card_evaluation(model.upscale_y, val, spec.model.scale)
    quantization = {"method": method}
    if precision == "int8":
        quantization.update(input_scale=float(model.input_quant[0]), input_zero_point=int(model.input_quant[1]),
                            output_scale=float(model.output_quant[0]), output_zero_point=int(model.output_quant[1]),
                            weights="int8 per-channel symmetric", activations="int8 per-tensor")
        if refinement is not None:
            quantization["range_refinement"] = refinement.as_card()
    trained = state.step
    training = {
        "data": [Path(d).name for d in spec.data_dirs],
        "steps": min(trained, spec.steps), "qat": method == "qat",
        "qat_steps": max(0, trained - spec.steps) if method == "qat" else 0,
        "batch_size": spec.batch_size, "patch_size": spec.patch_size, "learning_rate": spec.learning_rate,
        "lr_schedule": spec.lr_schedule, "linear_block": spec.linear_block, "hr_rescales": list(spec.hr_rescales),
        "degrade": spec.degrade,
        "jpeg_aware": spec.jpeg_aware,
        "init_from": Path(spec.init_from).name if spec.init_from else None,
        "checkpoint": which, "trained_steps": trained,
        "wall_time_seconds": round(state.elapsed_seconds, 1),
    }
    parent = _parent_run_summary(spec)
    if parent:
        training["parent_run"] = parent
    card = make_card(out, spec.model, precision, training, quantization, evaluation, name=name)
    if spec.jpeg_variant is not None:
        card["jpeg_variant"] = {"family": variant_family(card["name"], spec.jpeg_variant), "quality": spec.jpeg_variant}
    write_card(out, card)
    return out, card
