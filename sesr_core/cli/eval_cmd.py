"""``sesr eval``: PSNR/SSIM of a model (file, catalog name, run folder, or bicubic) under the field's protocol."""

from __future__ import annotations

import json
from pathlib import Path

from sesr_core.cli.scored_model import scored_model
from sesr_core.cli.upscale_cmd import add_engine_argument
from sesr_core.errors import ModelError, SesrError
from sesr_core.evaluation.pairs import load_eval_pairs
from sesr_core.evaluation.protocol import evaluate, evaluate_bicubic, evaluate_per_pair
from sesr_core.imaging.degradation import Degradation, parse_degradation
from sesr_core.models.catalog import find_model


def register(commands) -> None:
    parser = commands.add_parser("eval", help="measure PSNR and SSIM (Y channel, border shaved) on a folder")
    parser.add_argument("--model", required=True,
                        help="a .tflite file, a catalog name, a training run folder, or bicubic; a JPEG-aware "
                        "family's name evaluates each LR image with its file for that image's JPEG quality")
    parser.add_argument("--scale", type=int, choices=(2, 4), required=True)
    parser.add_argument("--hr", required=True, metavar="DIR", help="high-resolution ground truth images")
    parser.add_argument("--lr", metavar="DIR", help="low-resolution inputs with the same file names (default: bicubic)")
    parser.add_argument("--degrade", metavar="FIXED",
                        help="degrade every LR image first, deterministically per image: e.g. 'jpeg=75', 'noise=2', "
                        "'jpeg=75,noise=2', 'blur=0.8' (blur only with LR made from HR)")
    parser.add_argument("--checkpoint", choices=("last", "best"), default="last", help="for a run folder")
    add_engine_argument(parser, evaluating=True)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def fixed_degradation(text: str) -> Degradation:
    """A fixed evaluation degradation from ``--degrade`` text; ranges are refused with one sentence."""
    degradation = parse_degradation(text)
    if not degradation.is_fixed:
        raise SesrError(f"--degrade takes single values for evaluation (e.g. jpeg=75 or jpeg=75,noise=2), "
                        f"not ranges: '{text}'.")
    return degradation


def predictor_for(model: str, scale: int, checkpoint: str = "last", engine: str | None = None):
    """(LR Y -> SR Y function, description) for a model argument other than bicubic; ``engine`` as ``--engine``,
    except that auto never swaps in the fp32 twin (eval scores the file it is given)."""
    if Path(model).is_dir():
        from sesr_core.cli.common import require_training

        require_training()
        from sesr_core.training.trainer import predict_y
        from sesr_core.training.transfer import restore_fp32_model

        keras_model, spec = restore_fp32_model(model, checkpoint)
        if spec.model.scale != scale:
            raise ModelError(f"The run '{model}' trains an x{spec.model.scale} model, not x{scale}; fix --scale.")
        return predict_y(keras_model), f"{spec.model.name} ({checkpoint} checkpoint)"
    path = find_model(model, scale).path
    sr_model, choice = scored_model(path, scale, engine)
    return sr_model.upscale_y, f"{path.name} ({sr_model.precision}, {choice.label})"


def family_for(model: str, scale: int, engine: str | None = None):
    """A :class:`~sesr_core.cli.eval_family.FamilyPredictor` when ``model`` names a JPEG-aware family's lossless file
    (by catalog name or path), else None."""
    if model == "bicubic" or Path(model).is_dir():
        return None
    entry = find_model(model, scale)
    if not entry.is_family:
        return None
    from sesr_core.cli.eval_family import FamilyPredictor

    return FamilyPredictor(entry, scale, engine)


def run(args) -> int:
    degradation = fixed_degradation(args.degrade) if args.degrade else None
    family = family_for(args.model, args.scale, args.engine)  # the model first: a wrong name is reported before
    if family is not None:  # any image is read
        description = family.description()
        result = evaluate_per_pair(family, load_eval_pairs(args.hr, args.scale, args.lr, degradation), args.scale)
    elif args.model == "bicubic":
        description = "bicubic (MATLAB imresize)"
        result = evaluate_bicubic(load_eval_pairs(args.hr, args.scale, args.lr, degradation), args.scale)
    else:
        predict, description = predictor_for(args.model, args.scale, args.checkpoint, args.engine)
        result = evaluate(predict, load_eval_pairs(args.hr, args.scale, args.lr, degradation), args.scale)
    lr_text = degradation.text() if degradation else "clean"
    if args.json:
        files = {"files_used": family.used} if family is not None else {}
        print(json.dumps({"model": description, "scale": args.scale, "degradation": lr_text, **files,
                          **result.to_dict()}, indent=2))
        return 0
    width = max(len(s.name) for s in result.scores) + 2
    print(f"{description}, x{args.scale}, {len(result.scores)} images (Y channel, {args.scale}-pixel border shaved"
          f"{'' if degradation is None else f'; LR degraded by {lr_text}'})")
    print(f"{'image':<{width}}{'PSNR (dB)':>10}{'SSIM':>9}")
    for score in result.scores:
        print(f"{score.name:<{width}}{score.psnr:>10.3f}{score.ssim:>9.4f}")
    print(f"{'mean':<{width}}{result.mean_psnr:>10.3f}{result.mean_ssim:>9.4f}")
    if family is not None:
        print(f"files used: {family.files_used()}")
    return 0
