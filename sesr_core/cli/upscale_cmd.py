"""``sesr upscale``: image files and folders through an SESR model, with a progress bar and a list of failures."""

from __future__ import annotations

import argparse
import sys
import time

from sesr_core.cli.common import ProgressLine, format_duration
from sesr_core.jobs import ArtefactEvent, LogEvent, Progress

BAR_WIDTH = 24


def add_model_arguments(parser) -> None:
    """--scale, --model and --threads, shared with ``sesr video``."""
    parser.add_argument("--scale", type=int, choices=(2, 4),
                        help="upscaling factor (default: the model's, or 2 with the default model)")
    parser.add_argument("--model", metavar="NAME|PATH", help="a model name from 'sesr models' or a .tflite file "
                        "(default: the default model for the scale)")
    parser.add_argument("--threads", type=int, metavar="N", help="CPU threads for the network (default: all cores)")


def register(commands) -> None:
    parser = commands.add_parser("upscale", help="upscale images (files or folders) with an SESR model",
                                 description="Upscale images with an SESR model: the network on luma, chroma "
                                             "bicubic, alpha kept, 16-bit kept, metadata carried.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="image files and folders")
    parser.add_argument("-o", "--output", metavar="DIR_OR_FILE",
                        help="output folder (or file, for one image); default: beside each file, FOLDER_x2 "
                             "beside each folder")
    add_model_arguments(parser)
    parser.add_argument("--format", choices=("png", "jpeg", "webp", "tiff", "bmp"),
                        help="output format (default: the input's)")
    parser.add_argument("--quality", type=int, metavar="N", help="JPEG/WebP quality 1-100 (default 95; WebP "
                        "100 is lossless)")
    parser.add_argument("--recursive", action="store_true", help="also upscale images in sub-folders")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")
    add_shard_arguments(parser, "images")
    parser.set_defaults(run=run)


def add_shard_arguments(parser, what: str) -> None:
    """--shard and --skip-existing, shared with ``sesr video``."""
    parser.add_argument("--shard", metavar="K/N", type=_shard,
                        help=f"upscale only part K of N of the {what} (K from 0; the split is by a hash of each "
                        "file's path, so N jobs started with K = 0 .. N-1 write every output once); implies "
                        "--skip-existing")
    parser.add_argument("--skip-existing", action="store_true",
                        help="leave outputs that a previous run completed, so a re-run finishes only what is missing")


def _shard(text: str):
    from sesr_core.errors import SesrError
    from sesr_core.runtime.shard import parse_shard

    try:
        return parse_shard(text)
    except SesrError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def progress_text(done: int, total: int, elapsed: float, detail: str) -> str:
    """``[=====>     ]  45%  detail  elapsed 0m12s  ETA 0m15s``."""
    fraction = min(1.0, done / total) if total else 0.0
    filled = int(fraction * BAR_WIDTH)
    bar = "=" * filled + (">" if filled < BAR_WIDTH else "") + " " * max(0, BAR_WIDTH - filled - 1)
    eta = format_duration(elapsed * (1 - fraction) / fraction) if fraction > 0 else "--"
    return f"[{bar}] {fraction:4.0%}  {detail}  elapsed {format_duration(elapsed)}  ETA {eta}"


def run(args) -> int:
    from sesr_core.runtime.upscaler import Upscaler

    upscaler = Upscaler(args.model, scale=args.scale, threads=args.threads)
    items = upscaler.plan(args.paths, args.output, recursive=args.recursive, format=args.format, shard=args.shard)
    progress = ProgressLine(every=5.0)
    part = f" (shard {args.shard})" if args.shard else ""
    progress.print(f"Upscaling {len(items)} image{'s' * (len(items) != 1)}{part} with {upscaler.describe()}.")
    started = time.monotonic()

    def on_event(event) -> None:
        if isinstance(event, Progress):
            progress.update(progress_text(event.done, event.total, time.monotonic() - started, event.message))
        elif isinstance(event, LogEvent) and event.level == "error":
            progress.print(f"failed: {event.message}")
        elif isinstance(event, ArtefactEvent):
            progress.print(f"wrote {event.path}")

    try:
        result = upscaler.upscale_files(args.paths, args.output, recursive=args.recursive, format=args.format,
                                        quality=args.quality, overwrite=args.overwrite, on_event=on_event,
                                        shard=args.shard, skip_existing=args.skip_existing or bool(args.shard))
    finally:
        progress.close()
    summary = f"{len(result.written)} of {len(items)} images written in {format_duration(result.seconds)}"
    if result.skipped:
        summary += f" ({len(result.skipped)} already done)"
    if not result.failed:
        print(summary + ".")
        return 0
    print(f"{summary}; {len(result.failed)} failed:", file=sys.stderr)
    for _source, reason in result.failed:
        print(f"  {reason}", file=sys.stderr)  # each reason names its file
    return 1
