"""Importing a user's .tflite: the runtime checks it is a single-channel SR model, then the library copies it."""

from __future__ import annotations

from pathlib import Path

from sesr_core.errors import ModelError
from sesr_core.models.catalog import CatalogEntry
from sesr_core.models.user_models import add_model
from sesr_core.runtime.sr_model import SRModel


def import_model(source: str | Path, name: str | None = None) -> CatalogEntry:
    """Validate ``source`` by loading it, then copy it (and its card) into the user models folder."""
    source = Path(source)
    if source.suffix.lower() != ".tflite":
        raise ModelError(f"'{source}' is not a .tflite file; choose a model exported by SESR Studio.")
    model = SRModel(source, threads=1)
    try:
        scale, precision = model.scale, model.precision
    finally:
        model.close()
    return add_model(source, scale, precision, name)
