"""Image batches whose files get different models: ``--model auto`` (the clean or the photo model of the scale, as
:mod:`sesr_core.runtime.model_choice` decides from each file) and a JPEG-aware family named by the user (the family's
file for each file's JPEG quality); each model is loaded once, when first needed."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from sesr_core.jobs import CancelToken, EventCallback, ignore_events
from sesr_core.models.catalog import CatalogEntry
from sesr_core.runtime.batch import BatchItem, BatchResult, plan_batch, run_batch
from sesr_core.runtime.image_file import ImageOptions
from sesr_core.runtime.model_choice import ModelChoice, choose_family_file, choose_model
from sesr_core.runtime.shard import Shard, select_shard
from sesr_core.runtime.upscaler import Upscaler


class AutoUpscaler:
    """Upscales files with the model each one needs: ``family`` (a JPEG-aware family's lossless entry) gives each
    file the family's file for its quality; without it, ``--model auto``. The family's lossless file (or, for auto,
    the default model of the scale) is loaded at once, so that a bad engine or thread setting is reported before the
    first file."""

    def __init__(self, *, scale: int | None = None, threads: int | None = None, engine: str | None = None,
                 family: CatalogEntry | None = None) -> None:
        self.family = family
        self.scale = family.scale if family is not None else scale or 2
        self._options = {"threads": threads, "engine": engine}
        self.clean = Upscaler(family.path if family is not None else None, scale=self.scale, **self._options)
        self._loaded: dict[str, Upscaler] = {str(self.clean.requested_path): self.clean}
        self._paths: dict[str, Path] = {}

    @property
    def name(self) -> str:
        return self.family.name if self.family is not None else "auto"

    @property
    def engine_choice(self):
        return self.clean.engine_choice

    def describe(self) -> str:
        if self.family is not None:
            return (f"{self.family.name}, its file for each image's JPEG quality (x{self.scale}, "
                    f"{self.clean.engine_choice.label})")
        return f"the model each file needs (auto, x{self.scale}, {self.clean.engine_choice.label})"

    def choose(self, path: str | os.PathLike[str]) -> ModelChoice:
        """The model for the image at ``path``, and why."""
        if self.family is not None:
            return choose_family_file(path, self.family)
        return choose_model(path, self.scale)

    def upscaler_for(self, name: str) -> Upscaler:
        """The loaded upscaler of catalog model ``name`` (loaded on first use)."""
        key = str(self._paths.get(name, name))
        if key not in self._loaded:
            self._loaded[key] = Upscaler(self._paths.get(name, name), scale=self.scale, **self._options)
        return self._loaded[key]

    def plan(self, inputs: Sequence[str | os.PathLike[str]], output: str | os.PathLike[str] | None = None, *,
             recursive: bool = False, format: str | None = None, shard: Shard | None = None) -> list[BatchItem]:
        """Where each input of ``shard`` (all without one) goes and which model it gets, with the reason."""
        items = plan_batch([Path(p) for p in inputs], self.scale, output, recursive, format)
        items = select_shard(items, [item.key for item in items], shard)
        chosen = []
        for item in items:
            choice = self.choose(item.source)
            self._paths[choice.entry.name] = choice.entry.path
            chosen.append(replace(item, model=choice.entry.name, reason=choice.reason,
                                  jpeg_quality=choice.jpeg_quality))
        return chosen

    def upscale_files(self, inputs: Sequence[str | os.PathLike[str]], output: str | os.PathLike[str] | None = None,
                      *, recursive: bool = False, format: str | None = None, quality: int | None = None,
                      overwrite: bool = False, cancel: CancelToken | None = None,
                      on_event: EventCallback = ignore_events, shard: Shard | None = None,
                      skip_existing: bool = False, items: Sequence[BatchItem] | None = None) -> BatchResult:
        """Upscale image files and folders, each with its model; ``items`` from :meth:`plan` skips planning again.

        ``shard`` and ``skip_existing`` as for :meth:`Upscaler.upscale_files`."""
        options = ImageOptions(format, quality, overwrite)
        if items is None:
            items = self.plan(inputs, output, recursive=recursive, format=format, shard=shard)
        return run_batch(lambda item: self.upscaler_for(item.model).luma, list(items), options, on_event, cancel,
                         skip_existing, self.scale)

    def close(self) -> None:
        for upscaler in self._loaded.values():
            upscaler.close()
