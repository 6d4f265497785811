"""Function-preserving growth: start a deeper, wider or differently expanded SESR from a trained smaller one.

A trained M5 becomes the first half of an M11 (or an XL) that computes exactly the same image, and training goes on
from there instead of from random weights: on a 2-core CPU that saves most of the bigger model's training.

Every linear block is handled through its collapsed (non-residual) kernel, a matrix of ``k*k*in`` rows by ``out``
columns:

* old inputs to old outputs keep the source's collapsed kernel; new inputs to old outputs are zero, so the source's
  channels never see the new ones, and the output block reads only the source's channels;
* new output channels (a wider ``f``) keep the target's fresh initialisation, so they start learning at once;
* extra blocks (a larger ``m``) are appended after the source's blocks with a zero kernel on the source's channels:
  with their short residual each is the identity there (a ReLU sees the previous ReLU's non-negative output; a
  PReLU gets slope 1 on those channels).

The matrix is then factorised back into the block's expand and project weights with a balanced SVD (exact when the
expansion ``p`` is at least the kernel's rank, which ``f <= p`` guarantees for every SESR preset; otherwise the best
rank-``p`` approximation). The spare expansion channels keep their fresh expand kernels and get zero project rows, so
they add nothing yet but receive gradients.
"""

from __future__ import annotations

import numpy as np

from sesr_core.models.presets import ModelConfig, start_from_description
from sesr_core.training._tf import keras
from sesr_core.training.blocks import LinearBlock, collapse_linear_block
from sesr_core.training.network import block_names


def factorise_block(kernel: np.ndarray, bias: np.ndarray, fresh_expand: np.ndarray,
                    expansion: int) -> list[np.ndarray]:
    """Expand, project weights (kernel [k, k, in, p], bias [p], [p, out], [out]; float64) collapsing to the given ones.

    ``kernel`` is the non-residual collapsed kernel [k, k, in, out]; ``fresh_expand`` [k, k, in, p] supplies the
    expand kernels of the spare expansion channels.
    """
    k, _, cin, cout = kernel.shape
    matrix = kernel.reshape(k * k * cin, cout).astype(np.float64)
    left, singular, right = np.linalg.svd(matrix, full_matrices=False)
    rank = min(int(np.sum(singular > singular.max(initial=0.0) * 1e-7)), expansion)
    root = np.sqrt(singular[:rank])
    expand = fresh_expand.reshape(k * k * cin, expansion).astype(np.float64).copy()
    project = np.zeros((expansion, cout))
    expand[:, :rank] = left[:, :rank] * root
    project[:rank] = root[:, None] * right[:rank]
    return [expand.reshape(k, k, cin, expansion), np.zeros(expansion), project, np.asarray(bias, np.float64)]


def _non_residual(block: LinearBlock) -> tuple[np.ndarray, np.ndarray]:
    return collapse_linear_block(block.expand_kernel.numpy(), block.expand_bias.numpy(),
                                 block.project_kernel.numpy(), block.project_bias.numpy(), dtype=np.float64)


def grow_weights(source: keras.Model, source_config: ModelConfig,
                 target: keras.Model, target_config: ModelConfig) -> list[str]:
    """Set ``target``'s blocks so that it computes what ``source`` does; returns the names of the layers set.

    With another scale the output block is left as initialised (x2 -> x4 transfer), as in :func:`transfer_weights`.
    """
    start_from_description(source_config, target_config)  # raises when the target is smaller
    f_old = source_config.f
    source_blocks = set(block_names(source_config))
    grown = []
    for name in block_names(target_config):
        if name == "output_block" and source_config.scale != target_config.scale:
            continue
        block: LinearBlock = target.get_layer(name)
        kernel, bias = _non_residual(block)
        if name in source_blocks:
            old_kernel, old_bias = _non_residual(source.get_layer(name))
            cin_old = old_kernel.shape[2]
            cout_old = old_kernel.shape[3]
            kernel[:, :, :, :cout_old] = 0.0
            kernel[:, :, :cin_old, :cout_old] = old_kernel
            bias[:cout_old] = old_bias
        else:  # an extra block: the identity on the source's channels, fresh on the new ones
            kernel[:, :, :, :f_old] = 0.0
            bias[:f_old] = 0.0
        block.set_weights(factorise_block(kernel, bias, block.expand_kernel.numpy(), block.expansion))
        grown.append(name)
    if target_config.activation == "prelu":
        for i in range(target_config.m):
            slopes = target.get_layer(f"act_{i}").get_weights()[0]
            if i >= source_config.m:  # slope 1: an extra block passes negative values on unchanged
                slopes[..., :f_old] = 1.0
            elif source_config.activation == "prelu":
                slopes[..., :f_old] = source.get_layer(f"act_{i}").get_weights()[0]
            else:  # a ReLU source: slope 0 is the same activation
                slopes[..., :f_old] = 0.0
            target.get_layer(f"act_{i}").set_weights([slopes])
            grown.append(f"act_{i}")
    return grown
