"""Collapsible linear blocks: a kxk conv to ``p`` channels then a 1x1 conv, trained expanded or collapsed.

Both forms hold the same four variables (expand kernel and bias, project kernel and bias), so a checkpoint from one
form loads into the other. The *collapsed* form builds the single equivalent kxk kernel and bias at every forward pass
(cheap: the weights are tiny next to the feature maps) and convolves once; gradients still reach the expanded
variables. Biases are collapsed exactly (b = b1 @ W2 + b2), unlike the seed, whose impulse trick leaked them into the
kernel taps.
"""

from __future__ import annotations

import numpy as np

from sesr_core.training._tf import keras, tf

BLOCK_FORMS = ("collapsed", "expanded")


def collapse_linear_block(
    expand_kernel: np.ndarray,
    expand_bias: np.ndarray,
    project_kernel: np.ndarray,
    project_bias: np.ndarray,
    residual: bool = False,
    dtype: type = np.float32,
) -> tuple[np.ndarray, np.ndarray]:
    """Collapse an expanded block into one conv: returns (kernel [k, k, in, out], bias [out]) of ``dtype``.

    ``project_kernel`` may be [p, out] or [1, 1, p, out]. With ``residual`` the block's short residual (identity,
    in == out) is folded into the centre tap. The products are computed in float64.
    """
    w2 = np.asarray(project_kernel, dtype=np.float64).reshape(expand_kernel.shape[-1], -1)
    kernel = np.einsum("hwip,po->hwio", np.asarray(expand_kernel, dtype=np.float64), w2)
    bias = np.asarray(expand_bias, dtype=np.float64) @ w2 + np.asarray(project_bias, dtype=np.float64)
    if residual:
        k, _, cin, cout = kernel.shape
        if cin != cout:
            raise ValueError(f"A residual block needs as many inputs as outputs, got {cin} and {cout}.")
        kernel[k // 2, k // 2] += np.eye(cin)
    return kernel.astype(dtype), bias.astype(dtype)


class LinearBlock(keras.layers.Layer):
    """An over-parameterised linear kxk conv ``in -> out`` (optionally with a short identity residual)."""

    def __init__(
        self,
        kernel_size: int,
        out_channels: int,
        expansion: int,
        residual: bool = False,
        form: str = "collapsed",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if form not in BLOCK_FORMS:
            raise ValueError(f"Unknown linear block form '{form}'; use one of {BLOCK_FORMS}.")
        self.kernel_size = kernel_size
        self.out_channels = out_channels
        self.expansion = expansion
        self.residual = residual
        self.form = form

    def build(self, input_shape) -> None:
        in_channels = int(input_shape[-1])
        if self.residual and in_channels != self.out_channels:
            raise ValueError("A residual linear block needs as many input as output channels.")
        k, p = self.kernel_size, self.expansion
        self.expand_kernel = self.add_weight(
            name="expand_kernel", shape=(k, k, in_channels, p), initializer="glorot_uniform")
        self.expand_bias = self.add_weight(name="expand_bias", shape=(p,), initializer="zeros")
        self.project_kernel = self.add_weight(
            name="project_kernel", shape=(p, self.out_channels), initializer="glorot_uniform")
        self.project_bias = self.add_weight(name="project_bias", shape=(self.out_channels,), initializer="zeros")
        if self.residual:
            identity = np.zeros((k, k, in_channels, in_channels))
            identity[k // 2, k // 2] = np.eye(in_channels)
            self._identity = tf.constant(identity, dtype=self.dtype)
        super().build(input_shape)

    def collapsed_kernel_and_bias(self) -> tuple[tf.Tensor, tf.Tensor]:
        """The single kxk kernel and bias equivalent to this block, residual included (differentiable)."""
        kernel = tf.einsum("hwip,po->hwio", self.expand_kernel, self.project_kernel)
        bias = tf.linalg.matvec(self.project_kernel, self.expand_bias, transpose_a=True) + self.project_bias
        if self.residual:
            kernel = kernel + self._identity
        return kernel, bias

    def call(self, inputs):
        if self.form == "collapsed":
            kernel, bias = self.collapsed_kernel_and_bias()
            return tf.nn.conv2d(inputs, kernel, strides=1, padding="SAME") + bias
        hidden = tf.nn.conv2d(inputs, self.expand_kernel, strides=1, padding="SAME") + self.expand_bias
        out = tf.einsum("bhwp,po->bhwo", hidden, self.project_kernel) + self.project_bias
        return out + inputs if self.residual else out

    def collapse(self) -> tuple[np.ndarray, np.ndarray]:
        """This block's trained weights collapsed to (kernel, bias) as numpy arrays."""
        return collapse_linear_block(
            self.expand_kernel.numpy(), self.expand_bias.numpy(),
            self.project_kernel.numpy(), self.project_bias.numpy(), self.residual)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(kernel_size=self.kernel_size, out_channels=self.out_channels, expansion=self.expansion,
                      residual=self.residual, form=self.form)
        return config
