"""User models: add, rename, delete, unique names (used by ``sesr models`` and the Models page).

These functions only move files and cards; validating a file is the runtime's
(:func:`sesr_core.runtime.model_import.import_model` checks it, then calls :func:`add_model`).
"""

from __future__ import annotations

import re
from pathlib import Path

from sesr_core.atomic import write_bytes_atomic
from sesr_core.errors import ModelError, SesrError
from sesr_core.models.card import CARD_VERSION, card_path, read_card, sha256_of, write_card
from sesr_core.models.catalog import CatalogEntry, list_models, user_models_dir

_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")


def file_stem(name: str) -> str:
    """A file-system-safe stem for a model name."""
    stem = _UNSAFE.sub("-", name.strip()).strip("-.")
    return stem or "model"


def unique_name(base: str) -> str:
    """``base``, or ``base-2``, ``base-3``... so that neither the name nor its file exists yet."""
    taken = {e.name for e in list_models()}
    folder = user_models_dir()
    candidate, number = base, 1
    while candidate in taken or (folder / f"{file_stem(candidate)}.tflite").exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def minimal_card(model_path: Path, name: str, scale: int, precision: str, source: Path) -> dict:
    """A card for a model that came without one: what the runtime can tell about it."""
    return {
        "card_version": CARD_VERSION, "name": name, "file": model_path.name, "sha256": sha256_of(model_path),
        "preset": "custom", "scale": scale, "model": {}, "precision": precision, "params": None,
        "macs_per_pixel": None, "training": {"imported_from": source.name, "notes": "imported without a card"},
        "quantization": {}, "evaluation": {},
    }


def add_model(source: Path, scale: int, precision: str, name: str | None = None) -> CatalogEntry:
    """Copy a .tflite the runtime has validated (and its card, or a minimal one) into the user models folder.

    Refuses a file whose contents are already in the catalog, naming the model it would duplicate."""
    source = Path(source)
    digest = sha256_of(source)
    for entry in list_models():
        if entry.card.get("sha256") == digest or (entry.path.is_file() and sha256_of(entry.path) == digest):
            raise SesrError(f"'{source.name}' is already in your models as '{entry.name}'; it was not imported "
                            "again.")
    card = read_card(source)
    final_name = unique_name(name or (card or {}).get("name") or source.stem)
    folder = user_models_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SesrError(f"Cannot create the models folder '{folder}' ({err.strerror}); check its permissions.") \
            from err
    target = folder / f"{file_stem(final_name)}.tflite"
    try:
        write_bytes_atomic(target, source.read_bytes())
    except OSError as err:
        raise SesrError(f"Cannot copy '{source}' to '{folder}' ({err.strerror}); check the folder.") from err
    if card:
        card = {**card, "name": final_name, "file": target.name, "scale": scale, "precision": precision,
                "sha256": sha256_of(target)}
    else:
        card = minimal_card(target, final_name, scale, precision, source)
    write_card(target, card)
    return entry_for(target)


def entry_for(model_path: Path) -> CatalogEntry:
    """The catalog entry of a model file (raises ModelError if the catalog does not list it)."""
    for entry in list_models():
        if entry.path.resolve() == Path(model_path).resolve():
            return entry
    raise ModelError(f"'{model_path}' is not in the model catalog; it needs a card beside it.")


def _check_user_model(entry: CatalogEntry, action: str) -> None:
    if entry.shipped:
        raise SesrError(f"'{entry.name}' is a shipped model and cannot be {action}; import a copy to change it.")


def rename_model(entry: CatalogEntry, new_name: str) -> CatalogEntry:
    """Give a user model a new name (its files follow); returns the new entry."""
    _check_user_model(entry, "renamed")
    new_name = new_name.strip()
    if not new_name:
        raise SesrError("A model name cannot be empty; type a name.")
    if new_name == entry.name:
        return entry
    if new_name in {e.name for e in list_models()}:
        raise SesrError(f"A model named '{new_name}' already exists; choose another name.")
    target = entry.path.with_name(f"{file_stem(new_name)}.tflite")
    if target != entry.path and target.exists():
        raise SesrError(f"The file '{target.name}' already exists in the models folder; choose another name.")
    card = dict(read_card(entry.path) or entry.card)
    old_card = card_path(entry.path)
    if target != entry.path:
        entry.path.replace(target)
        old_card.unlink(missing_ok=True)
    write_card(target, {**card, "name": new_name, "file": target.name})
    return entry_for(target)


def delete_model(entry: CatalogEntry) -> None:
    """Remove a user model and its card."""
    _check_user_model(entry, "deleted")
    entry.path.unlink(missing_ok=True)
    card_path(entry.path).unlink(missing_ok=True)
