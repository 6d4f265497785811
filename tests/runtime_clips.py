"""Small test videos made with PyAV: moving gradients, optional AAC sine audio, subtitles, VFR timestamps."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

SAMPLE_RATE = 44100


def frame_image(index: int, width: int, height: int) -> np.ndarray:
    """An RGB frame with a moving diagonal gradient and a bright square (something to upscale and encode)."""
    y, x = np.mgrid[0:height, 0:width]
    base = (x * 3 + y * 2 + index * 5) % 256
    rgb = np.dstack([base, (base * 0.7 + 40) % 256, 255 - base]).astype(np.uint8)
    top, left = (index * 2) % max(1, height - 8), (index * 3) % max(1, width - 8)
    rgb[top:top + 8, left:left + 8] = 250
    return rgb


def make_clip(path: Path, *, width: int = 64, height: int = 48, frames: int = 20, codec: str = "libx264",
              pts: list[int] | None = None, time_base: Fraction = Fraction(1, 25), audio: bool = True,
              rotation: int | None = None, subtitles: bool = False, faststart: bool = False) -> Path:
    """Write a clip; ``pts`` (in ``time_base`` units) gives variable frame timing."""
    container = av.open(str(path), "w", options={"movflags": "+faststart"} if faststart else {})
    video = container.add_stream(codec, rate=25, options={"preset": "ultrafast"} if codec == "libx264" else {})
    video.width, video.height, video.pix_fmt = width, height, "yuv420p"
    video.codec_context.time_base = time_base
    context = video.codec_context
    context.color_primaries, context.color_trc, context.colorspace, context.color_range = 1, 1, 1, 1  # BT.709, TV
    if rotation is not None:
        video.set_display_rotation(rotation)
    sound = container.add_stream("aac", rate=SAMPLE_RATE) if audio else None
    if sound is not None:
        sound.layout = "mono"
    text = container.add_mux_stream("subrip") if subtitles else None
    if text is not None:
        text.time_base = Fraction(1, 1000)
    timestamps = pts or list(range(frames))
    for index, stamp in enumerate(timestamps):
        frame = av.VideoFrame.from_ndarray(frame_image(index, width, height), format="rgb24").reformat(
            format="yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG")
        frame.pts, frame.time_base = stamp, time_base
        container.mux(video.encode(frame))
        if text is not None and index % 8 == 2:
            packet = av.Packet(f"subtitle {index}".encode())
            packet.pts = packet.dts = int(stamp * time_base * 1000)
            packet.duration, packet.time_base, packet.stream = 300, Fraction(1, 1000), text
            container.mux(packet)
    container.mux(video.encode(None))
    if sound is not None:
        seconds = float((timestamps[-1] + 1) * time_base)
        samples = int(seconds * SAMPLE_RATE)
        for start in range(0, samples, 1024):
            t = (np.arange(start, min(samples, start + 1024)) / SAMPLE_RATE).astype(np.float32)
            chunk = av.AudioFrame.from_ndarray((0.3 * np.sin(2 * np.pi * 440 * t))[None], format="fltp",
                                               layout="mono")
            chunk.sample_rate, chunk.pts = SAMPLE_RATE, start
            container.mux(sound.encode(chunk))
        container.mux(sound.encode(None))
    container.close()
    return path


def make_audio_only(path: Path) -> Path:
    """An .mp4 holding only an AAC track."""
    container = av.open(str(path), "w")
    sound = container.add_stream("aac", rate=SAMPLE_RATE)
    sound.layout = "mono"
    for start in range(0, SAMPLE_RATE // 2, 1024):
        chunk = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        chunk.sample_rate, chunk.pts = SAMPLE_RATE, start
        container.mux(sound.encode(chunk))
    container.mux(sound.encode(None))
    container.close()
    return path


def packets(path: Path, kind: str) -> list[tuple[bytes, float | None]]:
    """(payload, time in seconds) of every non-empty packet of the first stream of ``kind``."""
    with av.open(str(path)) as container:
        stream = getattr(container.streams, kind)[0]
        return [(bytes(p), float(p.pts * p.time_base) if p.pts is not None else None)
                for p in container.demux(stream) if p.size]


def decoded_frames(path: Path) -> list[av.VideoFrame]:
    with av.open(str(path)) as container:
        return list(container.decode(video=0))
