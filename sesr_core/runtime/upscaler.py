"""The inference engine's front door: an :class:`Upscaler` for numpy images, image files, folders and videos.

The CLI (``sesr upscale``, ``sesr video``) and the desktop app both sit on it. Every method that takes a while
reports :mod:`sesr_core.jobs` events through ``on_event`` and honours a :class:`~sesr_core.jobs.CancelToken`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from sesr_core.errors import ModelError
from sesr_core.jobs import CancelToken, EventCallback, ignore_events
from sesr_core.models.catalog import default_model, find_model
from sesr_core.models.presets import SCALES
from sesr_core.runtime.batch import BatchItem, BatchResult, plan_batch, run_batch
from sesr_core.runtime.engine_choice import EngineChoice, choose_engine
from sesr_core.runtime.image_file import ImageOptions, ensure_folder, upscale_image_file
from sesr_core.runtime.luma import LumaNetwork
from sesr_core.runtime.shard import Shard, select_shard
from sesr_core.runtime.sr_model import SRModel
from sesr_core.runtime.tiled_upscale import TileProgress, upscale_pixels
from sesr_core.thread_count import check_threads


def resolve_model(model: str | os.PathLike[str] | None, scale: int | None) -> tuple[Path, str]:
    """(path, display name) of a catalog name, a .tflite path, or the default model for ``scale`` (x2 if None)."""
    if scale is not None and scale not in SCALES:
        raise ModelError(f"Scale x{scale} is not supported; use 2 or 4.")
    if model is None:
        entry = default_model(scale or 2)
        return entry.path, entry.name
    found = find_model(str(model), scale)
    return found.path, found.name


class Upscaler:
    """An SESR model ready to upscale: ``model`` is a catalog name, a .tflite path, or None for the default.

    ``scale`` picks the default model (and is checked against a named one); ``threads`` defaults to all cores;
    ``engine`` is auto (the fastest here, measured once; it may run the model's fp32 twin), openvino or litert
    (the named file as it is); None reads ``SESR_ENGINE``, else auto.
    """

    def __init__(self, model: str | os.PathLike[str] | None = None, *, scale: int | None = None,
                 threads: int | None = None, engine: str | None = None) -> None:
        check_threads(threads)
        path, self.name = resolve_model(model, scale)
        self.requested_path = path
        SRModel.check(path)  # a clear sentence for a bad file before any engine is timed on it
        self.engine_choice: EngineChoice = choose_engine(engine, path, threads)
        self.model = SRModel(self.engine_choice.path, threads, self.engine_choice.engine)
        if scale is not None and self.model.scale != scale:
            raise ModelError(f"'{path}' is an x{self.model.scale} model, not x{scale}; pass --scale "
                             f"{self.model.scale} or choose an x{scale} model.")
        self.luma = LumaNetwork(self.model)

    @property
    def scale(self) -> int:
        return self.model.scale

    @property
    def path(self) -> Path:
        return self.model.path

    @property
    def precision(self) -> str:
        return self.model.precision

    @property
    def receptive_radius(self) -> int:
        return self.model.receptive_radius

    @property
    def engine(self) -> str:
        return self.model.engine_name

    @property
    def runs_twin(self) -> bool:
        """Whether auto chose the model's fp32 twin over the named file."""
        return self.engine_choice.path != self.requested_path

    def describe(self) -> str:
        """``NAME (x2, int8, OpenVINO)``; ``fp32 twin`` when auto runs the model's fp32 twin."""
        precision = "fp32 twin" if self.runs_twin else self.precision
        return f"{self.name} (x{self.scale}, {precision}, {self.engine_choice.label})"

    def close(self) -> None:
        """Release the engine (and what it compiled); the upscaler cannot run afterwards."""
        self.model.close()

    # ------------------------------------------------------------------------------------------------ images

    def upscale_array(self, pixels: np.ndarray, alpha: np.ndarray | None = None, *,
                      cancel: CancelToken | None = None, on_progress: TileProgress | None = None,
                      tile_size: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Upscale HxW or HxWx3 uint8/uint16 pixels (and optional HxW alpha); returns (pixels, alpha).

        ``tile_size`` forces square tiles of that core size (the result is the same, byte for byte)."""
        return upscale_pixels(self.luma, pixels, alpha, cancel=cancel, on_progress=on_progress,
                              tile_size=tile_size)

    def upscale_file(self, source: str | os.PathLike[str], destination: str | os.PathLike[str] | None = None, *,
                     format: str | None = None, quality: int | None = None, overwrite: bool = False,
                     cancel: CancelToken | None = None, on_progress: TileProgress | None = None,
                     on_note: Callable[[str], None] | None = None) -> Path:
        """Upscale one image file (default destination: ``NAME_x2.EXT`` beside it); returns the path written.
        ``on_note`` hears notes such as "only the first frame of an animated GIF is upscaled"."""
        options = ImageOptions(format, quality, overwrite)
        items = plan_batch([source], self.scale, destination, fmt=format)
        ensure_folder(items[0].destination.parent)
        return upscale_image_file(self.luma, items[0].source, items[0].destination, options, cancel, on_progress,
                                  on_note)

    def plan(self, inputs: Sequence[str | os.PathLike[str]], output: str | os.PathLike[str] | None = None, *,
             recursive: bool = False, format: str | None = None, shard: Shard | None = None) -> list[BatchItem]:
        """Where each input image's output would go (see :func:`~sesr_core.runtime.batch.plan_batch`); only the
        images of ``shard`` when one is given."""
        items = plan_batch([Path(p) for p in inputs], self.scale, output, recursive, format)
        return select_shard(items, [item.key for item in items], shard)

    def upscale_files(self, inputs: Sequence[str | os.PathLike[str]], output: str | os.PathLike[str] | None = None,
                      *, recursive: bool = False, format: str | None = None, quality: int | None = None,
                      overwrite: bool = False, cancel: CancelToken | None = None,
                      on_event: EventCallback = ignore_events, shard: Shard | None = None,
                      skip_existing: bool = False, items: Sequence[BatchItem] | None = None) -> BatchResult:
        """Upscale image files and folders; failed files are listed in the result and the batch goes on.

        ``shard`` takes only its part of the inputs; ``skip_existing`` leaves outputs that are already complete."""
        options = ImageOptions(format, quality, overwrite)
        if items is None:
            items = self.plan(inputs, output, recursive=recursive, format=format, shard=shard)
        return run_batch(self.luma, list(items), options, on_event, cancel, skip_existing)

    # ------------------------------------------------------------------------------------------------- video

    def upscale_video(self, source: str | os.PathLike[str], destination: str | os.PathLike[str] | None = None, *,
                      codec: str = "h264", crf: int | None = None, preset: str | None = None,
                      overwrite: bool = False, allow_truncated: bool = False, cancel: CancelToken | None = None,
                      on_event: EventCallback = ignore_events):
        """Upscale a video (default destination: ``NAME_x2.EXT`` beside it); returns a VideoResult.

        An input that ends before its declared end is refused unless ``allow_truncated``."""
        from sesr_core.runtime.video_file import VideoOptions, upscale_video

        options = VideoOptions(codec=codec, crf=crf, preset=preset, overwrite=overwrite,
                               allow_truncated=allow_truncated)
        return upscale_video(self.luma, source, destination, options, on_event, cancel)
