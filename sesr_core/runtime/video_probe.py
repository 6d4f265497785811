"""What an input video holds, read before the pipeline starts: its streams, size, timing, rotation and colour."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from sesr_core.errors import SesrError
from sesr_core.file_kinds import special_file

NATIVE_PIXEL_FORMATS = ("yuv420p", "yuvj420p")  # 8-bit 4:2:0, processed plane by plane without conversion


class VideoReadError(SesrError):
    """A video file could not be opened or read to the end."""


@dataclass(frozen=True)
class VideoInfo:
    """The video stream's properties and the indexes of the other streams."""

    path: Path
    width: int
    height: int
    pixel_format: str
    frames: int  # from the container index, 0 when unknown
    duration: float  # seconds, 0 when unknown
    rate: Fraction | None
    time_base: Fraction
    display_matrix: tuple[int, ...] | None
    colour: dict[str, int] = field(default_factory=dict)
    sample_aspect_ratio: Fraction | None = None
    video_index: int = 0
    other_streams: tuple[int, ...] = ()
    duration_is_stream: bool = False  # the duration is the video track's own, not the whole container's
    start: float = 0.0  # seconds: the video track's first timestamp

    @property
    def expected_frames(self) -> int:
        """The frame count from the index, else estimated from duration and rate (0 when neither is known)."""
        if self.frames:
            return self.frames
        if self.duration and self.rate:
            return round(self.duration * float(self.rate))
        return 0


def open_input(path: str | os.PathLike[str]) -> av.container.InputContainer:
    """Open a video file for reading, or raise :class:`VideoReadError` with one sentence naming it."""
    path = Path(path)
    special = special_file(path)
    if special:
        raise VideoReadError(f"Cannot read '{path}': {special}.")
    if path.is_dir():
        raise VideoReadError(f"Cannot read '{path}': it is a folder, not a video file; choose a video file.")
    if not path.is_file():
        raise VideoReadError(f"Cannot read '{path}': the file does not exist; check the path.")
    if path.stat().st_size == 0:
        raise VideoReadError(f"Cannot read '{path}': the file is empty (0 bytes); re-export it from the original.")
    try:
        return av.open(str(path), metadata_errors="replace")
    except PermissionError:
        raise VideoReadError(f"Cannot read '{path}': permission denied; check the file's permissions.") from None
    except (av.error.FFmpegError, OSError, ValueError):
        raise VideoReadError(f"Cannot read '{path}': it is truncated or not a video file FFmpeg understands; "
                             "re-export or re-download it.") from None


def probe_video(path: str | os.PathLike[str]) -> VideoInfo:
    """Read the header and the first frame of ``path``'s first video stream."""
    path = Path(path)
    with open_input(path) as container:
        if not container.streams.video:
            raise VideoReadError(f"Cannot upscale '{path}': it has no video stream; choose a video file.")
        if container.format.name == "image2" or container.format.name.endswith("_pipe"):
            raise VideoReadError(f"Cannot upscale '{path}' as a video: it is a still image; use 'sesr upscale' "
                                 "for images.")
        stream = container.streams.video[0]
        first = _first_frame(path, container, stream)
        context = stream.codec_context
        colour = {name: int(getattr(context, name) or 0)
                  for name in ("color_primaries", "color_trc", "colorspace", "color_range")}
        duration = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else 0.0
        duration = duration or _duration_tag(stream.metadata)
        duration_is_stream = bool(duration)
        if not duration and container.duration:
            duration = container.duration / av.time_base
        start = float(stream.start_time * stream.time_base) if stream.start_time and stream.time_base else 0.0
        return VideoInfo(
            path=path, width=first.width, height=first.height, pixel_format=first.format.name,
            frames=int(stream.frames or 0), duration=duration, rate=stream.average_rate or stream.guessed_rate,
            time_base=stream.time_base or Fraction(1, 90000), display_matrix=_display_matrix(first),
            colour=colour, sample_aspect_ratio=context.sample_aspect_ratio, video_index=stream.index,
            other_streams=tuple(s.index for s in container.streams if s.index != stream.index),
            duration_is_stream=duration_is_stream, start=start)


def _duration_tag(metadata: dict) -> float:
    """Seconds from a Matroska track's ``DURATION`` tag (``HH:MM:SS.nnnnnnnnn``), 0 when absent or unreadable."""
    text = metadata.get("DURATION") or metadata.get("duration") or ""
    try:
        hours, minutes, seconds = text.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return 0.0


def _first_frame(path: Path, container, stream) -> av.VideoFrame:
    try:
        for frame in container.decode(stream):
            return frame
    except (av.error.FFmpegError, OSError, ValueError):
        pass
    raise VideoReadError(f"Cannot upscale '{path}': its video stream cannot be decoded (the file may be truncated "
                         "or corrupt); re-export or re-download it.")


def _display_matrix(frame: av.VideoFrame) -> tuple[int, ...] | None:
    """The frame's display matrix (rotation and flips) as FFmpeg's 9 integers, or None when it has none."""
    for side_data in frame.side_data:
        if "DISPLAYMATRIX" in str(side_data.type):
            values = np.frombuffer(bytes(side_data), dtype=np.int32)
            return tuple(int(v) for v in values) if values.size == 9 else None
    return None
