"""Growth: a deeper, wider or differently expanded SESR started from a smaller one computes the same image."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="the training extra (TensorFlow) is not installed")

from sesr_core.errors import SesrError  # noqa: E402
from sesr_core.models.presets import ModelConfig  # noqa: E402
from sesr_core.training._tf import keras  # noqa: E402
from sesr_core.training.blocks import collapse_linear_block  # noqa: E402
from sesr_core.training.grow import factorise_block  # noqa: E402
from sesr_core.training.network import build_training_model  # noqa: E402
from sesr_core.training.transfer import transfer_weights  # noqa: E402


@pytest.fixture
def float64():
    keras.backend.set_floatx("float64")
    yield
    keras.backend.set_floatx("float32")


def trained_like(config: ModelConfig, seed: int) -> keras.Model:
    """A model whose every weight (biases, PReLU slopes) is random and non-zero, as a trained one's are."""
    model = build_training_model(config)
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0.0, 0.2, w.shape) for w in model.get_weights()])
    return model


def images(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((2, 24, 20, 1))


@pytest.mark.parametrize("activation", ["relu", "prelu"])
@pytest.mark.parametrize(("m", "f", "p"), [(3, 4, 8), (1, 6, 8), (3, 6, 12), (1, 4, 3)])
def test_grown_model_computes_what_the_source_computes(float64, activation, m, f, p):
    source_config = ModelConfig(m=1, f=4, p=16, scale=2, activation=activation)
    target_config = ModelConfig(m=m, f=f, p=p, scale=2, activation=activation)
    source = trained_like(source_config, seed=1)
    target = build_training_model(target_config)
    fresh = [w.copy() for w in target.get_weights()]

    grown = transfer_weights(source, source_config, target, target_config)

    assert "output_block" in grown and f"block_{m - 1}" in grown
    x = images(2)
    if p < f:  # fewer expansion channels than the kernel's rank: the best rank-p approximation, not exact
        assert not np.allclose(target(x).numpy(), source(x).numpy(), atol=1e-6)
        return
    np.testing.assert_allclose(target(x).numpy(), source(x).numpy(), rtol=0, atol=1e-9)
    # Something is left to learn: every weight array that can change did, and the target is not the source copied
    changed = [not np.array_equal(a, b) for a, b in zip(fresh, target.get_weights(), strict=True)]
    assert sum(changed) >= len(changed) // 2


def test_growth_keeps_the_new_channels_alive(float64):
    """New feature channels get their fresh weights, so they learn: the target's gradients reach them."""
    source_config = ModelConfig(m=1, f=4, p=16, scale=2, activation="relu")
    target_config = ModelConfig(m=2, f=6, p=16, scale=2, activation="relu")
    source = trained_like(source_config, seed=3)
    target = build_training_model(target_config)
    transfer_weights(source, source_config, target, target_config)
    import tensorflow as tf

    x = tf.constant(images(4))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.abs(target(x) - 0.5))
    grads = tape.gradient(loss, target.trainable_variables)
    for variable, grad in zip(target.trainable_variables, grads, strict=True):
        assert grad is not None and float(tf.reduce_max(tf.abs(grad))) > 0, variable.name


def test_x2_to_x4_growth_keeps_all_but_the_output_block(float64):
    source_config = ModelConfig(m=1, f=4, p=16, scale=2, activation="relu")
    target_config = ModelConfig(m=2, f=4, p=8, scale=4, activation="relu")
    source = trained_like(source_config, seed=5)
    target = build_training_model(target_config)
    grown = transfer_weights(source, source_config, target, target_config)
    assert "output_block" not in grown
    for name in ("input_block", "block_0"):
        got = target.get_layer(name).collapse()
        want = source.get_layer(name).collapse()
        for a, b in zip(got, want, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-6)


def test_factorised_block_collapses_back_exactly():
    rng = np.random.default_rng(7)
    kernel = rng.normal(size=(3, 3, 5, 6))
    bias = rng.normal(size=6)
    weights = factorise_block(kernel, bias, rng.normal(size=(3, 3, 5, 10)), expansion=10)
    got_kernel, got_bias = collapse_linear_block(*weights)
    np.testing.assert_allclose(got_kernel, kernel, atol=1e-5)
    np.testing.assert_allclose(got_bias, bias, atol=1e-6)
    assert not np.any(weights[2][6:]), "spare expansion channels start with zero project rows"


def test_growth_refuses_a_smaller_target():
    source_config = ModelConfig(m=3, f=4, p=8, scale=2)
    target_config = ModelConfig(m=2, f=4, p=8, scale=2)
    with pytest.raises(SesrError, match="fewer blocks or features"):
        transfer_weights(build_training_model(source_config), source_config,
                         build_training_model(target_config), target_config)
