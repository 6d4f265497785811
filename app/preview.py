"""Feeds a ComparePanel: loads (and, when small enough, upscales in memory) the selected image in the background.

Only the latest request matters: a new selection cancels the running preview and starts once it has stopped.
Pixels become QImages in the worker thread, so the GUI thread only swaps pictures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from app.jobs.threads import JobRunner
from app.jobs.upscale import run_preview
from app.qimage import to_qimage
from app.widgets.compare_panel import ComparePanel

MAX_PREVIEW_PIXELS = 4_000_000


@dataclass(frozen=True)
class PreviewRequest:
    source: Path
    output: Path | None
    model_path: Path | None
    threads: int
    scale: int
    model_name: str
    bicubic: bool
    keep_view: bool = False

    def key(self) -> tuple:
        """What the pictures depend on: the output file when there is one, else the model that makes the preview."""
        return (self.source, self.output) if self.output else (self.source, self.model_path)

    def same_images(self, other: PreviewRequest | None) -> bool:
        return other is not None and self.key() == other.key()


@dataclass
class PreviewImages:
    original: QImage
    upscaled: QImage | None
    bicubic: QImage | None
    scale: int
    from_file: bool


def _load(request: PreviewRequest, on_event, cancel) -> PreviewImages:
    result = run_preview(request.source, request.output, request.model_path, request.threads, request.scale,
                         request.bicubic, MAX_PREVIEW_PIXELS, on_event, cancel)
    upscaled = None if result.upscaled is None else to_qimage(result.upscaled, result.upscaled_alpha)
    bicubic = None if result.bicubic is None else to_qimage(result.bicubic)
    return PreviewImages(to_qimage(result.pixels, result.alpha), upscaled, bicubic, result.scale, result.from_file)


class PreviewController:
    """Shows the latest requested image pair in ``panel``."""

    def __init__(self, panel: ComparePanel, owner: QWidget) -> None:
        self.panel = panel
        self.runner = JobRunner(owner)
        self._pending: PreviewRequest | None = None
        self._shown: PreviewRequest | None = None
        self._images: PreviewImages | None = None

    def show(self, source: Path, output: Path | None, model_path: Path | None, threads: int, scale: int,
             model_name: str, keep_view: bool = False) -> None:
        request = PreviewRequest(source, output, model_path, threads, scale, model_name, self.panel.bicubic,
                                 keep_view)
        images = self._images
        if request.same_images(self._shown) and images is not None and (images.bicubic or not request.bicubic):
            self._shown = request
            self._display(request, images, keep_view=True)
            return
        self._pending = request
        self.panel.view.set_message(self._loading_text(request))  # at once: the view never looks idle meanwhile
        if self.runner.busy:
            self.runner.cancel()
        else:
            self._start_pending()

    def cancel(self) -> None:
        self._pending = None
        self.runner.cancel()

    def clear(self) -> None:
        """Nothing selected any more: stop loading and empty the view and its caption."""
        self.cancel()
        self._shown = self._images = None
        self.panel.view.clear()
        self.panel.view.set_message("")
        self.panel.caption.setText("")

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def _start_pending(self) -> None:
        request, self._pending = self._pending, None
        if request is None:
            return
        self.panel.view.set_message(self._loading_text(request))
        thread = self.runner.start(lambda on_event, cancel: _load(request, on_event, cancel), "Preview")
        thread.succeeded.connect(lambda images: self._loaded(request, images))
        thread.failed.connect(self._failed)
        thread.cancelled.connect(lambda _partial: None if self._pending else self.panel.view.set_message(""))
        thread.ended.connect(self._ended)
        thread.start()

    @staticmethod
    def _loading_text(request: PreviewRequest) -> str:
        if request.model_path is None or request.output:
            return f"Loading {request.source.name}…"
        return f"Loading {request.source.name} and upscaling a preview…"

    def _ended(self) -> None:
        if self._pending is not None and not self.runner.busy:
            self._start_pending()

    def _loaded(self, request: PreviewRequest, images: PreviewImages) -> None:
        if self._pending is not None:
            return  # a newer request is waiting; this one is stale
        keep = request.keep_view and self._shown is not None and self._shown.source == request.source
        self._shown, self._images = request, images
        self._display(request, images, keep_view=keep)

    def _failed(self, reason: str) -> None:
        self.panel.view.clear()
        self.panel.view.set_message(reason)

    def _display(self, request: PreviewRequest, images: PreviewImages, keep_view: bool) -> None:
        use_bicubic = request.bicubic and images.bicubic is not None
        before = images.bicubic if use_bicubic else images.original
        before_label = f"Bicubic ×{images.scale}" if use_bicubic else "Original"
        if images.upscaled is None:
            after_label = ""
            message = ("Large image: press Upscale to see the result" if request.model_path
                       else "Choose a model to preview the result")
        else:
            after_label = f"{request.model_name} ×{images.scale}" if not images.from_file else \
                f"Output: {request.output.name if request.output else ''}"
            message = "" if images.from_file else "Preview (not saved yet)"
        self.panel.caption.setText(f"{request.source.name}  ·  {images.original.width()}×"
                                   f"{images.original.height()}")
        self.panel.view.set_images(before, images.upscaled, before_label, after_label, keep_view=keep_view)
        self.panel.view.set_message(message)
