"""The inference engines: one small interface (run a quantised [H, W] plane of a .tflite model), two implementations.

- ``litert``: LiteRT with XNNPACK (``ai_edge_litert``; ``tflite_runtime`` as a fallback).
- ``openvino``: OpenVINO's CPU plugin reading the same .tflite file through its TFLite frontend.

Both keep what they compiled per input shape for the life of the model (tiles come in a few fixed shapes, see
:mod:`sesr_core.runtime.tiling`) and never create and destroy an engine per image: LiteRT's interpreter destructor
can deadlock in ``pthreadpool_destroy`` when that happens often.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path
from typing import Protocol

import numpy as np

from sesr_core.errors import EngineUnavailableError, ModelError, SesrError

ENGINES = ("openvino", "litert")
ENGINE_CHOICES = ("auto", *ENGINES)
ENGINE_LABELS = {"openvino": "OpenVINO", "litert": "LiteRT"}
ENGINE_VARIABLE = "SESR_ENGINE"


class Engine(Protocol):
    """A compiled .tflite model: ``run`` maps a quantised [H, W] input to the raw [sH, sW] output."""

    name: str

    def run(self, tensor: np.ndarray) -> np.ndarray: ...

    def trim(self) -> None:
        """Free the memory held for large input shapes, keeping the engine usable."""

    def close(self) -> None:
        """Release everything; the engine cannot run afterwards."""


def check_engine_name(name: str | None, source: str = "--engine") -> str:
    """A valid engine choice (auto, openvino, litert) from an argument or ``SESR_ENGINE``; auto when neither."""
    if name is None:
        name, source = os.environ.get(ENGINE_VARIABLE) or "auto", ENGINE_VARIABLE
    value = name.strip().lower()
    if value not in ENGINE_CHOICES:
        raise SesrError(f"Unknown inference engine '{name}' in {source}; use one of {', '.join(ENGINE_CHOICES)}.")
    return value


def engine_version(name: str) -> str | None:
    """The installed version of an engine's Python package, or None when it cannot be found. Cheap: the package
    is looked up, not imported (importing OpenVINO takes a second), unless its metadata is missing (a bundle)."""
    module = "openvino" if name == "openvino" else _litert_module()
    try:
        if importlib.util.find_spec(module) is None:
            return None
    except (ImportError, ValueError):  # ValueError: hidden (sys.modules[module] is None)
        return None
    version = _distribution_version(_DISTRIBUTIONS.get(module, module))
    if version:
        return version
    try:
        return str(getattr(importlib.import_module(module), "__version__", "unknown")).split("-")[0]
    except ImportError:
        return None


def engine_available(name: str) -> bool:
    return engine_version(name) is not None


def open_engine(name: str, path: Path, content: bytes, threads: int) -> Engine:
    """Compile ``path`` (whose bytes are ``content``) for engine ``name``."""
    if name == "litert":
        from sesr_core.runtime.litert_engine import LiteRTEngine

        return LiteRTEngine(content, threads)
    if name == "openvino":
        try:
            from sesr_core.runtime.openvino_engine import OpenVINOEngine
        except ImportError as err:
            raise EngineUnavailableError(f"OpenVINO cannot be loaded on this machine ({err}); use --engine litert "
                                         "(or auto), or install it with: pip install openvino==2026.4.1.") from None
        try:
            return OpenVINOEngine(path, threads)
        except RuntimeError as err:
            raise ModelError(f"OpenVINO cannot read '{path}' ({str(err).splitlines()[0]}); use --engine litert or "
                             "choose a model exported by SESR Studio.") from None
    raise SesrError(f"Unknown inference engine '{name}'; use one of {', '.join(ENGINES)}.")


_DISTRIBUTIONS = {"openvino": "openvino", "ai_edge_litert": "ai-edge-litert", "tflite_runtime": "tflite-runtime"}


def _litert_module() -> str:
    try:
        return "ai_edge_litert" if importlib.util.find_spec("ai_edge_litert") is not None else "tflite_runtime"
    except (ImportError, ValueError):
        return "tflite_runtime"


def _distribution_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
