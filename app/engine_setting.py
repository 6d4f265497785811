"""The inference engine preference ("runtime/engine": auto, openvino or litert) and what the status bar says of it.

No widgets here: the window, the preferences dialog and the job modules share these few functions.
"""

from __future__ import annotations

from pathlib import Path

from app.settings import Settings

ENGINE_KEY = "runtime/engine"
ENGINE_OPTIONS = {
    "auto": "Automatic: the fastest on this computer",
    "openvino": "OpenVINO",
    "litert": "LiteRT (XNNPACK)",
}


def engine_preference(settings: Settings | None = None) -> str:
    """auto, openvino or litert, as saved (auto when unset or unknown)."""
    value = (settings or Settings()).text(ENGINE_KEY, "auto").lower()
    return value if value in ENGINE_OPTIONS else "auto"


def engine_request(settings: Settings | None = None) -> str | None:
    """What the runtime is asked for: None for auto (so ``SESR_ENGINE`` can still force one), else the name."""
    preference = engine_preference(settings)
    return None if preference == "auto" else preference


def engine_status(model_path: Path | None, threads: int | None, settings: Settings | None = None) -> str:
    """``Engine: OpenVINO (auto)`` for the status bar, without measuring anything (auto's pick once measured)."""
    from app.jobs import runtime_bridge

    return "Engine: " + runtime_bridge.describe_engine(engine_request(settings), model_path, threads)
