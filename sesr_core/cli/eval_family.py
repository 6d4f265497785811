"""``sesr eval --model FAMILY``: a JPEG-aware family evaluated as the runtime uses it, each LR image through the
family's file for the JPEG quality that image went through (clean LR: the lossless file)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sesr_core.cli.scored_model import scored_model
from sesr_core.evaluation.pairs import ImagePair
from sesr_core.models.catalog import CatalogEntry, family_variants
from sesr_core.models.jpeg_variants import nearest_variant, variant_label


class FamilyPredictor:
    """Gives each pair the Y predictor of its family file (each file loaded once, on the engine ``--engine`` asks
    for, never its fp32 twin: eval scores the files it names) and remembers which images each file upscaled."""

    def __init__(self, family: CatalogEntry, scale: int, engine: str | None = None) -> None:
        self.family = family
        self.scale = scale
        self.engine = engine
        self.variants = family_variants(family)
        self.used: dict[str, list[str]] = {}
        self._models: dict[int, object] = {}
        self._notes: set[str] = set()

    def quality_for(self, pair: ImagePair) -> int:
        """The quality of the family file for ``pair`` (the nearest to its LR image's JPEG quality)."""
        return nearest_variant(pair.jpeg_quality, self.variants)

    def __call__(self, pair: ImagePair) -> Callable[[np.ndarray], np.ndarray]:
        quality = self.quality_for(pair)
        self.used.setdefault(self.variants[quality].name, []).append(pair.name)
        return self._model(quality).upscale_y

    def _model(self, quality: int):
        if quality not in self._models:
            self._models[quality] = scored_model(self.variants[quality].path, self.scale, self.engine, self._notes)[0]
        return self._models[quality]

    def description(self) -> str:
        """'SESR-M5-x2-photo (JPEG-aware, 7 int8 files)'."""
        files = len(self.variants)
        return f"{self.family.name} (JPEG-aware, {files} {self.family.precision} file{'s' * (files != 1)})"

    def files_used(self) -> str:
        """'SESR-M5-x2-photo-q75 (JPEG quality 75): 5 images' per file used, joined by '; '."""
        by_name = {entry.name: quality for quality, entry in self.variants.items()}
        return "; ".join(f"{name} ({variant_label(by_name[name])}): {len(images)} image{'s' * (len(images) != 1)}"
                         for name, images in self.used.items())
