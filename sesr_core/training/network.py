"""The SESR network in its two lives: the trainable model (linear blocks) and the collapsed model (plain convs).

Layout (the paper's): a 5x5 block 1 -> f, m 3x3 blocks f -> f each with a short residual and an activation, a long
residual from the first block, a 5x5 block f -> scale^2, the global residual with the input, clip to [0, 1], and
depth_to_space (twice for x4). Both models name their layers alike (``input_block``, ``block_i``, ``act_i``,
``output_block``), which is what weight transfer and collapsing go by; the collapsed ReLU model fuses each ReLU into
its ``block_i`` conv instead (see :func:`build_collapsed_model`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sesr_core.models.presets import ModelConfig
from sesr_core.training._tf import keras, tf
from sesr_core.training.blocks import LinearBlock


class DepthToSpace(keras.layers.Layer):
    """Sub-pixel rearrangement; exports as TFLite's builtin DEPTH_TO_SPACE."""

    def __init__(self, block_size: int = 2, **kwargs) -> None:
        super().__init__(**kwargs)
        self.block_size = block_size

    def call(self, inputs):
        return tf.nn.depth_to_space(inputs, self.block_size)

    def get_config(self) -> dict:
        return {**super().get_config(), "block_size": self.block_size}


def _activation(config: ModelConfig, name: str) -> keras.layers.Layer:
    if config.activation == "prelu":
        return keras.layers.PReLU(shared_axes=[1, 2], name=name)
    return keras.layers.ReLU(name=name)


def _head(config: ModelConfig, inputs, features):
    """Global residual, clip to [0, 1] and depth_to_space: shared by both models."""
    out = keras.layers.Add(name="global_residual")([features, inputs])
    out = keras.layers.ReLU(max_value=1.0, name="clip")(out)
    for i in range(1 if config.scale == 2 else 2):
        out = DepthToSpace(2, name=f"depth_to_space_{i}")(out)
    return out


def build_training_model(config: ModelConfig, form: str = "collapsed") -> keras.Model:
    """The trainable SESR model with linear blocks in ``form`` ("collapsed" or "expanded")."""
    inputs = keras.Input(shape=(None, None, 1), name="lr_y")
    first = LinearBlock(5, config.f, config.p, form=form, name="input_block")(inputs)
    features = first
    for i in range(config.m):
        features = LinearBlock(3, config.f, config.p, residual=True, form=form, name=f"block_{i}")(features)
        features = _activation(config, f"act_{i}")(features)
    features = keras.layers.Add(name="long_residual")([features, first])
    features = LinearBlock(5, config.scale**2, config.p, form=form, name="output_block")(features)
    return keras.Model(inputs, _head(config, inputs, features), name=config.name)


def build_collapsed_model(config: ModelConfig) -> keras.Model:
    """The inference SESR model: one Conv2D per linear block, nothing else that carries weights but activations.

    A ReLU is fused into its conv (``Conv2D(activation="relu")``), as the int8 file has it. This is also what QAT
    needs: tfmot's Conv2D -> ReLU layer pattern (``LayerReLUQuantize``) gives the conv a no-op QuantizeConfig, so
    with separate ReLU layers the block kernels would train unquantised and be quantised only at export.
    """
    inputs = keras.Input(shape=(None, None, 1), name="lr_y")
    first = keras.layers.Conv2D(config.f, 5, padding="same", name="input_block")(inputs)
    features = first
    fused = "relu" if config.activation == "relu" else None
    for i in range(config.m):
        features = keras.layers.Conv2D(config.f, 3, padding="same", activation=fused, name=f"block_{i}")(features)
        if fused is None:
            features = _activation(config, f"act_{i}")(features)
    features = keras.layers.Add(name="long_residual")([features, first])
    features = keras.layers.Conv2D(config.scale**2, 5, padding="same", name="output_block")(features)
    return keras.Model(inputs, _head(config, inputs, features), name=config.name)


@dataclass
class CollapsedWeights:
    """Kernels and biases of every collapsed conv, and the PReLU slopes, by layer name."""

    convs: dict[str, tuple[np.ndarray, np.ndarray]]
    slopes: dict[str, np.ndarray]


def block_names(config: ModelConfig) -> list[str]:
    """Names of the linear blocks, input to output."""
    return ["input_block"] + [f"block_{i}" for i in range(config.m)] + ["output_block"]


def collapse_network(model: keras.Model, config: ModelConfig) -> CollapsedWeights:
    """Collapse every linear block of a trained model into one kernel and bias."""
    convs = {name: model.get_layer(name).collapse() for name in block_names(config)}
    slopes = {}
    if config.activation == "prelu":
        slopes = {f"act_{i}": model.get_layer(f"act_{i}").get_weights()[0] for i in range(config.m)}
    return CollapsedWeights(convs, slopes)


def load_collapsed_weights(model: keras.Model, weights: CollapsedWeights) -> None:
    """Set a collapsed model's (or a quantised collapsed model's) conv and PReLU weights."""
    for name, (kernel, bias) in weights.convs.items():
        model.get_layer(name).set_weights([kernel, bias])
    for name, slope in weights.slopes.items():
        model.get_layer(name).set_weights([slope])


def collapsed_from_training(model: keras.Model, config: ModelConfig) -> keras.Model:
    """A collapsed inference model carrying a training model's weights."""
    collapsed = build_collapsed_model(config)
    load_collapsed_weights(collapsed, collapse_network(model, config))
    return collapsed
