"""The model catalog: shipped models in resources/models and user models in the platform's user data folder."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from sesr_core.errors import ModelError
from sesr_core.file_kinds import special_file
from sesr_core.models.card import read_card
from sesr_core.models.jpeg_variants import LOSSLESS

RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "models"


def shipped_models_dir() -> Path:
    """Where the shipped models live (inside a PyInstaller bundle too)."""
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) / "resources" / "models" if bundle else RESOURCES


def user_data_dir() -> Path:
    """The platform's per-user data folder for SESR Studio (``SESR_STUDIO_HOME`` overrides it)."""
    override = os.environ.get("SESR_STUDIO_HOME")
    if override:
        return Path(override)
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "SESR Studio"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "SESR Studio"
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "sesr-studio"


def user_models_dir() -> Path:
    return user_data_dir() / "models"


class JpegVariant(NamedTuple):
    """Which JPEG-aware family a file belongs to and the JPEG quality it is for (100: lossless input)."""

    family: str
    quality: int


@dataclass(frozen=True)
class CatalogEntry:
    """One model file and what its card says."""

    name: str
    path: Path
    scale: int
    preset: str
    precision: str
    macs_per_pixel: int | None
    params: int | None
    set5_psnr: float | None
    set5_ssim: float | None
    shipped: bool
    default: bool
    card: dict
    experimental: bool = False
    family_files: int = 0  # for a JPEG-aware family's lossless entry of the catalog: how many files the family has

    @property
    def purpose(self) -> str:
        """"photo" for a model trained on degraded inputs (JPEG, noise, blur; every JPEG-aware file), else
        "clean"."""
        training = self.card.get("training") or {}
        degraded = training.get("degrade") or self.jpeg_variant is not None
        return self.card.get("purpose") or ("photo" if degraded else "clean")

    @property
    def jpeg_variant(self) -> JpegVariant | None:
        """The card's ``jpeg_variant`` (family, quality) of a JPEG-aware family's file, else None."""
        value = self.card.get("jpeg_variant")
        if not isinstance(value, dict) or not value.get("family") or value.get("quality") is None:
            return None
        return JpegVariant(str(value["family"]), int(value["quality"]))

    @property
    def is_family(self) -> bool:
        """Whether this is a JPEG-aware family's lossless file: the one that stands for the family (by its name), so
        that each input gets the family's file for its own JPEG quality."""
        variant = self.jpeg_variant
        return variant is not None and variant.quality == LOSSLESS

    @property
    def is_variant(self) -> bool:
        """Whether this is one of a family's files for a JPEG quality (``FAMILY-q75``): hidden in the lists (its
        family stands for it), usable by name."""
        variant = self.jpeg_variant
        return variant is not None and variant.quality != LOSSLESS

    @property
    def eval_dataset(self) -> str | None:
        """The data set its card's PSNR was measured on (Set5 for the shipped models)."""
        return (self.card.get("evaluation") or {}).get("dataset")

    def to_dict(self) -> dict:
        return {
            "name": self.name, "path": str(self.path), "scale": self.scale, "preset": self.preset,
            "precision": self.precision, "default": self.default, "macs_per_pixel": self.macs_per_pixel,
            "params": self.params, "set5_psnr": self.set5_psnr, "set5_ssim": self.set5_ssim, "shipped": self.shipped,
            "purpose": self.purpose, "experimental": self.experimental,
            "jpeg_variant": self.jpeg_variant._asdict() if self.jpeg_variant else None,
        }


def _entry(path: Path, shipped: bool, defaults: set[str]) -> CatalogEntry | None:
    card = read_card(path)
    if card is None or "scale" not in card:
        return None
    evaluation = card.get("evaluation") or {}
    name = card.get("name", path.stem)
    return CatalogEntry(
        name=name, path=path, scale=int(card["scale"]), preset=card.get("preset", "custom"),
        precision=card.get("precision", "fp32"), macs_per_pixel=card.get("macs_per_pixel"),
        params=card.get("params"), set5_psnr=evaluation.get("psnr"), set5_ssim=evaluation.get("ssim"),
        shipped=shipped, default=shipped and name in defaults, card=card)


def list_models() -> list[CatalogEntry]:
    """Every model with a card: shipped first, then the user's; each by scale, clean before photo, cheapest first,
    int8 before its fp32 twin (so M5 comes before M11, not after it as by name)."""
    shipped_dir = shipped_models_dir()
    defaults_file = shipped_dir / "defaults.txt"
    defaults = set(defaults_file.read_text().split()) if defaults_file.is_file() else set()
    entries = []
    for folder, shipped in ((shipped_dir, True), (user_models_dir(), False)):
        found = [_entry(p, shipped, defaults) for p in sorted(folder.glob("*.tflite"))] if folder.is_dir() else []
        entries += sorted((e for e in found if e), key=_catalog_order)
    experimental = experimental_names(entries)
    entries = [replace(e, experimental=True) if e.name in experimental else e for e in entries]
    return [replace(e, family_files=len(family_variants(e, entries=entries))) if e.is_family else e for e in entries]


def _catalog_order(entry: CatalogEntry) -> tuple:
    return (entry.scale, entry.purpose != "clean", entry.macs_per_pixel or 1 << 40, entry.precision != "int8",
            entry.name)


