"""The video job: probe, set up the output under a temporary name, run the pipeline, check, rename.

A cancelled or failed job leaves nothing behind: the output is written as a hidden ``.NAME.PID-THREAD.partial.EXT``
file in the target folder and renamed only once it is complete and every input frame made it through.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import av

from sesr_core.atomic import new_file_mode, remove_stale_temporaries
from sesr_core.errors import CancelledError, ImageWriteError, SesrError
from sesr_core.file_kinds import folder_problem
from sesr_core.jobs import (
    ArtefactEvent,
    CancelToken,
    EventCallback,
    LogEvent,
    Phase,
    Progress,
    ignore_events,
)
from sesr_core.runtime.image_file import check_destination, ensure_folder
from sesr_core.runtime.luma import LumaNetwork
from sesr_core.runtime.memory_errors import is_out_of_memory, out_of_memory_message
from sesr_core.runtime.video_completeness import missing_part
from sesr_core.runtime.video_output import CODECS, encoder_options, format_name_for, open_output
from sesr_core.runtime.video_pipeline import VideoPipeline
from sesr_core.runtime.video_probe import NATIVE_PIXEL_FORMATS, VideoInfo, VideoReadError, open_input, probe_video

_CONTAINER_CODECS = {".webm": ("vp9", "av1")}  # containers that hold only some of our codecs
# Closing the file (the trailer; for MP4 the index moved to the front, a rewrite), the completeness check, the flush
# to the disk and the rename, in frames' worth of work: Progress reaches its total only once the file is in place.
FINISH_SHARE = 0.05


class VideoWriteError(ImageWriteError):
    """The output video could not be written."""


@dataclass(frozen=True)
class VideoOptions:
    """``codec`` (h264, hevc, vp9, av1), ``crf`` and ``preset`` (None: the codec's default), ``overwrite``, and
    ``allow_truncated``: write what an input that ends early holds (with a warning) instead of refusing it."""

    codec: str = "h264"
    crf: int | None = None
    preset: str | None = None
    overwrite: bool = False
    allow_truncated: bool = False


@dataclass
class VideoResult:
    """What the job did: the file written, frames, time and messages."""

    path: Path
    frames: int = 0
    seconds: float = 0.0
    messages: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        return {"path": str(self.path), "frames": self.frames, "seconds": round(self.seconds, 3),
                "fps": round(self.fps, 3), "messages": list(self.messages)}


def default_destination(source: Path, scale: int, codec: str, folder: Path | None = None) -> Path:
    """``NAME_x2.EXT`` in ``folder`` (default: beside the source); .mp4 when the source's container cannot hold
    ``codec`` or is not one we write."""
    suffix = source.suffix.lower()
    if suffix not in (".mp4", ".mkv", ".mov", ".webm", ".m4v") or codec not in _CONTAINER_CODECS.get(suffix, CODECS):
        suffix = ".mp4"
    return (folder or source.parent) / f"{source.stem}_x{scale}{suffix}"


def upscale_video(luma: LumaNetwork, source: str | os.PathLike[str], destination: str | os.PathLike[str] | None,
                  options: VideoOptions | None = None, on_event: EventCallback = ignore_events,
                  cancel: CancelToken | None = None) -> VideoResult:
    """Upscale ``source`` into ``destination`` (a file, a folder, or None for beside the source).

    Returns the :class:`VideoResult`; emits Progress (frames, phase encoding, then the finishing steps, phase
    writing), LogEvent (stream decisions) and ArtefactEvent; raises :class:`SesrError` (one sentence) when it fails
    and :class:`CancelledError` (no partial result: nothing is left behind) when cancelled.
    """
    options = options or VideoOptions()
    cancel = cancel or CancelToken()
    source = Path(source)
    encoder_options(options.codec, options.crf, options.preset)
    info = probe_video(source)
    target = _destination(source, destination, luma.scale, options.codec)
    format_name_for(target)  # an unknown suffix is named as the user gave it, before any temporary file exists
    check_destination(source, target, options.overwrite)
    result = _run(luma, info, target, options, on_event, cancel)
    on_event(ArtefactEvent(str(result.path), "video"))
    return result


def _destination(source: Path, destination: str | os.PathLike[str] | None, scale: int, codec: str) -> Path:
    if destination is None:
        return default_destination(source, scale, codec)
    target = Path(destination)
    if target.is_dir() or not target.suffix:
        ensure_folder(target)
        return default_destination(source, scale, codec, target)
    blocked = folder_problem(target.parent)
    if blocked:
        raise VideoWriteError(f"Cannot write '{target}': {blocked}; choose another output folder.")
    if not target.parent.is_dir():
        raise VideoWriteError(f"Cannot write '{target}': the folder '{target.parent}' does not exist; create it or "
                              "choose another folder.")
    return target


def _run(luma: LumaNetwork, info: VideoInfo, target: Path, options: VideoOptions, on_event: EventCallback,
         cancel: CancelToken) -> VideoResult:
    if info.pixel_format not in NATIVE_PIXEL_FORMATS:
        on_event(LogEvent(f"'{info.path}' is stored as {info.pixel_format}; it is converted to 8-bit 4:2:0 "
                          "(yuv420p) for upscaling.", "warning"))
    with contextlib.suppress(OSError):
        remove_stale_temporaries(target)  # what a killed run left for this output
    temp = _temporary_name(target)  # named before the try, so even an early Ctrl-C cleans it up
    started = time.monotonic()
    try:
        with open_input(info.path) as container:
            plan = open_output(temp, target, info, container, luma.scale, options.codec, options.crf,
                               options.preset)
            for message in plan.messages:
                on_event(LogEvent(message, "warning"))
            pipeline = VideoPipeline(container, info, plan, luma, cancel)
            frames = info.expected_frames
            on_event(Progress(0, _with_finish(frames), "starting", Phase.ENCODING))

            def tick() -> None:
                elapsed = time.monotonic() - started
                rate = pipeline.encoded / elapsed if elapsed > 0 else 0.0
                on_event(Progress(pipeline.encoded, _with_finish(max(frames, pipeline.encoded)),
                                  f"frame {pipeline.encoded}/{frames or '?'}  {rate:.2f} fps", Phase.ENCODING))

            try:
                pipeline.run(tick)
            except BaseException:
                with contextlib.suppress(Exception):
                    plan.container.close()
                raise
            fps = f"{pipeline.encoded / max(time.monotonic() - started, 1e-9):.2f} fps"
            on_event(Progress(pipeline.encoded, _with_finish(pipeline.encoded), f"finishing the file  {fps}",
                              Phase.WRITING))
            plan.container.close()  # writes the trailer (and moves the index to the front for MP4)
        messages = list(plan.messages)
        truncation = _check_complete(info, pipeline, options.allow_truncated)
        if truncation:
            messages.append(truncation)
            on_event(LogEvent(truncation, "warning"))
        _publish(temp, target, options.overwrite)
        done = _with_finish(pipeline.encoded)
        on_event(Progress(done, done, f"written  {fps}", Phase.WRITING))
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(err, (SesrError, CancelledError, KeyboardInterrupt)):
            raise
        if is_out_of_memory(err):
            raise SesrError(out_of_memory_message(info.path)) from None
        if isinstance(err, (OSError, av.error.FFmpegError)):
            raise VideoWriteError(_write_message(target, err)) from None
        raise
    return VideoResult(target, pipeline.encoded, time.monotonic() - started, messages=messages,
                       stage_seconds=dict(pipeline.stage_seconds))


def _with_finish(frames: int) -> float:
    """The job's total work for ``frames`` frames: the frames and the finishing steps (0 when unknown)."""
    return frames * (1 + FINISH_SHARE) + 1 if frames else 0


def _temporary_name(target: Path) -> Path:
    """A hidden name beside ``target``, unique to this process and thread; FFmpeg creates the file itself."""
    return target.parent / f".{target.stem}.{os.getpid()}-{threading.get_ident()}.partial{target.suffix}"


def _check_complete(info: VideoInfo, pipeline: VideoPipeline, allow_truncated: bool) -> str | None:
    """Every frame the input declares must have been read and written; a truncated input is refused, or with
    ``allow_truncated`` accepted and the warning to show returned."""
    if pipeline.decoded == 0:
        raise VideoReadError(f"Cannot upscale '{info.path}': no video frame could be decoded; re-export it.")
    if pipeline.encoded != pipeline.decoded:
        raise SesrError(f"Upscaling '{info.path}' lost frames ({pipeline.encoded} of {pipeline.decoded} written); "
                        "please report this.")
    missing = missing_part(info, pipeline.decoded, pipeline.decoded_end - info.start)
    if missing is None:
        return None
    if not allow_truncated:
        raise VideoReadError(f"Cannot upscale '{info.path}': it is truncated or corrupt ({missing}); re-export or "
                             "re-download it, or allow truncated input (sesr video --allow-truncated) to upscale "
                             "what it holds.")
    return f"'{info.path}' is truncated ({missing}); the output holds only what could be read."


def _publish(temp: Path, target: Path, overwrite: bool) -> None:
    """Flush the finished file to the disk, then rename it into place (a power cut never leaves a final name on a
    file whose data was still in the cache)."""
    descriptor = os.open(temp, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.chmod(temp, new_file_mode(target))
    if target.exists() and not overwrite:
        raise VideoWriteError(f"Cannot write '{target}': the file already exists; choose another name or allow "
                              "overwriting (--overwrite).")
    os.replace(temp, target)


def _write_message(target: Path, err: BaseException) -> str:
    code = getattr(err, "errno", None)
    if code == errno.ENOSPC:
        return f"Cannot write '{target}': the disk is full; free some space or choose another folder."
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Cannot write '{target}': the folder is read-only or not yours; choose another output folder."
    reason = (getattr(err, "strerror", None) or str(err) or type(err).__name__).rstrip(".")
    return f"Cannot write '{target}': {reason}; check the disk and the output folder."
