"""``sesr export``: a run's collapsed model as a .tflite file (fp32 or fully int8) with its JSON card."""

from __future__ import annotations

from pathlib import Path

from sesr_core.cli.common import require_training


def register(commands) -> None:
    parser = commands.add_parser("export", help="export a training run to .tflite (fp32 or int8) with its card")
    parser.add_argument("run_dir", metavar="RUN_DIR")
    kind = parser.add_mutually_exclusive_group(required=True)
    kind.add_argument("--int8", dest="precision", action="store_const", const="int8", help="fully int8 model")
    kind.add_argument("--fp32", dest="precision", action="store_const", const="fp32", help="float model")
    parser.add_argument("-o", "--output", metavar="FILE", help="output .tflite (default: RUN_DIR/models/...)")
    parser.add_argument("--checkpoint", choices=("last", "best"), default="last")
    parser.add_argument("--val", metavar="DIR", help="evaluate the written file on these HR images for its card")
    parser.add_argument("--name", help="model name in the catalog (default: the file name)")
    parser.add_argument("--no-range-refinement", dest="refine_ranges", action="store_false",
                        help="int8 from QAT: keep tfmot's activation ranges as they are (default: narrow each range "
                             "where that raises PSNR on training images)")
    parser.set_defaults(run=run)


def run(args) -> int:
    require_training()
    from sesr_core.training.export_run import export_run

    if args.output and Path(args.output).suffix != ".tflite":
        args.output = str(Path(args.output).with_suffix(".tflite"))
    path, card = export_run(args.run_dir, args.precision, args.output, args.checkpoint, args.val, args.name,
                             args.refine_ranges)
    evaluation = card["evaluation"]
    score = f", PSNR {evaluation['psnr']:.3f} dB / SSIM {evaluation['ssim']:.4f} on {evaluation['dataset']}" \
        if evaluation else ""
    print(f"Wrote {path} ({card['precision']}{score}) and its card {path.with_suffix('.json')}.")
    return 0
