"""Where the app's jobs meet the inference runtime (sesr_core.runtime): the engine, image and video files, codecs.
The queue's batch is the core's own (app/jobs/upscale.py calls sesr_core.runtime.batch.run_batch)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.engine_setting import engine_request
from app.settings import Settings
from sesr_core.jobs import CancelToken, EventCallback, LogEvent, Progress, ignore_events

MATLAB_BICUBIC_MAX_PIXELS = 1_000_000  # above this the compare view's bicubic is the runtime's (MATLAB's is slow)


class Engine:
    """An upscaling model ready to run (sesr_core's Upscaler): images in memory and files on disk. ``engine`` is
    openvino, litert or None for the saved preference (auto unless the Preferences name one)."""

    def __init__(self, model_path: str | Path, threads: int | None = None, engine: str | None = None) -> None:
        from sesr_core.runtime.upscaler import Upscaler

        self.upscaler = Upscaler(Path(model_path), threads=threads, engine=engine or engine_request())
        self.scale = self.upscaler.scale
        self.path = Path(model_path)

    def upscale_pixels(self, pixels: np.ndarray, alpha: np.ndarray | None = None,
                       on_event: EventCallback = ignore_events,
                       cancel: CancelToken | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Upscale 8/16-bit grey or RGB pixels (and alpha); returns arrays of the same dtype."""
        return self.upscaler.upscale_array(pixels, alpha, cancel=cancel,
                                           on_progress=lambda done, total: on_event(Progress(done, total)))

    def upscale_file(self, source: Path, target: Path, quality: int | None, overwrite: bool,
                     on_event: EventCallback = ignore_events, cancel: CancelToken | None = None) -> Path:
        """Upscale one image file into ``target`` (format from its suffix), atomically; returns the written path."""
        return self.upscaler.upscale_file(source, target, quality=quality, overwrite=overwrite, cancel=cancel,
                                          on_progress=lambda done, total: on_event(Progress(done, total)),
                                          on_note=lambda note: on_event(LogEvent(note, "warning")))


def describe_engine(requested: str | None, model_path: Path | None, threads: int | None) -> str:
    """``OpenVINO (auto)`` / ``auto (measured on first use)`` / ``LiteRT``: the engine a job would use, from
    auto's cached measurement only (nothing is timed here)."""
    from sesr_core.errors import SesrError
    from sesr_core.runtime.engine import ENGINE_LABELS, check_engine_name
    from sesr_core.runtime.engine_choice import auto_choice
    from sesr_core.runtime.interpreter import default_threads

    try:
        name = check_engine_name(requested)
    except SesrError:
        return "unknown (check SESR_ENGINE)"
    if name != "auto":
        return ENGINE_LABELS[name]
    choice = auto_choice(Path(model_path), threads or default_threads(), measure=False) if model_path else None
    if choice is None:
        return "auto (measured on first use)"
    twin = ", fp32 twin" if choice.path != Path(model_path) else ""
    return f"{choice.label}{twin} (auto)"


def engine_status(model_path: Path | None, threads: int | None, settings: Settings | None = None) -> str:
    """``Engine: OpenVINO (auto)`` for the status bar, without measuring anything (auto's pick once measured)."""
    return "Engine: " + describe_engine(engine_request(settings), model_path, threads)


def engine_timings(model_path: Path | None, threads: int | None) -> dict[str, float]:
    """What auto measured for a model (label -> ms per 1080p frame), empty if it has not run yet."""
    from sesr_core.runtime.engine_choice import auto_choice
    from sesr_core.runtime.interpreter import default_threads

    choice = auto_choice(Path(model_path), threads or default_threads(), measure=False) if model_path else None
    return dict(choice.timings) if choice else {}


def read_pixels(path: Path):
    """The decoded image (pixels, alpha, bit depth...) as sesr_core reads it."""
    from sesr_core.imaging.image_read import read_image

    return read_image(path)


def bicubic(pixels: np.ndarray, scale: int) -> np.ndarray:
    """The bicubic enlargement for the compare view's "bicubic instead of original" switch.

    MATLAB's (the field's baseline) up to a megapixel; the runtime's Keys a = -0.75 bicubic above, where MATLAB's
    would take many seconds.
    """
    if pixels.shape[0] * pixels.shape[1] <= MATLAB_BICUBIC_MAX_PIXELS:
        from sesr_core.imaging.matlab_imresize import bicubic_upscale

        return bicubic_upscale(pixels, scale)
    from sesr_core.runtime.luma import upscale_bicubic

    return upscale_bicubic(pixels, scale)


def read_size(path: Path) -> tuple[int, int]:
    """(width, height) of an image file from its header."""
    from PIL import Image

    with Image.open(path) as image:
        return image.size


# ---------------------------------------------------------------------------------------------------- video

VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg", ".ts", ".wmv", ".flv")
CODEC_LABELS = {"h264": "H.264 (libx264)", "hevc": "HEVC (libx265)", "vp9": "VP9 (libvpx)", "av1": "AV1 (SVT-AV1)"}


@dataclass(frozen=True)
class CodecInfo:
    """What the Video page offers for one codec: its CRF range and default, its presets and default preset."""

    name: str
    label: str
    crf_range: tuple[int, int]
    crf: int
    presets: tuple[str, ...]
    preset: str


def video_codecs() -> list[CodecInfo]:
    """The runtime's video codecs, in its order."""
    from sesr_core.runtime.video_output import CODECS

    return [CodecInfo(name, CODEC_LABELS.get(name, name), choice.crf_range, choice.crf, choice.presets, choice.preset)
            for name, choice in CODECS.items()]


def default_video_output(source: Path, scale: int, codec: str) -> Path:
    """Where the runtime puts the result when no file is named: ``NAME_x2.EXT`` beside the input."""
    from sesr_core.runtime.video_file import default_destination

    return default_destination(source, scale, codec)


def upscale_video(source: Path, target: Path | None, model_path: Path, threads: int | None, codec: str, crf: int,
                  preset: str, overwrite: bool, on_event: EventCallback, cancel: CancelToken):
    """Upscale a video file (audio and subtitles copied); returns the runtime's VideoResult."""
    engine = Engine(model_path, threads)
    return engine.upscaler.upscale_video(source, target, codec=codec, crf=crf, preset=preset, overwrite=overwrite,
                                         cancel=cancel, on_event=on_event)


def probe_video(path: Path):
    """The Video page's :class:`~sesr_core.runtime.video_summary.VideoSummary` of a file (one sentence, as a
    SesrError, for what cannot be upscaled)."""
    from sesr_core.runtime.video_summary import summarise_video

    return summarise_video(path)


def read_frame(path: Path, seconds: float) -> np.ndarray:
    """The RGB frame shown at ``seconds`` (the first frame at or after it), for the one-frame preview."""
    from sesr_core.errors import SesrError
    from sesr_core.runtime.video_probe import open_input

    with open_input(path) as container:
        stream = container.streams.video[0]
        if seconds > 0 and stream.time_base:
            container.seek(int(seconds / stream.time_base), stream=stream, backward=True)
        last = None
        for frame in container.decode(stream):
            last = frame
            if frame.time is None or frame.time >= seconds - 1e-3:
                return frame.to_ndarray(format="rgb24")
        if last is not None:
            return last.to_ndarray(format="rgb24")
    raise SesrError(f"'{path}' has no frame at {seconds:.2f} s; choose an earlier time.")

