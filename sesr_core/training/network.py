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

LOSSINESS_INPUT = "lossiness"  # the second input of a JPEG-aware training model: [batch, 1]


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


class JpegFilm(keras.layers.Layer):
    """A block's output scaled and shifted per channel by its input's JPEG lossiness ``u`` (0: lossless).

    ``out = x * (1 + [u, u^2] @ gains) + [u, u^2] @ shifts``. Both matrices start at zero and the map is the identity
    at ``u = 0``, so a JPEG-aware model starts as the model it is grown from and stays that model on lossless input
    as far as the shared weights allow. For one ``u`` it folds exactly into the block's conv (:meth:`fold`).
    """

    def build(self, input_shape) -> None:
        channels = int(input_shape[0][-1])
        self.gains = self.add_weight(name="gains", shape=(2, channels), initializer="zeros")
        self.shifts = self.add_weight(name="shifts", shape=(2, channels), initializer="zeros")
        super().build(input_shape)

    def call(self, inputs):
        features, lossiness = inputs
        powers = tf.concat([lossiness, lossiness * lossiness], axis=-1)  # [batch, 2]
        gain = 1.0 + tf.matmul(powers, self.gains)[:, None, None, :]
        shift = tf.matmul(powers, self.shifts)[:, None, None, :]
        return features * gain + shift

    def fold(self, lossiness: float) -> tuple[np.ndarray, np.ndarray]:
        """(gain, shift) per channel at one lossiness, in float64."""
        powers = np.array([lossiness, lossiness * lossiness])
        return 1.0 + powers @ self.gains.numpy().astype(np.float64), powers @ self.shifts.numpy().astype(np.float64)


def build_training_model(config: ModelConfig, form: str = "collapsed", jpeg_aware: bool = False) -> keras.Model:
    """The trainable SESR model with linear blocks in ``form`` ("collapsed" or "expanded").

    A ``jpeg_aware`` model takes a second input, the LR image's JPEG lossiness (:data:`LOSSINESS_INPUT`, see
    :mod:`sesr_core.models.jpeg_variants`), which scales and shifts every block's output (:class:`JpegFilm`).
    """
    inputs = keras.Input(shape=(None, None, 1), name="lr_y")
    lossiness = keras.Input(shape=(1,), name=LOSSINESS_INPUT) if jpeg_aware else None

    def block(kernel: int, channels: int, name: str, features, residual: bool = False):
        out = LinearBlock(kernel, channels, config.p, residual=residual, form=form, name=name)(features)
        return JpegFilm(name=f"film_{name}")([out, lossiness]) if jpeg_aware else out

    first = block(5, config.f, "input_block", inputs)
    features = first
    for i in range(config.m):
        features = block(3, config.f, f"block_{i}", features, residual=True)
        features = _activation(config, f"act_{i}")(features)
    features = keras.layers.Add(name="long_residual")([features, first])
    features = block(5, config.scale**2, "output_block", features)
    model_inputs = {"lr_y": inputs, LOSSINESS_INPUT: lossiness} if jpeg_aware else inputs
    return keras.Model(model_inputs, _head(config, inputs, features), name=config.name)


def is_jpeg_aware(model: keras.Model) -> bool:
    """Whether a training model takes the JPEG lossiness as its second input."""
    return any(isinstance(layer, JpegFilm) for layer in model.layers)


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


def collapse_network(model: keras.Model, config: ModelConfig, lossiness: float = 0.0) -> CollapsedWeights:
    """Collapse every linear block of a trained model into one kernel and bias; a JPEG-aware model's scale and
    shift at ``lossiness`` fold into them."""
    convs = {name: model.get_layer(name).collapse() for name in block_names(config)}
    if is_jpeg_aware(model):
        convs = {name: _folded(kernel, bias, model.get_layer(f"film_{name}").fold(lossiness))
                 for name, (kernel, bias) in convs.items()}
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


def _folded(kernel: np.ndarray, bias: np.ndarray, film: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    gain, shift = film
    return (kernel * gain).astype(kernel.dtype), (bias * gain + shift).astype(bias.dtype)


def collapsed_from_training(model: keras.Model, config: ModelConfig, lossiness: float = 0.0) -> keras.Model:
    """A collapsed inference model carrying a training model's weights (a JPEG-aware model's at ``lossiness``)."""
    collapsed = build_collapsed_model(config)
    load_collapsed_weights(collapsed, collapse_network(model, config, lossiness))
    return collapsed
