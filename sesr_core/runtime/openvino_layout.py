"""Let OpenVINO stop before the network's final depth-to-space; numpy puts the phases in place instead.

A SESR file ends in DEPTH_TO_SPACE (two of them at x4) and, in OpenVINO's NCHW graph, a transpose back to NHWC. In
OpenVINO those layout passes are costly for what they do: in the layer profile of the default x2 int8 model the
depth-to-space takes 9% of a strip, and removing it (with the transpose) and writing each of the s x s phases into
its strided place in numpy measured 41.3 against 38.3 ms per 1938x288 strip at x2 and 63.8 against 44.8 ms at x4.
The values are only moved, never computed, so the output is exactly the graph's own.

Only a tail made of DepthToSpace, per-tensor FakeQuantize, Convert and one final Transpose is split off; any other
graph is left whole.
"""

from __future__ import annotations

import numpy as np
import openvino as ov

_TAIL = {"DepthToSpace", "FakeQuantize", "Convert", "Transpose"}
_NHWC_FROM_NCHW = [0, 2, 3, 1]


def split_output_layout(model: ov.Model) -> np.ndarray | None:
    """Rewire ``model`` (in place) to output the phases [1, s*s, H, W] its final depth-to-space would have placed;
    returns the phase map (``map[i, j]`` is the channel that goes to row offset i, column offset j), or None when
    the model's tail is not one this module knows (the model is then left as it was)."""
    results = model.get_results()
    if len(results) != 1:
        return None
    tail = _tail(results[0])
    if tail is None:
        return None
    transpose, spaces = tail
    channels = spaces[0].input(0).get_partial_shape()[1]
    if not channels.is_static:
        return None
    phase_map = _phase_map(channels.get_length(), spaces)
    for space in spaces:
        source = space.input(0).get_source_output()
        for target in list(space.output(0).get_target_inputs()):
            target.replace_source_output(source)
    results[0].input(0).replace_source_output(transpose.input(0).get_source_output())
    model.validate_nodes_and_infer_types()
    return phase_map


def phases_to_plane(phases: np.ndarray, phase_map: np.ndarray) -> np.ndarray:
    """The [H*s, W*s] plane of ``phases`` [1, s*s, H, W] (what the removed depth-to-space would have made)."""
    scale = phase_map.shape[0]
    _, _, height, width = phases.shape
    plane = np.empty((height * scale, width * scale), phases.dtype)
    places = plane.reshape(height, scale, width, scale)
    for i in range(scale):
        for j in range(scale):
            places[:, i, :, j] = phases[0, phase_map[i, j]]
    return plane


def _tail(result) -> tuple[object, list] | None:
    """(the final Transpose, the DepthToSpace nodes in graph order) of a tail this module can split, else None."""
    node = result.input(0).get_source_output().get_node()
    if node.get_type_name() != "Transpose" or _constant(node, 1) != _NHWC_FROM_NCHW:
        return None
    transpose, spaces = node, []
    while True:
        if len(node.output(0).get_target_inputs()) != 1:
            return None
        kind = node.get_type_name()
        if kind == "DepthToSpace":
            spaces.append(node)
        elif not _kept_in_place(node, transpose):
            return None
        previous = node.input(0).get_source_output().get_node()
        if previous.get_type_name() not in _TAIL:
            break
        node = previous
    return (transpose, spaces[::-1]) if spaces else None


def _kept_in_place(node, transpose) -> bool:
    """Whether ``node`` (not a DepthToSpace) means the same on the phases: a per-tensor FakeQuantize, a Convert,
    or the final Transpose itself."""
    kind = node.get_type_name()
    if kind == "FakeQuantize":
        return all(_is_scalar(node, i) for i in range(1, 5))
    return kind == "Convert" or node is transpose


def _constant(node, index: int) -> list | None:
    source = node.input(index).get_source_output().get_node()
    return source.get_data().ravel().tolist() if source.get_type_name() == "Constant" else None


def _is_scalar(node, index: int) -> bool:
    values = _constant(node, index)
    return values is not None and len(values) == 1


def _phase_map(channels: int, spaces: list) -> np.ndarray:
    """Run the depth-to-space chain (OpenVINO's NCHW semantics) on the channel numbers of one pixel."""
    x = np.arange(channels).reshape(1, channels, 1, 1)
    for space in spaces:
        attributes = space.get_attributes()
        block, mode = int(attributes["block_size"]), attributes["mode"]
        n, c, h, w = x.shape
        depth = c // (block * block)
        if mode == "blocks_first":
            x = x.reshape(n, block, block, depth, h, w).transpose(0, 3, 4, 1, 5, 2)
        else:
            x = x.reshape(n, depth, block, block, h, w).transpose(0, 1, 4, 2, 5, 3)
        x = x.reshape(n, depth, h * block, w * block)
    return x[0, 0]
