"""``--model auto`` for a batch of images: each file goes through the clean or the photo model of the scale, as
:mod:`sesr_core.runtime.model_choice` decides from the file itself; each model is loaded once, when first needed."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from sesr_core.jobs import CancelToken, EventCallback, ignore_events
from sesr_core.runtime.batch import BatchItem, BatchResult, plan_batch, run_batch
from sesr_core.runtime.image_file import ImageOptions
from sesr_core.runtime.model_choice import choose_model
from sesr_core.runtime.shard import Shard, select_shard
from sesr_core.runtime.upscaler import Upscaler


class AutoUpscaler:
    """Upscales files with the model each one needs; ``clean`` (the default model of the scale) is loaded at once,
    so that a bad engine or thread setting is reported before the first file."""

    def __init__(self, *, scale: int | None = None, threads: int | None = None, engine: str | None = None) -> None:
        self.scale = scale or 2
        self._options = {"threads": threads, "engine": engine}
        self.clean = Upscaler(None, scale=self.scale, **self._options)
        self._loaded: dict[str, Upscaler] = {self.clean.name: self.clean}

    @property
    def engine_choice(self):
        return self.clean.engine_choice

    def describe(self) -> str:
        return f"the model each file needs (auto, x{self.scale}, {self.clean.engine_choice.label})"

    def upscaler_for(self, name: str) -> Upscaler:
        """The loaded upscaler of catalog model ``name`` (loaded on first use)."""
        if name not in self._loaded:
            self._loaded[name] = Upscaler(name, scale=self.scale, **self._options)
        return self._loaded[name]

    def plan(self, inputs: Sequence[str | os.PathLike[str]], output: str | os.PathLike[str] | None = None, *,
             recursive: bool = False, format: str | None = None, shard: Shard | None = None) -> list[BatchItem]:
        """Where each input of ``shard`` (all without one) goes and which model it gets, with the reason."""
        items = plan_batch([Path(p) for p in inputs], self.scale, output, recursive, format)
        items = select_shard(items, [item.key for item in items], shard)
        chosen = []
        for item in items:
            choice = choose_model(item.source, self.scale)
            chosen.append(replace(item, model=choice.entry.name, reason=choice.reason))
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
