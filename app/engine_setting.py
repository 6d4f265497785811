"""The inference engine preference ("runtime/engine": auto, openvino or litert), saved in the app's settings.

No widgets here: the preferences dialog and the job adapters (app/jobs/runtime_bridge.py) share these functions.
"""

from __future__ import annotations

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
