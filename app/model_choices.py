"""What the model picker offers, in the user's words: models grouped by what they are for (no Qt).

Recommended is the scale's default; Faster and Sharper are non-experimental models of the same kind that cost less,
or are at least :data:`SHARPER_BY_DB` better on the same data set; Photo is for JPEG and other compressed inputs.
fp32 twins, experimental models and a JPEG-aware family's files for one quality (the family's lossless entry stands
for them, resolved per input) are offered only in the advanced list.
"""

from __future__ import annotations

from dataclasses import dataclass

from sesr_core.models.catalog import SHARPER_BY_DB, CatalogEntry

RECOMMENDED, FASTER, SHARPER, PHOTO, YOURS, ADVANCED = "Recommended", "Faster", "Sharper", "Photo", "Yours", "All"
BLURBS = {
    RECOMMENDED: "Best balance of quality and speed",
    FASTER: "Quicker, slightly softer",
    SHARPER: "More detail, takes longer",
    PHOTO: "For JPEG and other compressed photos",
}
FULL_HD_PIXELS = 1920 * 1080  # auto's timings are per 1080p frame
PHOTO_PIXELS = 12_000_000


@dataclass(frozen=True)
class Choice:
    """One row of the picker: a model and the group it is offered in."""

    entry: CatalogEntry
    group: str

    @property
    def label(self) -> str:
        """The row's title: the purpose for the offered models, the model's name otherwise."""
        return self.group if self.group in BLURBS else self.entry.name


def cost(entry: CatalogEntry) -> tuple:
    """Sort key: cheapest first (unknown cost last), int8 before fp32, then the name."""
    return (entry.macs_per_pixel or 10**12, entry.precision != "int8", entry.name)


def is_twin(entry: CatalogEntry) -> bool:
    return entry.precision == "fp32" and entry.name.endswith("-fp32")


def _offered(entry: CatalogEntry) -> bool:
    return entry.shipped and not entry.experimental and not is_twin(entry) and not entry.is_variant


def choices(entries: list[CatalogEntry], scale: int, advanced: bool = False) -> list[Choice]:
    """The picker's rows for ``scale``: the purposes, then the user's models, then (``advanced``) the rest."""
    models = sorted((e for e in entries if e.scale == scale), key=cost)
    clean = [e for e in models if _offered(e) and e.purpose == "clean"]
    recommended = next((e for e in clean if e.default), clean[0] if clean else None)
    rows: list[Choice] = []
    if recommended is not None:
        rows.append(Choice(recommended, RECOMMENDED))
        same = [e for e in clean if e is not recommended and e.precision == recommended.precision]
        cheaper = [e for e in same if (e.macs_per_pixel or 0) < (recommended.macs_per_pixel or 0)]
        if cheaper:
            rows.append(Choice(cheaper[0], FASTER))
        sharper = [e for e in same if _sharper(e, recommended)]
        if sharper:
            rows.append(Choice(sharper[0], SHARPER))
    photos = [e for e in models if _offered(e) and e.purpose == "photo"]
    if photos:
        rows.append(Choice(next((e for e in photos if e.default), photos[0]), PHOTO))
    offered = {c.entry.name for c in rows}
    rows += [Choice(e, YOURS) for e in models if not e.shipped and not e.is_variant and e.name not in offered]
    if advanced:
        offered = {c.entry.name for c in rows}
        rows += [Choice(e, ADVANCED) for e in models if e.name not in offered]
    return rows


def _sharper(entry: CatalogEntry, than: CatalogEntry) -> bool:
    return (entry.set5_psnr is not None and than.set5_psnr is not None and entry.eval_dataset == than.eval_dataset
            and entry.set5_psnr >= than.set5_psnr + SHARPER_BY_DB)


def estimated_seconds(ms_per_full_hd: float, pixels: int) -> float:
    """Seconds to upscale ``pixels`` input pixels at auto's measured speed."""
    return ms_per_full_hd / 1000 * pixels / FULL_HD_PIXELS


def time_phrase(timings: dict[str, float], pixels: int = 0, images: int = 0) -> str:
    """'about 4 s for these 3 images' / 'about 2 s per 12 MP photo' from auto's timings (the fastest engine), or
    '' when this machine has not measured the model yet."""
    if not timings:
        return ""
    fastest = min(timings.values())
    if pixels and images:
        what = "this image" if images == 1 else f"these {images} images"
        return f"{_about(estimated_seconds(fastest, pixels))} for {what}"
    return f"{_about(estimated_seconds(fastest, PHOTO_PIXELS))} per 12 MP photo"


def _about(seconds: float) -> str:
    if seconds < 0.5:
        return "under a second"
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    return f"about {round(seconds / 60)} min"
