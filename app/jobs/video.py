"""The Video page's jobs (no widgets): one frame before and after, and the whole conversion."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QImage

from app.jobs import runtime_bridge
from app.jobs.upscale import ChosenModel, family_file
from app.qimage import to_qimage
from sesr_core.jobs import CancelToken, EventCallback
from sesr_core.models.catalog import CatalogEntry
from sesr_core.runtime.video_summary import VideoSummary as VideoSummary  # the probe's record, for the page


@dataclass
class FramePreview:
    """A frame as QImages (made in the worker): original, upscaled (None without a model), bicubic on request."""

    seconds: float
    original: QImage
    upscaled: QImage | None
    bicubic: QImage | None
    scale: int
    model: str = ""  # the model that upscaled it


def video_model(path: Path, model: CatalogEntry) -> ChosenModel:
    """The model a video gets from the picked ``model``: a JPEG-aware family's file for the video's codec and rate
    (as ``sesr video --model FAMILY`` chooses it), else ``model`` itself."""
    return family_file(path, model, "chosen in the model picker", "video")


def preview_frame(path: Path, seconds: float, model_path: Path | None, threads: int | None, want_bicubic: bool,
                  on_event: EventCallback, cancel: CancelToken, model: str = "") -> FramePreview:
    """Decode the frame at ``seconds`` and upscale it with the model (named ``model``; and bicubically, when
    asked)."""
    pixels = runtime_bridge.read_frame(path, seconds)
    cancel.raise_if_cancelled()
    upscaled, scale = None, 2
    if model_path is not None:
        engine = runtime_bridge.Engine(model_path, threads)
        scale = engine.scale
        upscaled, _alpha = engine.upscale_pixels(pixels, None, on_event, cancel)
    cancel.raise_if_cancelled()
    bicubic = runtime_bridge.bicubic(pixels, scale) if want_bicubic else None
    return FramePreview(seconds, to_qimage(pixels), None if upscaled is None else to_qimage(upscaled),
                        None if bicubic is None else to_qimage(bicubic), scale, model)


def run_video(source: Path, target: Path | None, model_path: Path, threads: int | None, codec: str, crf: int,
              preset: str, overwrite: bool, on_event: EventCallback, cancel: CancelToken):
    """Upscale a whole video (audio and subtitles copied) through the runtime; returns its VideoResult."""
    return runtime_bridge.upscale_video(source, target, model_path, threads, codec, crf, preset, overwrite, on_event,
                                        cancel)
