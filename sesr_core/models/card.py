"""The JSON card beside every exported model: how it was made and how good it is (no TensorFlow here)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sesr_core.atomic import write_bytes_atomic
from sesr_core.models.presets import ModelConfig, collapsed_params, macs_per_pixel

CARD_VERSION = 1


def card_path(model_path: str | Path) -> Path:
    """``NAME.json`` beside ``NAME.tflite``."""
    return Path(model_path).with_suffix(".json")


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def make_card(
    model_path: str | Path,
    config: ModelConfig,
    precision: str,
    training: dict[str, Any],
    quantization: dict[str, Any] | None = None,
    evaluation: dict[str, Any] | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """A card for ``model_path`` (the file must exist: its sha256 goes in)."""
    return {
        "card_version": CARD_VERSION,
        "name": name or Path(model_path).stem,
        "file": Path(model_path).name,
        "sha256": sha256_of(model_path),
        "preset": config.preset,
        "scale": config.scale,
        "model": config.to_dict(),
        "precision": precision,
        "params": collapsed_params(config),
        "macs_per_pixel": macs_per_pixel(config),
        "training": training,
        "quantization": quantization or {},
        "evaluation": evaluation or {},
    }


def write_card(model_path: str | Path, card: dict[str, Any]) -> Path:
    """Write ``card`` beside ``model_path`` atomically; returns the card's path."""
    path = card_path(model_path)
    write_bytes_atomic(path, (json.dumps(card, indent=2) + "\n").encode())
    return path


def read_card(model_path: str | Path) -> dict[str, Any] | None:
    """The card beside ``model_path``, or None when there is none or it is unreadable."""
    path = card_path(model_path)
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
