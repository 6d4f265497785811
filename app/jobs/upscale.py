"""The Upscale page's jobs (no Qt): a batch over queued files, and the before/after preview of one image.

The batch reports per-item events so the queue can show each file's state; a failing file is reported and the batch
goes on; a cancel stops inside the current file (the runtime leaves no partial output) and ends the batch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.jobs import runtime_bridge
from sesr_core.errors import CancelledError, SesrError
from sesr_core.imaging.image_read import IMAGE_EXTENSIONS as IMAGE_EXTENSIONS  # for the page
from sesr_core.imaging.image_read import list_images as list_images  # for the page
from sesr_core.jobs import CancelToken, EventCallback, LogEvent, Progress


@dataclass(frozen=True)
class ItemEvent:
    """A queue item's new state: working, done (with output, size, seconds) or failed (with reason)."""

    row: int
    state: str
    output: str = ""
    out_size: tuple[int, int] | None = None
    seconds: float | None = None
    error: str = ""


@dataclass(frozen=True)
class ItemProgress:
    """Progress inside the current item, 0..1."""

    row: int
    fraction: float


@dataclass(frozen=True)
class BatchTask:
    row: int
    source: Path
    target: Path


def run_batch(tasks: list[BatchTask], model_path: Path, threads: int, quality: int | None, overwrite: bool,
              on_event: EventCallback, cancel: CancelToken) -> dict:
    """Upscale every task in order; returns counts of done and failed files."""
    engine = runtime_bridge.Engine(model_path, threads)
    done = failed = 0
    claimed: dict[Path, Path] = {}
    for task in tasks:
        cancel.raise_if_cancelled()
        key = task.target.resolve()
        if key in claimed:
            failed += 1
            on_event(ItemEvent(task.row, "failed", error=f"Cannot write '{task.target}': the output of "
                                                         f"'{claimed[key].name}' has the same name; change the file "
                                                         "name pattern or the format."))
            continue
        claimed[key] = task.source
        on_event(ItemEvent(task.row, "working"))
        started = time.monotonic()

        def forward(event, row=task.row) -> None:
            if isinstance(event, Progress) and event.total:
                on_event(ItemProgress(row, min(1.0, event.done / event.total)))
            elif isinstance(event, LogEvent):
                on_event(event)  # a note such as "only the first frame of an animated GIF is upscaled"

        try:
            written = engine.upscale_file(task.source, task.target, quality, overwrite, forward, cancel)
            image = runtime_bridge.read_size(written)
        except CancelledError:
            on_event(ItemEvent(task.row, "waiting"))
            raise
        except SesrError as err:
            failed += 1
            on_event(ItemEvent(task.row, "failed", error=str(err)))
            continue
        except MemoryError:
            failed += 1
            on_event(ItemEvent(task.row, "failed", error=f"Not enough memory to upscale '{task.source.name}'."))
            continue
        done += 1
        on_event(ItemEvent(task.row, "done", output=str(written), out_size=image,
                           seconds=time.monotonic() - started))
    return {"done": done, "failed": failed}


@dataclass
class PreviewResult:
    """Pixels for the compare view: the input, and optionally its upscaled and bicubic versions."""

    source: Path
    pixels: np.ndarray
    alpha: np.ndarray | None
    upscaled: np.ndarray | None = None
    upscaled_alpha: np.ndarray | None = None
    bicubic: np.ndarray | None = None
    scale: int = 2
    from_file: bool = False


def run_preview(source: Path, output: Path | None, model_path: Path | None, threads: int, scale: int,
                want_bicubic: bool, max_pixels: int, on_event: EventCallback, cancel: CancelToken) -> PreviewResult:
    """Load ``source``; show ``output`` if it exists, else upscale in memory when small enough; bicubic on request."""
    image = runtime_bridge.read_pixels(source)
    result = PreviewResult(source, image.pixels, image.alpha, scale=scale)
    cancel.raise_if_cancelled()
    if output is not None and output.is_file():
        done = runtime_bridge.read_pixels(output)
        result.upscaled, result.upscaled_alpha, result.from_file = done.pixels, done.alpha, True
        result.scale = max(1, round(done.pixels.shape[1] / max(1, image.pixels.shape[1])))
    elif model_path is not None and image.pixels.shape[0] * image.pixels.shape[1] <= max_pixels:
        engine = runtime_bridge.Engine(model_path, threads)
        result.upscaled, result.upscaled_alpha = engine.upscale_pixels(image.pixels, image.alpha, on_event, cancel)
        result.scale = engine.scale
    cancel.raise_if_cancelled()
    if want_bicubic:
        result.bicubic = runtime_bridge.bicubic(image.pixels, result.scale)
    return result
