"""Small text formatters for sizes, durations and model figures (no Qt)."""

from __future__ import annotations

from sesr_core.models.catalog import CatalogEntry, family_summary
from sesr_core.time_left import clock_text


def duration(seconds: float | None) -> str:
    """'1:02:03', '4:05' or '—' for unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "—"
    return clock_text(int(round(seconds)))


def size(width: int, height: int) -> str:
    return f"{width}×{height}"


def file_size(num_bytes: int) -> str:
    value = float(num_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def count(value: int | None) -> str:
    """12,345 or '—'."""
    return "—" if value is None else f"{value:,}"


def compact(value: int | None) -> str:
    """13.5k, 1.2M or '—'."""
    if value is None:
        return "—"
    if value >= 1_000_000:
        return f"{value / 1e6:.1f}M"
    if value >= 1000:
        return f"{value / 1e3:.1f}k"
    return str(value)


def psnr(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} dB"


def _cost_and_score(entry: CatalogEntry, macs_label: str, dataset_joiner: str) -> list[str]:
    parts = []
    if entry.macs_per_pixel:
        parts.append(f"{compact(entry.macs_per_pixel)} {macs_label}")
    if entry.set5_psnr:
        dataset = (entry.card.get("evaluation") or {}).get("dataset", "Set5")
        parts.append(f"{entry.set5_psnr:.2f} dB {dataset_joiner}{dataset}")
    return parts


def model_summary(entry: CatalogEntry) -> str:
    """'SESR-M5-x2 · int8 · 13.5k MACs/px · 33.12 dB Set5'."""
    return " · ".join([entry.name, entry.precision, *_cost_and_score(entry, "MACs/px", "")])


def _family_words(entry: CatalogEntry) -> list[str]:
    """['JPEG-aware: 7 files, picked by each JPEG's quality'] for a family, ['for JPEG quality 75'] for one of its
    files, [] for other models."""
    if entry.is_family:
        return [family_summary(entry)]
    return [f"for JPEG quality {entry.jpeg_variant.quality}"] if entry.is_variant else []


def model_description(entry: CatalogEntry) -> str:
    """'int8 · M5 · 13.5k MACs per pixel · 36.80 dB on Set5' (what is known of it)."""
    shape = entry.preset if entry.preset != "custom" else "custom shape"
    kind = _family_words(entry)
    extra = [", ".join([entry.purpose, *kind])] if kind or entry.purpose != "clean" else []
    extra += ["experimental"] if entry.experimental else []
    return " · ".join([entry.precision, shape, *_cost_and_score(entry, "MACs per pixel", "on "), *extra])
