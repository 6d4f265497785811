"""The one place the training code imports TensorFlow and Keras.

tensorflow-model-optimization works with Keras 2 (``tf_keras``) only, so the whole training package uses it and sets
``TF_USE_LEGACY_KERAS`` before TensorFlow is first imported, making ``tf.keras`` the same Keras everywhere.

TensorFlow's native start-up lines (absl's "All log messages before absl::InitializeLog()", oneDNN, "Could not find
cuda drivers", "failed call to cuInit") tell a user nothing they can act on: they are silenced while TensorFlow is
imported and its devices are listed (when CUDA is probed), unless ``SESR_DEBUG`` is set.
"""

from __future__ import annotations

import os

from sesr_core.quiet_stderr import native_stderr_silenced

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
if not os.environ.get("SESR_DEBUG"):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import warnings  # noqa: E402

with native_stderr_silenced():
    import tensorflow as tf
    import tf_keras as keras
    from absl import logging as absl_logging

    tf.config.list_physical_devices()  # CUDA is probed (and complains on a machine without it) here, quietly

if not os.environ.get("SESR_DEBUG"):
    tf.get_logger().setLevel("ERROR")
    absl_logging.set_verbosity(absl_logging.ERROR)
    warnings.filterwarnings("ignore", message="Statistics for quantized inputs were expected")

__all__ = ["tf", "keras"]
