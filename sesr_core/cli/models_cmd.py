"""``sesr models``: every model available, shipped and user-trained."""

from __future__ import annotations

import json

from sesr_core.catalog import list_models, user_models_dir


def register(commands) -> None:
    parser = commands.add_parser("models", help="list the shipped and user models")
    parser.add_argument("--json", action="store_true", help="print a JSON list")
    parser.set_defaults(run=run)


def run(args) -> int:
    models = list_models()
    if args.json:
        print(json.dumps([m.to_dict() for m in models], indent=2))
        return 0
    if not models:
        print("No models installed; train one with 'sesr train' or copy a .tflite and its card to "
              f"{user_models_dir()}.")
        return 0
    print(f"{'name':<28}{'scale':>6}{'prec.':>7}{'MACs/px':>10}{'params':>9}{'Set5 PSNR':>11}  source")
    for m in models:
        psnr = f"{m.set5_psnr:.2f}" if m.set5_psnr else "-"
        source = "shipped" + (", default" if m.default else "") if m.shipped else "user"
        print(f"{m.name:<28}{'x' + str(m.scale):>6}{m.precision:>7}{m.macs_per_pixel or 0:>10,}{m.params or 0:>9,}"
              f"{psnr:>11}  {source}")
    return 0
