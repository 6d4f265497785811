"""Demo material for screenshots and tests: the shipped sample photos, and a short clip with sound made from one."""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import numpy as np


def samples_dir() -> Path:
    """resources/samples in a checkout or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    root = Path(bundle) if bundle else Path(__file__).resolve().parent.parent
    return root / "resources" / "samples"


def sample_images() -> list[Path]:
    folder = samples_dir()
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg")) if folder.is_dir() \
        else []


def make_clip(path: Path, source: np.ndarray, seconds: float = 2.0, fps: int = 24, size: tuple[int, int] = (320, 240),
              audio: bool = True) -> Path:
    """Write an H.264 clip that pans across ``source`` (RGB uint8), with a 440 Hz AAC tone when ``audio``."""
    import av

    width, height = size
    frames = max(1, round(seconds * fps))
    span_x = max(0, source.shape[1] - width)
    span_y = max(0, source.shape[0] - height)
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "20"}
        sound = container.add_stream("aac", rate=44100) if audio else None
        if sound is not None:
            sound.layout = "stereo"
        for index in range(frames):
            t = index / max(1, frames - 1)
            x, y = int(span_x * t), int(span_y * t * 0.5)
            crop = np.ascontiguousarray(source[y:y + height, x:x + width])
            if crop.shape[:2] != (height, width):
                crop = np.ascontiguousarray(np.resize(crop, (height, width, 3)))
            frame = av.VideoFrame.from_ndarray(crop, format="rgb24")
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        if sound is not None:
            samples_total = int(seconds * 44100)
            step = 1024
            for start in range(0, samples_total, step):
                n = min(step, samples_total - start)
                t = (np.arange(start, start + n) / 44100.0).astype(np.float32)
                tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
                frame = av.AudioFrame.from_ndarray(np.stack([tone, tone]).reshape(1, -1), format="flt",
                                                   layout="stereo")
                frame.sample_rate = 44100
                frame.pts = start
                frame.time_base = Fraction(1, 44100)
                for packet in sound.encode(frame):
                    container.mux(packet)
            for packet in sound.encode():
                container.mux(packet)
    return path
