"""Whether this installation can train, and the one sentence that says how to get training when it cannot.

Outside ``sesr_core.training`` on purpose: it imports nothing of it (nor TensorFlow), so the CLI and the app ask it
before loading TensorFlow, and it answers even in a bundle built without the training package.
"""

from __future__ import annotations

import importlib.util
import sys

TRAIN_MODULES = ("tensorflow", "tf_keras", "tensorflow_model_optimization")
INSTALL_HINT = "pip install 'sesr-studio[train]'"


def missing_training_module() -> str | None:
    """The first module training needs that is not installed, or None when training can run."""
    for module in ("sesr_core.training.trainer", *TRAIN_MODULES):
        try:
            if importlib.util.find_spec(module) is None:
                return module.rsplit(".", 1)[0] if module.startswith("sesr_core") else module
        except (ImportError, ValueError):
            return module
    return None


def training_available() -> bool:
    """True when TensorFlow and the trainer are installed."""
    return missing_training_module() is None


def training_unavailable_message(missing: str | None = None) -> str:
    """What to tell a user who cannot train here (the lite bundle, or Python without the training extra)."""
    if getattr(sys, "frozen", False):
        return ("This is the lite SESR Studio bundle, which upscales but does not train (TensorFlow alone is 1.4 GB); "
                f"download the full bundle to train, or install SESR Studio with Python: {INSTALL_HINT}.")
    missing = missing or missing_training_module() or "tensorflow"
    return (f"Training needs TensorFlow, which is not installed here ({missing} is missing); install the training "
            f"extra with: {INSTALL_HINT} (upscaling works without it).")
