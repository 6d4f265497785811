"""The receptive field of a .tflite graph, derived from its operators, so tiles can overlap exactly enough.

Each activation tensor carries a radius (how far, in input pixels, its values reach) and a spatial factor (its
resolution relative to the input). Convolutions add half their kernel size divided by the factor, depth_to_space
multiplies the factor, and element-wise operators keep the largest radius of their inputs. For SESR this gives
2 + m + 2: a 5x5 conv, m 3x3 convs and a 5x5 conv. An operator the walk does not understand makes the radius
unknown (None), and callers fall back to a generous margin.
"""

from __future__ import annotations

import importlib
import math

from sesr_core.runtime.interpreter import interpreter_class

_CONVOLUTIONS = {"CONV_2D", "DEPTHWISE_CONV_2D"}
_ELEMENTWISE = {
    "ADD", "SUB", "MUL", "DIV", "MINIMUM", "MAXIMUM", "RELU", "RELU6", "RELU_N1_TO_1", "RELU_0_TO_1", "PRELU",
    "LEAKY_RELU", "LOGISTIC", "TANH", "HARD_SWISH", "QUANTIZE", "DEQUANTIZE", "CONCATENATION", "ABS", "NEG",
    "SQUARED_DIFFERENCE", "POW", "EXP", "SQRT", "RSQRT",
}


def analysis_interpreter(content: bytes, size: int = 8):
    """An interpreter without delegates, allocated at ``size`` x ``size``: every tensor then shows its true shape."""
    module = importlib.import_module(interpreter_class().__module__)
    resolver = module.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    interpreter = interpreter_class()(model_content=content, experimental_op_resolver_type=resolver, num_threads=1)
    interpreter.resize_tensor_input(interpreter.get_input_details()[0]["index"], [1, size, size, 1], strict=False)
    interpreter.allocate_tensors()
    return interpreter


def macs_per_input_pixel(content: bytes) -> int | None:
    """Multiply-accumulates per input pixel of the model's convolutions, or None when the graph is not understood."""
    try:
        interpreter = analysis_interpreter(content)
        tensors = {t["index"]: t for t in interpreter.get_tensor_details()}
        pixels = 8 * 8
        total = 0
        for op in interpreter._get_ops_details():
            if op["op_name"] not in _CONVOLUTIONS:
                continue
            out_shape = tensors[int(op["outputs"][0])]["shape"]
            kernel = tensors[int(op["inputs"][1])]["shape"]
            if op["op_name"] == "CONV_2D":
                per_output = int(kernel[1]) * int(kernel[2]) * int(kernel[3])
            else:
                per_output = int(kernel[1]) * int(kernel[2])
            total += per_output * int(out_shape[1]) * int(out_shape[2]) * int(out_shape[3])
    except (AttributeError, KeyError, IndexError, ValueError, RuntimeError):
        return None
    return total // pixels


def receptive_radius(content: bytes) -> int | None:
    """Radius in input pixels of a .tflite model's output, or None when the graph is not understood."""
    try:
        interpreter = analysis_interpreter(content)
        ops = interpreter._get_ops_details()
        tensors = {t["index"]: t for t in interpreter.get_tensor_details()}
        input_index = interpreter.get_input_details()[0]["index"]
        output_index = interpreter.get_output_details()[0]["index"]
    except (AttributeError, KeyError, IndexError, ValueError, RuntimeError):
        return None
    # tensor index -> (radius in input pixels, spatial factor relative to the input)
    reach: dict[int, tuple[float, float]] = {int(input_index): (0.0, 1.0)}
    for op in ops:
        inputs = [int(i) for i in op["inputs"] if int(i) in reach]
        if not inputs:
            continue  # an operator on constants only
        radius = max(reach[i][0] for i in inputs)
        factor = reach[inputs[0]][1]
        name = op["op_name"]
        first_in = tensors[inputs[0]]["shape"]
        outputs = [int(i) for i in op["outputs"]]
        out_shape = tensors[outputs[0]]["shape"]
        if name in _CONVOLUTIONS:
            if len(first_in) != 4 or tuple(first_in[1:3]) != tuple(out_shape[1:3]):
                return None  # strided or valid-padded: not a plain same-size convolution
            kernel = tensors[int(op["inputs"][1])]["shape"]
            radius += max(int(kernel[1]), int(kernel[2])) // 2 / factor
        elif name == "DEPTH_TO_SPACE":
            if len(first_in) != 4 or first_in[1] == 0 or out_shape[1] % first_in[1]:
                return None
            factor *= int(out_shape[1]) // int(first_in[1])
        elif name not in _ELEMENTWISE:
            return None
        for index in outputs:
            reach[index] = (radius, factor)
    if int(output_index) not in reach:
        return None
    return math.ceil(reach[int(output_index)][0] - 1e-9)
