"""The Upscale page's jobs (no Qt): an adapter over the core's batch for the queue, and the preview of one image.

The batch is :func:`sesr_core.runtime.batch.run_batch`, the one ``sesr upscale`` runs: the same rules (duplicate
outputs, failures that do not stop the batch, no partial file on cancel) and the same sentences. The model of each
row is the automatic choice of ``sesr upscale --model auto`` unless the user picked one; a JPEG-aware family, picked
or chosen, gives each row the family's file for the image's JPEG quality, as ``sesr upscale`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from app.jobs import runtime_bridge
from sesr_core.imaging.image_read import IMAGE_EXTENSIONS as IMAGE_EXTENSIONS  # for the page
from sesr_core.jobs import CancelToken, EventCallback, ItemEvent, ItemState, LogEvent, Progress  # noqa: F401 (page)
from sesr_core.models.catalog import CatalogEntry
from sesr_core.runtime.batch import BatchResult


@dataclass(frozen=True)
class QueueTask:
    """One queue row to upscale: its input, its output file, and the model it gets (path, name, and why)."""

    row: int
    source: Path
    target: Path
    model_path: Path
    model: str
    reason: str = ""


@dataclass(frozen=True)
class RowProgress:
    """How far the job is into one queue row (0..1 over reading, network and writing) and in which phase."""

    row: int
    fraction: float
    phase: str


@dataclass(frozen=True)
class ChosenModel:
    """The catalog model the automatic choice (``sesr upscale --model auto``) gives an image, and why."""

    name: str
    path: Path
    reason: str


def choose_model(path: Path, scale: int) -> ChosenModel:
    """The clean or photo model of ``scale`` for the image at ``path``: the core's rule, as the CLI applies it."""
    from sesr_core.runtime.model_choice import choose_model as core_choice

    choice = core_choice(path, scale)
    return ChosenModel(choice.entry.name, choice.entry.path, choice.reason)


def family_file(path: Path, model: CatalogEntry, why: str, kind: str = "image") -> ChosenModel:
    """The model a picked ``model`` gives the image (or ``kind`` "video") at ``path``: a JPEG-aware family's file for
    the input's quality (``why`` it was picked, then which file and why), else ``model`` itself because of ``why``."""
    from sesr_core.runtime.model_choice import choose_family_file

    choice = choose_family_file(path, model, kind)
    reason = f"{why}; {choice.reason}" if choice.reason else why
    return ChosenModel(choice.entry.name, choice.entry.path, reason)


def folder_images(folder: Path) -> tuple[list[Path], list[Path]]:
    """(images to queue, our own results left out) of a folder, as ``sesr upscale FOLDER`` lists them."""
    from sesr_core.runtime.own_outputs import folder_inputs

    return folder_inputs(folder)


def keep_both_name(target: Path) -> Path:
    """A free name beside ``target`` for "Keep both": ``NAME (2).EXT``, ``NAME (3).EXT``..."""
    from sesr_core.runtime.image_file import free_name

    return free_name(target)


def run_queue(tasks: list[QueueTask], scale: int, threads: int, quality: int | None, overwrite: bool,
              on_event: EventCallback, cancel: CancelToken) -> BatchResult:
    """Upscale the queue's rows with the core's batch (:func:`sesr_core.runtime.batch.run_batch`): its rules, its
    sentences, its events, with each item's ``index`` (ItemEvent) and ``item`` (Progress) turned into its row."""
    from sesr_core.runtime.batch import BatchItem, plan_work
    from sesr_core.runtime.batch import run_batch as core_run_batch
    from sesr_core.runtime.image_file import ImageOptions

    engines: dict[Path, runtime_bridge.Engine] = {}
    model_of = {t.source: t.model_path for t in tasks}

    def network_for(item: BatchItem):
        path = model_of[item.source]
        if path not in engines:
            engines[path] = runtime_bridge.Engine(path, threads)
        return engines[path].upscaler.luma

    def forward(event) -> None:
        if isinstance(event, ItemEvent):
            event = replace(event, index=tasks[event.index].row)
        elif isinstance(event, Progress) and event.item is not None:
            work = works[event.item]
            on_event(RowProgress(tasks[event.item].row, (event.done - work.base) / work.total,
                                 str(event.phase or "")))
            event = replace(event, item=tasks[event.item].row)
        on_event(event)

    items = [BatchItem(t.source, t.target, t.source.name, t.model, t.reason) for t in tasks]
    works = plan_work(items, scale)  # as run_batch plans them (the format is the target's suffix)
    try:
        return core_run_batch(network_for, items, ImageOptions(None, quality, overwrite), forward, cancel,
                              scale=scale)
    finally:
        for engine in engines.values():
            engine.upscaler.close()


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
