"""The one place the training code imports TensorFlow and Keras.

tensorflow-model-optimization works with Keras 2 (``tf_keras``) only, so the whole training package uses it and sets
``TF_USE_LEGACY_KERAS`` before TensorFlow is first imported, making ``tf.keras`` the same Keras everywhere.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import warnings  # noqa: E402

import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402
from absl import logging as absl_logging  # noqa: E402

tf.get_logger().setLevel("ERROR")
absl_logging.set_verbosity(absl_logging.ERROR)
warnings.filterwarnings("ignore", message="Statistics for quantized inputs were expected")

__all__ = ["tf", "keras"]