# A bigger model must be this much better (dB, same data set) than the next smaller one of its kind to be offered
# as sharper; otherwise it is labelled experimental.
SHARPER_BY_DB = 0.1


def experimental_names(entries: list[CatalogEntry]) -> set[str]:
    """Models not at least :data:`SHARPER_BY_DB` better than the next smaller model of the same scale, precision,
    purpose and evaluation data set (the next smaller one by MACs per pixel)."""
    names = set()
    groups: dict[tuple, list[CatalogEntry]] = {}
    for entry in entries:
        if entry.set5_psnr is not None and entry.macs_per_pixel and not entry.is_variant:
            key = (entry.scale, entry.precision, entry.purpose, entry.eval_dataset)
            groups.setdefault(key, []).append(entry)
    for group in groups.values():
        group.sort(key=lambda e: e.macs_per_pixel)
        for smaller, bigger in zip(group, group[1:], strict=False):
            if bigger.macs_per_pixel > smaller.macs_per_pixel and bigger.set5_psnr < smaller.set5_psnr + SHARPER_BY_DB:
                names.add(bigger.name)
    return names


def family_variants(family: CatalogEntry, precision: str | None = None,
                    entries: list[CatalogEntry] | None = None) -> dict[int, CatalogEntry]:
    """A JPEG-aware family's files by JPEG quality (100: lossless), found beside ``family`` (any of its files) with
    the same family in their cards and of ``precision`` (default: ``family``'s own, so int8 and fp32 twins stay
    apart); empty for a model that is not JPEG-aware. ``entries`` defaults to the catalog; a file outside it is
    looked for among the cards in its own folder."""
    if family.jpeg_variant is None:
        return {}
    precision = precision or family.precision
    folder = family.path.resolve().parent
    candidates = [e for e in (list_models() if entries is None else entries) if e.path.resolve().parent == folder]
    if not candidates:
        candidates = [entry_for_file(path) for path in sorted(folder.glob("*.tflite"))]
    found: dict[int, CatalogEntry] = {}
    for entry in candidates:
        variant = entry.jpeg_variant
        if variant is not None and variant.family == family.jpeg_variant.family and entry.precision == precision:
            found.setdefault(variant.quality, entry)
    return dict(sorted(found.items()))


def family_summary(entry: CatalogEntry, entries: list[CatalogEntry] | None = None) -> str:
    """'JPEG-aware: 7 files, picked by each JPEG's quality' for a family's lossless entry, '' for other models."""
    if not entry.is_family:
        return ""
    files = entry.family_files or len(family_variants(entry, entries=entries))
    return f"JPEG-aware: {files} file{'s' * (files != 1)}, picked by each JPEG's quality"


def listed(entries: list[CatalogEntry]) -> list[CatalogEntry]:
    """The entries a list shows: every model but a JPEG-aware family's files for one quality (the family's lossless
    file stands for them)."""
    return [entry for entry in entries if not entry.is_variant]


def default_model(scale: int, purpose: str = "clean") -> CatalogEntry:
    """The default int8 model for ``scale`` and ``purpose`` ("clean" or "photo")."""
    for entry in list_models():
        if entry.default and entry.scale == scale and entry.purpose == purpose:
            return entry
    kind = "" if purpose == "clean" else f"{purpose} "
    raise ModelError(f"No default x{scale} {kind}model is installed; pass --model with a .tflite file.")


def entry_for_file(path: Path) -> CatalogEntry:
    """A catalog entry made from a model file (inside the catalog or not), its card read once; named after the file.
    Without a card the scale is 0: the runtime reads it from the model itself."""
    card = read_card(path) or {}
    evaluation = card.get("evaluation") or {}
    shipped = path.resolve().parent == shipped_models_dir().resolve()
    return CatalogEntry(
        name=path.stem, path=path, scale=int(card.get("scale") or 0), preset=card.get("preset", "custom"),
        precision=card.get("precision", "fp32"), macs_per_pixel=card.get("macs_per_pixel"),
        params=card.get("params"), set5_psnr=evaluation.get("psnr"), set5_ssim=evaluation.get("ssim"),
        shipped=shipped, default=False, card=card)


def find_model(name_or_path: str, scale: int | None = None) -> CatalogEntry:
    """The catalog entry of a model name, or an entry made from a model file's path (without listing the catalog);
    raises ModelError with the choices otherwise."""
    path = Path(name_or_path)
    special = special_file(path)
    if special:
        raise ModelError(f"Cannot read the model '{path}': {special}.")
    if path.suffix.lower() == ".tflite" and path.is_file():
        return entry_for_file(path)
    models = list_models()
    for entry in models:
        if entry.name == name_or_path and (scale is None or entry.scale == scale):
            return entry
    if path.is_file():
        return entry_for_file(path)
    other = next((e for e in models if e.name == name_or_path), None)
    if other is not None:
        raise ModelError(f"'{name_or_path}' is an x{other.scale} model, not x{scale}; pass --scale {other.scale} or "
                         f"choose an x{scale} model.")
    names = ", ".join(e.name for e in models if scale is None or e.scale == scale) or "none installed"
    raise ModelError(f"'{name_or_path}' is neither a model file nor a known model name; known models: {names}.")
