"""``sesr video``: a video through an SESR model (luma by the network, chroma resized), other streams copied."""

from __future__ import annotations

import sys
import time

from sesr_core.cli.common import ProgressLine, format_duration
from sesr_core.cli.upscale_cmd import add_model_arguments, print_engine_note, progress_text
from sesr_core.jobs import LogEvent, Progress
from sesr_core.stop_signals import cancelled_exit_status


def register(commands) -> None:
    parser = commands.add_parser("video", help="upscale a video with an SESR model",
                                 description="Upscale a video: the network on the Y plane, chroma planes "
                                             "resized, audio and subtitles copied, timestamps kept.")
    parser.add_argument("input", metavar="IN", help="input video file")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="output file or folder (default: IN_x2.EXT beside the input; .mp4 when that "
                             "container cannot hold the codec)")
    add_model_arguments(parser)
    parser.add_argument("--codec", choices=("h264", "hevc", "vp9", "av1"), default="h264",
                        help="video codec (default h264 with libx264)")
    parser.add_argument("--crf", type=int, metavar="N",
                        help="constant quality (default: h264 18, hevc 20, vp9 31, av1 30; lower is better)")
    parser.add_argument("--preset", metavar="NAME",
                        help="encoder speed preset (default: veryfast for h264/hevc, cpu-used 5 for vp9, "
                             "10 for av1)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    parser.add_argument("--allow-truncated", action="store_true",
                        help="upscale what an input that ends before its declared duration holds, with a warning "
                        "(default: refuse it)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from sesr_core.runtime.model_choice import choose_model, is_auto
    from sesr_core.runtime.upscaler import Upscaler

    model, reason = args.model, ""
    if is_auto(args.model):
        choice = choose_model(args.input, args.scale or 2, "video")
        model, reason = choice.entry.name, f" ({choice.reason})"
    upscaler = Upscaler(model, scale=args.scale, threads=args.threads, engine=args.engine)
    progress = ProgressLine(every=5.0)
    print_engine_note(upscaler, progress)
    progress.print(f"Upscaling '{args.input}' with {upscaler.describe()}{reason}, {args.codec}.")
    started = time.monotonic()

    def on_event(event) -> None:
        if isinstance(event, Progress) and event.done:
            detail = f"frame {event.done}/{event.total or '?'}  {event.message}"
            progress.update(progress_text(event.done, event.total, time.monotonic() - started, detail))
        elif isinstance(event, LogEvent):
            progress.print(("note: " if event.level == "warning" else "") + event.message)

    try:
        result = upscaler.upscale_video(args.input, args.output, codec=args.codec, crf=args.crf,
                                        preset=args.preset, overwrite=args.overwrite,
                                        allow_truncated=args.allow_truncated, on_event=on_event)
    finally:
        progress.close()
    if result.cancelled:
        print("Stopped; no output was written.", file=sys.stderr)
        return cancelled_exit_status()
    print(f"Wrote {result.path}: {result.frames} frames in {format_duration(result.seconds)} "
          f"({result.fps:.2f} fps).")
    return 0
