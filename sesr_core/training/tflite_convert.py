"""Export a collapsed (or quantised collapsed) SESR model to .tflite: fp32, or fully int8 with builtin ops only.

The converter's output loses the operators that cannot change it (:mod:`sesr_core.runtime.tflite_cleanup`: the
output clip the int8 grid already makes), so every engine runs only the passes that matter.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sesr_core.runtime.tflite_cleanup import without_identity_ops
from sesr_core.training._tf import keras, tf


def _converter(model: keras.Model):
    """A converter that keeps the [1, H, W, 1] input dynamic."""
    signature = tf.function(lambda lr_y: model(lr_y, training=False))
    concrete = signature.get_concrete_function(tf.TensorSpec([1, None, None, 1], tf.float32, name="lr_y"))
    return tf.lite.TFLiteConverter.from_concrete_functions([concrete])


def fp32_converter(model: keras.Model):
    """The converter of :func:`to_fp32_tflite` (its ``convert()`` gives the file before the clean-up)."""
    converter = _converter(model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter


def int8_converter(model: keras.Model, representative: Iterable[np.ndarray]):
    """The converter of :func:`to_int8_tflite` (its ``convert()`` gives the file before the clean-up)."""
    samples = [np.asarray(x, np.float32) for x in representative]
    converter = _converter(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([x] for x in samples)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return converter


def to_fp32_tflite(model: keras.Model) -> bytes:
    """An fp32 .tflite of a collapsed model (builtin ops only)."""
    return without_identity_ops(fp32_converter(model).convert())[0]


def to_int8_tflite(model: keras.Model, representative: Iterable[np.ndarray]) -> bytes:
    """A fully int8 .tflite (int8 input and output) of a collapsed or QAT model.

    ``representative`` yields [1, H, W, 1] float32 LR patches; for a QAT model the ranges come from its fake-quant
    nodes and these only confirm them, for a float model they are the calibration set (post-training quantisation).
    """
    return without_identity_ops(int8_converter(model, representative).convert())[0]
