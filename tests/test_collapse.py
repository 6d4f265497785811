"""Collapsible linear blocks: expanded == collapsed == the analytically collapsed conv, block by block and whole."""

from __future__ import annotations

import numpy as np
import pytest

tf_module = pytest.importorskip("tensorflow", reason="the training extra (TensorFlow) is not installed")

from sesr_core.models.presets import ModelConfig, preset_config  # noqa: E402
from sesr_core.training._tf import keras, tf  # noqa: E402
from sesr_core.training.blocks import LinearBlock, collapse_linear_block  # noqa: E402
from sesr_core.training.network import (  # noqa: E402
    build_collapsed_model,
    build_training_model,
    collapsed_from_training,
)

RTOL = 1e-5


@pytest.fixture
def float64():
    keras.backend.set_floatx("float64")
    yield
    keras.backend.set_floatx("float32")


def relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    return float(np.max(np.abs(actual - expected)) / np.max(np.abs(expected)))


def randomise(model_or_layer, seed: int) -> None:
    """Give every weight (biases and PReLU slopes included) a random non-zero value."""
    rng = np.random.default_rng(seed)
    model_or_layer.set_weights([rng.normal(0.0, 0.1, w.shape) for w in model_or_layer.get_weights()])


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("kernel_size", [3, 5])
def test_block_forms_and_analytic_collapse_agree(float64, kernel_size, residual):
    channels_in, channels_out = (6, 6) if residual else (3, 5)
    x = np.random.default_rng(1).normal(size=(2, 17, 13, channels_in))
    collapsed = LinearBlock(kernel_size, channels_out, expansion=32, residual=residual, form="collapsed")
    expanded = LinearBlock(kernel_size, channels_out, expansion=32, residual=residual, form="expanded")
    collapsed.build(x.shape)
    expanded.build(x.shape)
    randomise(collapsed, seed=kernel_size)
    expanded.set_weights(collapsed.get_weights())

    kernel, bias = collapse_linear_block(*collapsed.get_weights(), residual=residual)
    analytic = tf.nn.conv2d(x, kernel.astype(np.float64), 1, "SAME").numpy() + bias
    out_collapsed, out_expanded = collapsed(x).numpy(), expanded(x).numpy()

    assert kernel.shape == (kernel_size, kernel_size, channels_in, channels_out)
    assert relative_error(out_collapsed, analytic) < RTOL
    assert relative_error(out_expanded, analytic) < RTOL
    assert relative_error(out_expanded, out_collapsed) < RTOL


def test_collapsed_bias_is_exact_and_does_not_leak_into_the_kernel():
    """A block with zero kernels but non-zero biases is a pure constant: its collapsed kernel must be zero."""
    expand_kernel, project_kernel = np.zeros((3, 3, 4, 8)), np.zeros((8, 4))
    expand_bias, project_bias = np.arange(8.0), np.arange(4.0)
    kernel, bias = collapse_linear_block(expand_kernel, expand_bias, project_kernel, project_bias)
    assert not kernel.any()
    np.testing.assert_allclose(bias, project_bias)


def test_residual_needs_square_block():
    with pytest.raises(ValueError, match="as many"):
        collapse_linear_block(np.zeros((3, 3, 2, 4)), np.zeros(4), np.zeros((4, 3)), np.zeros(3), residual=True)


@pytest.mark.parametrize("config", [
    ModelConfig(m=3, f=8, p=32, scale=2, activation="prelu"),
    ModelConfig(m=2, f=8, p=16, scale=4, activation="relu"),
])
def test_whole_network_forms_agree(float64, config):
    x = np.random.default_rng(2).uniform(0, 1, size=(1, 20, 24, 1))
    collapsed_training = build_training_model(config, "collapsed")
    randomise(collapsed_training, seed=3)
    expanded_training = build_training_model(config, "expanded")
    expanded_training.set_weights(collapsed_training.get_weights())
    inference = collapsed_from_training(collapsed_training, config)

    reference = inference(x).numpy()
    assert reference.shape == (1, 20 * config.scale, 24 * config.scale, 1)
    assert 0.0 < reference.mean() < 1.0, "the random network should not saturate the clip"
    assert relative_error(collapsed_training(x).numpy(), reference) < RTOL
    assert relative_error(expanded_training(x).numpy(), reference) < RTOL


def test_inference_graph_holds_only_collapsed_convs():
    config = preset_config("M5", 2)
    model = build_collapsed_model(config)
    convs = [layer for layer in model.layers if layer.weights and not isinstance(layer, keras.layers.PReLU)]
    assert all(isinstance(layer, keras.layers.Conv2D) for layer in convs)
    assert [layer.kernel.shape.as_list() for layer in convs] == \
        [[5, 5, 1, 16]] + [[3, 3, 16, 16]] * 5 + [[5, 5, 16, 4]]
