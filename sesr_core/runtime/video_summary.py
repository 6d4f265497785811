"""What a user is shown about a video before upscaling it: one typed record, read from the file in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sesr_core.runtime.video_probe import open_input, probe_video


@dataclass(frozen=True)
class AudioTrack:
    """An audio stream (copied unchanged into the output)."""

    codec: str
    channels: int
    rate: int
    language: str = ""


@dataclass(frozen=True)
class SubtitleTrack:
    """A subtitle stream (copied unchanged into the output)."""

    codec: str
    language: str = ""


@dataclass(frozen=True)
class VideoSummary:
    """A video's properties: the runtime's probe (which refuses what it cannot upscale) and the container's tracks.
    ``fps``, ``duration`` and ``frames`` are 0 when unknown."""

    path: Path
    container: str
    width: int
    height: int
    fps: float
    duration: float
    frames: int
    codec: str
    pixel_format: str
    bit_rate: int
    rotated: bool
    audio: tuple[AudioTrack, ...]
    subtitles: tuple[SubtitleTrack, ...]
    size_bytes: int

    def output_size(self, scale: int) -> tuple[int, int]:
        return self.width * scale, self.height * scale


def summarise_video(path: str | os.PathLike[str]) -> VideoSummary:
    """Read a video's :class:`VideoSummary`; raises :class:`~sesr_core.errors.SesrError` (one sentence) for a file
    that cannot be upscaled."""
    path = Path(path)
    info = probe_video(path)
    with open_input(path) as container:
        video = container.streams.video[0]
        audio = tuple(AudioTrack(s.codec_context.name, s.codec_context.channels or 0, s.codec_context.sample_rate or 0,
                                 s.metadata.get("language", "")) for s in container.streams.audio)
        subtitles = tuple(SubtitleTrack(s.codec_context.name if s.codec_context else "?",
                                        s.metadata.get("language", "")) for s in container.streams.subtitles)
        return VideoSummary(path, container.format.long_name or container.format.name, info.width, info.height,
                            float(info.rate or 0), info.duration or 0.0, info.expected_frames, video.codec_context.name,
                            info.pixel_format, container.bit_rate or 0, bool(info.display_matrix), audio, subtitles,
                            path.stat().st_size)
