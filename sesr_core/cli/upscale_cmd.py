"""``sesr upscale``: image files and folders through an SESR model, with a progress bar and a list of failures."""

from __future__ import annotations

import argparse
import json
import sys

from sesr_core.cli.common import ProgressLine, format_duration, report_batch
from sesr_core.jobs import ArtefactEvent, LogEvent, Progress
from sesr_core.thread_count import max_threads, threads_argument
from sesr_core.time_left import TimeLeft

BAR_WIDTH = 24


def add_engine_argument(parser, evaluating: bool = False) -> None:
    """--engine, shared by ``sesr upscale``, ``sesr video`` and ``sesr eval``."""
    twin = "" if evaluating else " and may run the model's fp32 twin"
    parser.add_argument("--engine", metavar="auto|openvino|litert",
                        help="inference engine: auto (default, or $SESR_ENGINE) picks the fastest on this machine "
                             f"from a short measurement on first use{twin}; openvino or litert run the named model "
                             "file as it is")


def print_engine_note(upscaler, progress=None) -> None:
    """The one line auto gives when it falls back (OpenVINO missing)."""
    note = upscaler.engine_choice.note
    if note:
        (progress.print if progress else lambda text: print(text, file=sys.stderr))(f"note: {note}")


def add_model_arguments(parser) -> None:
    """--scale, --model, --threads and --engine, shared with ``sesr video``."""
    parser.add_argument("--scale", type=int, choices=(2, 4),
                        help="upscaling factor (default: the model's, or 2 with the default model)")
    parser.add_argument("--model", metavar="auto|NAME|PATH",
                        help="auto (default): per file, the photo model for JPEGs below quality 95, lossy WebP and "
                        "low-rate video, else the clean model of the scale; or a model name from 'sesr models' or a "
                        ".tflite file (a JPEG-aware family gives each file its file for the file's JPEG quality)")
    parser.add_argument("--threads", type=threads_argument, metavar="N",
                        help=f"CPU threads for the network, 1 to {max_threads()} (default: all cores)")
    add_engine_argument(parser)


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
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per file on standard output (input, output, model, reason, "
                        "jpeg_quality, skipped, error)")
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


def progress_text(done: float, total: float, time_left: TimeLeft, detail: str) -> str:
    """``[=====>     ]  45%  detail  elapsed 0m12s  ETA 0m15s``; the ETA is :mod:`sesr_core.time_left`'s."""
    fraction = min(1.0, done / total) if total else 0.0
    filled = int(fraction * BAR_WIDTH)
    bar = "=" * filled + (">" if filled < BAR_WIDTH else "") + " " * max(0, BAR_WIDTH - filled - 1)
    left = time_left.update(done, total)
    eta = format_duration(left) if left is not None else "--"
    return f"[{bar}] {fraction:4.0%}  {detail}  elapsed {format_duration(time_left.elapsed)}  ETA {eta}"


def make_upscaler(args):
    """The Upscaler for ``--model``: an AutoUpscaler for auto (the default) and for a JPEG-aware family, which give
    each file its own model."""
    from sesr_core.runtime.auto_upscaler import AutoUpscaler
    from sesr_core.runtime.model_choice import is_auto

    if is_auto(args.model):
        return AutoUpscaler(scale=args.scale, threads=args.threads, engine=args.engine)
    from sesr_core.models.catalog import find_model
    from sesr_core.runtime.upscaler import Upscaler

    named = find_model(str(args.model), args.scale)
    if named.is_family:
        return AutoUpscaler(threads=args.threads, engine=args.engine, family=named)
    return Upscaler(args.model, scale=args.scale, threads=args.threads, engine=args.engine)


def file_report(item, upscaler, result) -> dict:
    """One file's line of ``--json``: where it went, with which model and why (or why it failed)."""
    written = {str(p) for p in result.written} | {str(p) for p in result.skipped}
    failed = {str(source): reason for source, reason in result.failed}
    output = str(item.destination) if str(item.destination) in written else None
    named = "named with --model"
    reason = item.reason if upscaler.name == "auto" or not item.reason else f"{named}; {item.reason}"
    report = {"input": str(item.source), "output": output, "model": item.model or upscaler.name,
              "reason": reason or named}
    if item.jpeg_quality is not None:
        report["jpeg_quality"] = item.jpeg_quality
    if item.destination in result.skipped:
        report["skipped"] = True
    if str(item.source) in failed:
        report["error"] = failed[str(item.source)]
    return report


def run(args) -> int:
    upscaler = make_upscaler(args)
    items = upscaler.plan(args.paths, args.output, recursive=args.recursive, format=args.format, shard=args.shard)
    by_destination = {str(item.destination): item for item in items}
    progress = ProgressLine(every=5.0)  # on standard error: with --json, standard output holds only the JSON lines
    print_engine_note(upscaler, progress)
    part = f" (shard {args.shard})" if args.shard else ""
    progress.print(f"Upscaling {len(items)} image{'s' * (len(items) != 1)}{part} with {upscaler.describe()}.")
    time_left = TimeLeft()

    def on_event(event) -> None:
        if isinstance(event, Progress):
            progress.update(progress_text(event.done, event.total, time_left, event.message))
        elif isinstance(event, LogEvent) and event.level == "error":
            progress.print(f"failed: {event.message}")
        elif isinstance(event, LogEvent) and event.level == "warning":
            progress.print(f"note: {event.message}")
        elif isinstance(event, ArtefactEvent):
            item = by_destination.get(event.path)
            chosen = f"  ({item.model}: {item.reason})" if item is not None and item.model else ""
            progress.print(f"wrote {event.path}{chosen}")

    try:
        result = upscaler.upscale_files(args.paths, args.output, recursive=args.recursive, format=args.format,
                                        quality=args.quality, overwrite=args.overwrite, on_event=on_event,
                                        shard=args.shard, skip_existing=args.skip_existing or bool(args.shard),
                                        items=items)
    finally:
        progress.close()
    if args.json:
        for item in items:
            print(json.dumps(file_report(item, upscaler, result)))
        return 1 if result.failed else 0
    return report_batch(result, len(items), "images")
