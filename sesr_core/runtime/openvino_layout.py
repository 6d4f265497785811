"""Let OpenVINO stop before the network's final depth-to-space; numpy puts the phases in place instead.

A SESR file ends in DEPTH_TO_SPACE (two of them at x4) and, in OpenVINO's NCHW graph, a transpose back to NHWC. In
OpenVINO those layout passes are costly for what they do: in the layer profile of the default x2 int8 model the
depth-to-space takes 9% of a strip, and removing it (with the transpose) and writing each of the s x s phases into
its strided place in numpy measured 41.3 against 38.3 ms per 1938x288 strip at x2 and 63.8 against 44.8 ms at x4.
The values are only moved, never computed, so the output is exactly the graph's own.

Only a tail made of DepthToSpace, per-tensor FakeQuantize, Convert and one final Transpose is split off; any other
graph is left whole.

An int8 x2 file's global residual is exact integer arithmetic: the last convolution's output, the input and the
result all sit on the grid of 1/255 (code 0 at 0 for the convolution, -128 at 0 for the others), so the result code
is ``clip(conv code + input code, -128, 127)``. OpenVINO does it as a float Add with its requantisation (9-14% of a
strip in the layer profile); :func:`split_residual` ends the graph at the convolution's codes and numpy adds the
input while it places the phases: 43.1 against 38.2 ms per 1938x288 strip (82 against 70 ms of CPU). OpenVINO then
requantises the convolution inside its int8 kernel rather than before a float Add, and a tie now and then rounds
the other way: on 19 images (Set5 and 14 training images), 4 of 86 million values of the 9 shipped x2 int8 files
moved by one level, as often toward LiteRT's value as away from it. Where the grids differ (the x4 files'
convolution grid is 1.03/255) or anything else follows the Add, the graph keeps its Add.
"""

from __future__ import annotations

import numpy as np
import openvino as ov
import openvino.opset13 as ops

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


def split_residual(model: ov.Model) -> bool:
    """Rewire ``model`` (already split by :func:`split_output_layout`, in place) to output the last convolution's
    int8 codes instead of the result of the global residual, when that residual is exact integer arithmetic (see
    the module's docstring); returns whether it did."""
    result = model.get_results()[0]
    convert = result.input(0).get_source_output().get_node()
    if convert.get_type_name() != "Convert" or convert.get_output_element_type(0) != ov.Type.i8:
        return False
    node = convert.input(0).get_source_output().get_node()
    if not _on_grid(node, (0.0, 1.0, -128.0, 127.0)):
        return False
    node = node.input(0).get_source_output().get_node()
    while node.get_type_name() == "FakeQuantize" and _on_grid(node, (0.0, 1.0, 0.0, 1.0)):
        node = node.input(0).get_source_output().get_node()
    if node.get_type_name() != "Relu":
        return False
    add = node.input(0).get_source_output().get_node()
    if add.get_type_name() != "Add":
        return False
    conv, image = (add.input(i).get_source_output().get_node() for i in (0, 1))
    if not _is_input_grid(image):
        conv, image = image, conv
    if not _is_input_grid(image) or not _on_grid(conv, (-128 / 255, 127 / 255) * 2):
        return False
    low, high = np.float32(-128 / 255), np.float32(127 / 255)
    codes = ops.fake_quantize(conv.input(0).get_source_output(), low, high, np.float32(-128), np.float32(127), 256)
    result.input(0).replace_source_output(ops.convert(codes, "i8").output(0))
    model.validate_nodes_and_infer_types()
    return True


def phases_to_plane(phases: np.ndarray, phase_map: np.ndarray, residual: np.ndarray | None = None) -> np.ndarray:
    """The [H*s, W*s] plane of ``phases`` [1, s*s, H, W] (what the removed depth-to-space would have made); with
    ``residual`` (int8 [H, W], the network's input), each phase's codes plus the residual, saturated to int8."""
    scale = phase_map.shape[0]
    _, _, height, width = phases.shape
    plane = np.empty((height * scale, width * scale), phases.dtype)
    places = plane.reshape(height, scale, width, scale)
    for i in range(scale):
        for j in range(scale):
            phase = phases[0, phase_map[i, j]]
            if residual is not None:
                phase = np.add(phase, residual, dtype=np.int16)
                np.clip(phase, -128, 127, out=phase)
            places[:, i, :, j] = phase
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


def _on_grid(node, limits: tuple[float, float, float, float]) -> bool:
    """Whether ``node`` is a per-tensor 256-level FakeQuantize with these (input low, high, output low, high),
    to float32 precision."""
    if node.get_type_name() != "FakeQuantize" or node.get_levels() != 256:
        return False
    values = [_constant(node, i) for i in range(1, 5)]
    return all(v is not None and len(v) == 1 and abs(v[0] - limit) <= 1e-6 * max(1.0, abs(limit))
               for v, limit in zip(values, limits, strict=True))


def _is_input_grid(node) -> bool:
    """Whether ``node`` is the network's int8 input read as 0..1: FakeQuantize [-128, 127] -> [0, 1] of a
    Convert of (a Transpose of) the Parameter."""
    if not _on_grid(node, (-128.0, 127.0, 0.0, 1.0)):
        return False
    source = node.input(0).get_source_output().get_node()
    while source.get_type_name() in ("Convert", "Transpose"):
        source = source.input(0).get_source_output().get_node()
    return source.get_type_name() == "Parameter"


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
