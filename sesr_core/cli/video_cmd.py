"""``sesr video``: a video through an SESR model (luma by the network, chroma resized), other streams copied."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sesr_core.cli.common import ProgressLine, format_duration
from sesr_core.cli.upscale_cmd import add_model_arguments, add_shard_arguments, progress_text
from sesr_core.jobs import LogEvent, Progress


def register(commands) -> None:
    parser = commands.add_parser("video", help="upscale a video with an SESR model",
                                 description="Upscale a video: the network on the Y plane, chroma planes "
                                             "resized, audio and subtitles copied, timestamps kept.")
    parser.add_argument("inputs", nargs="+", metavar="IN", help="input video files or folders of videos")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="output file (one video) or folder (default: IN_x2.EXT beside each input, .mp4 when "
                             "that container cannot hold the codec; FOLDER_x2 beside each folder)")
    parser.add_argument("--recursive", action="store_true", help="also upscale videos in sub-folders")
    add_model_arguments(parser)
    parser.add_argument("--codec", choices=("h264", "hevc", "vp9", "av1"), default="h264",
                        help="video codec (default h264 with libx264)")
    parser.add_argument("--crf", type=int, metavar="N",
                        help="constant quality (default: h264 18, hevc 20, vp9 31, av1 30; lower is better)")
    parser.add_argument("--preset", metavar="NAME",
                        help="encoder speed preset (default: veryfast for h264/hevc, cpu-used 5 for vp9, "
                             "10 for av1)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    add_shard_arguments(parser, "videos")
    parser.set_defaults(run=run)


def run(args) -> int:
    from sesr_core.runtime.upscaler import Upscaler

    upscaler = Upscaler(args.model, scale=args.scale, threads=args.threads)
    progress = ProgressLine(every=5.0)
    started = time.monotonic()

    def on_event(event) -> None:
        if isinstance(event, Progress) and event.done:
            detail = f"frame {event.done}/{event.total or '?'}  {event.message}"
            progress.update(progress_text(event.done, event.total, time.monotonic() - started, detail))
        elif isinstance(event, LogEvent):
            prefix = {"warning": "note: ", "error": "failed: "}.get(event.level, "")
            progress.print(prefix + event.message)

    one_file = len(args.inputs) == 1 and not Path(args.inputs[0]).is_dir()
    if not (one_file and args.shard is None and not args.skip_existing):
        return _run_batch(args, upscaler, progress, on_event)
    args.input = args.inputs[0]
    progress.print(f"Upscaling '{args.input}' with {upscaler.describe()}, {args.codec}.")
    try:
        result = upscaler.upscale_video(args.input, args.output, codec=args.codec, crf=args.crf,
                                        preset=args.preset, overwrite=args.overwrite, on_event=on_event)
    finally:
        progress.close()
    if result.cancelled:
        print("Stopped; no output was written.", file=sys.stderr)
        return 130
    print(f"Wrote {result.path}: {result.frames} frames in {format_duration(result.seconds)} "
          f"({result.fps:.2f} fps).")
    return 0


def _run_batch(args, upscaler, progress: ProgressLine, on_event) -> int:
    """Several videos (or one with --shard / --skip-existing): each in turn, failures listed at the end."""
    from sesr_core.runtime.shard import select_shard
    from sesr_core.runtime.video_batch import plan_videos, run_video_batch
    from sesr_core.runtime.video_job import VideoOptions

    items = plan_videos(args.inputs, upscaler.scale, args.codec, args.output, args.recursive)
    items = select_shard(items, [item.key for item in items], args.shard)
    part = f" (shard {args.shard})" if args.shard else ""
    progress.print(f"Upscaling {len(items)} video{'s' * (len(items) != 1)}{part} with {upscaler.describe()}, "
                   f"{args.codec}.")
    options = VideoOptions(codec=args.codec, crf=args.crf, preset=args.preset, overwrite=args.overwrite)
    try:
        result = run_video_batch(upscaler.luma, items, options, on_event,
                                 skip_existing=args.skip_existing or args.shard is not None)
    finally:
        progress.close()
    if result.cancelled:
        print("Stopped; the video being upscaled was not written (a re-run with --skip-existing finishes the rest).",
              file=sys.stderr)
        return 130
    summary = f"{len(result.written)} of {len(items)} videos written in {format_duration(result.seconds)}"
    if result.skipped:
        summary += f" ({len(result.skipped)} already done)"
    if not result.failed:
        print(summary + ".")
        return 0
    print(f"{summary}; {len(result.failed)} failed:", file=sys.stderr)
    for _source, reason in result.failed:
        print(f"  {reason}", file=sys.stderr)
    return 1
