"""``sesr info``: the cost of a SESR architecture (``--engines``: the inference engines on this machine)."""

from __future__ import annotations

import json

from sesr_core.models.presets import (
    PRESETS,
    ModelConfig,
    collapsed_params,
    expanded_params,
    gmac_for_frame,
    macs_per_pixel,
    preset_config,
)

FRAMES = {"360p -> 720p": (640, 360), "1080p -> 4K": (1920, 1080)}


def register(commands) -> None:
    parser = commands.add_parser("info", help="print parameters and multiply-accumulates of a SESR model")
    parser.add_argument("preset", nargs="?", default="M5",
                        help=f"one of {', '.join(PRESETS)}, or 'custom' with -m/-f/-p")
    parser.add_argument("--scale", type=int, choices=(2, 4), default=2)
    parser.add_argument("-m", type=int, help="number of 3x3 blocks (custom)")
    parser.add_argument("-f", type=int, help="feature channels (custom)")
    parser.add_argument("-p", type=int, help="expansion channels of the linear blocks (custom)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--engines", action="store_true",
                        help="instead: each inference engine's time per 1080p frame on the default models (measured "
                             "once per machine) and which one --engine auto uses")
    parser.add_argument("--threads", type=int, metavar="N", help="with --engines: CPU threads (default: all cores)")
    parser.set_defaults(run=run)


def config_from_args(args) -> ModelConfig:
    """A ModelConfig from a preset name and optional -m/-f/-p overrides."""
    if args.preset.lower() == "custom" or any(v is not None for v in (args.m, args.f, args.p)):
        base = preset_config(args.preset if args.preset.lower() != "custom" else "M5", args.scale)
        return ModelConfig(m=args.m or base.m, f=args.f or base.f, p=args.p or base.p, scale=args.scale,
                           activation=getattr(args, "activation", None) or base.activation)
    return preset_config(args.preset, args.scale, getattr(args, "activation", None) or "prelu")


def run(args) -> int:
    if args.engines:
        from sesr_core.cli.engines_report import print_engines_report

        return print_engines_report(args.json, args.threads)
    config = config_from_args(args)
    info = {
        "model": config.name, "m": config.m, "f": config.f, "p": config.p, "scale": config.scale,
        "params": collapsed_params(config), "expanded_params": expanded_params(config),
        "macs_per_pixel": macs_per_pixel(config),
        "gmac": {label: round(gmac_for_frame(config, w, h), 2) for label, (w, h) in FRAMES.items()},
    }
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{config.name}  (m={config.m}, f={config.f}, p={config.p})")
    print(f"  parameters (collapsed)   {info['params']:,}")
    print(f"  parameters (training)    {info['expanded_params']:,}")
    print(f"  MACs per LR pixel        {info['macs_per_pixel']:,}")
    for label, value in info["gmac"].items():
        print(f"  GMAC {label:<19} {value:,.2f}")
    return 0
