"""``sesr video``: a video through an SESR model (luma by the network, chroma resized), other streams copied."""

from __future__ import annotations

import sys
from pathlib import Path

from sesr_core.cli.common import ProgressLine, format_duration, report_batch
from sesr_core.cli.upscale_cmd import add_model_arguments, add_shard_arguments, print_engine_note, progress_text
from sesr_core.errors import CancelledError
from sesr_core.jobs import LogEvent, Progress
from sesr_core.stop_signals import cancelled_exit_status
from sesr_core.time_left import TimeLeft


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
    parser.add_argument("--allow-truncated", action="store_true",
                        help="upscale what an input that ends before its declared duration holds, with a warning "
                        "(default: refuse it)")
    add_shard_arguments(parser, "videos")
    parser.set_defaults(run=run)


class VideoUpscalers:
    """The upscaler each video gets: the named model (for a JPEG-aware family, its file for the video's rate), or
    with ``--model auto`` the clean or photo model of the scale by the video's codec and bit rate (each loaded
    once)."""

    def __init__(self, args) -> None:
        from sesr_core.models.catalog import find_model
        from sesr_core.runtime.model_choice import is_auto

        self.args = args
        self.auto = is_auto(args.model)
        self.scale = args.scale or 2
        self.family = None if self.auto else find_model(str(args.model), args.scale)
        if self.family is not None and not self.family.is_family:
            self.family = None
        if self.family is not None:
            self.scale = self.family.scale
        self._loaded: dict[str, object] = {}

    def for_video(self, path) -> tuple[object, str]:
        """(upscaler, reason) for the video at ``path``; the reason is empty for a named model."""
        from sesr_core.runtime.model_choice import choose_family_file, choose_model

        if self.auto or self.family is not None:
            choice = choose_model(path, self.scale, "video") if self.auto else \
                choose_family_file(path, self.family, "video")
            return self.load(str(choice.entry.path)), choice.reason
        return self.load(self.args.model), ""

    def describe(self) -> str:
        """How the videos' models are chosen, for the batch's first line."""
        if self.auto:
            return "the model each video needs (auto)"
        if self.family is not None:
            return f"{self.family.name}, its file for each video's rate"
        return self.load(self.args.model).describe()

    def load(self, name: str | None):
        from sesr_core.runtime.upscaler import Upscaler

        if name not in self._loaded:
            self._loaded[name] = Upscaler(name, scale=self.args.scale, threads=self.args.threads,
                                          engine=self.args.engine)
        return self._loaded[name]


def run(args) -> int:
    upscalers = VideoUpscalers(args)
    progress = ProgressLine(every=5.0)
    clocks: dict[int | None, TimeLeft] = {}

    def on_event(event) -> None:
        if isinstance(event, Progress) and event.done:
            time_left = clocks.setdefault(event.item, TimeLeft())  # one estimate per video of a batch
            progress.update(progress_text(event.done, event.total, time_left, event.message))
        elif isinstance(event, LogEvent):
            prefix = {"warning": "note: ", "error": "failed: "}.get(event.level, "")
            progress.print(prefix + event.message)

    one_file = len(args.inputs) == 1 and not Path(args.inputs[0]).is_dir()
    if not (one_file and args.shard is None and not args.skip_existing):
        return _run_batch(args, upscalers, progress, on_event)
    args.input = args.inputs[0]
    upscaler, reason = upscalers.for_video(args.input)
    print_engine_note(upscaler, progress)
    progress.print(f"Upscaling '{args.input}' with {upscaler.describe()}{f' ({reason})' if reason else ''}, "
                   f"{args.codec}.")
    try:
        result = upscaler.upscale_video(args.input, args.output, codec=args.codec, crf=args.crf,
                                        preset=args.preset, overwrite=args.overwrite,
                                        allow_truncated=args.allow_truncated, on_event=on_event)
    except CancelledError:
        print("Stopped; no output was written.", file=sys.stderr)
        return cancelled_exit_status()
    finally:
        progress.close()
    print(f"Wrote {result.path}: {result.frames} frames in {format_duration(result.seconds)} "
          f"({result.fps:.2f} fps).")
    return 0


def _run_batch(args, upscalers: VideoUpscalers, progress: ProgressLine, on_event) -> int:
    """Several videos (or one with --shard / --skip-existing): each in turn, failures listed at the end."""
    from sesr_core.runtime.shard import select_shard
    from sesr_core.runtime.video_batch import plan_videos, run_video_batch
    from sesr_core.runtime.video_file import VideoOptions

    items = plan_videos(args.inputs, upscalers.scale, args.codec, args.output, args.recursive)
    items = select_shard(items, [item.key for item in items], args.shard)
    part = f" (shard {args.shard})" if args.shard else ""
    progress.print(f"Upscaling {len(items)} video{'s' * (len(items) != 1)}{part} with {upscalers.describe()}, "
                   f"{args.codec}.")
    options = VideoOptions(codec=args.codec, crf=args.crf, preset=args.preset, overwrite=args.overwrite,
                           allow_truncated=args.allow_truncated)

    def network_for(item):
        upscaler, reason = upscalers.for_video(item.source)
        if reason:
            progress.print(f"{item.source.name}: {upscaler.name} ({reason})")
        return upscaler.luma

    try:
        result = run_video_batch(network_for, items, options, on_event,
                                 skip_existing=args.skip_existing or args.shard is not None)
    except CancelledError:
        print("Stopped; the video being upscaled was not written (a re-run with --skip-existing finishes the rest).",
              file=sys.stderr)
        return cancelled_exit_status()
    finally:
        progress.close()
    return report_batch(result, len(items), "videos")
