"""Drop operators that cannot change a converted .tflite's output, so that every engine skips their passes.

SESR's output clip (``clip_by_value(x, 0, 1)`` after the global residual) converts to the residual ADD with a fused
RELU, then MINIMUM(x, 1) and RELU. In an int8 file all three tensors share one quantisation whose grid is exactly
[0, 1] (scale 1/255, zero point -128), so the ADD's own saturation already clips: MINIMUM against 127 and RELU at
the lowest code are identities on every value. In an fp32 file the last RELU follows a fused RELU and a MINIMUM with
1.0, so its input is never negative. Removing them changes no output value, by construction; measured with the
shipped SESR-M5-x2 it takes LiteRT's 1938x288 int8 strip from 58 to 46 ms (XNNPACK has no int8 MINIMUM, so the
graph was split there).

An operator is dropped only when that holds for every possible input:

- int8 RELU whose input and output share one per-tensor quantisation with zero point -128;
- int8 MINIMUM with a constant whose every value is at or above the largest value its input can hold, input and
  output sharing one quantisation;
- float RELU whose input is never negative (made by a RELU or RELU6, an operator with one of them fused, or a
  MINIMUM of such a tensor with non-negative constants).

An operator that requantises (input and output quantised differently) is kept. Tensors and buffers no operator uses
any more are removed.

The export applies it to every file it writes; the LiteRT engine applies it to what it loads, so that a file
exported before (a user model) runs as fast. It needs only LiteRT's copy of the .tflite schema, no TensorFlow.
"""

from __future__ import annotations

import numpy as np

try:  # LiteRT's copy of the .tflite schema (no TensorFlow); tflite-runtime has none
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema
except ImportError:  # pragma: no cover - only without ai-edge-litert
    flatbuffers = schema = None

_FILE_IDENTIFIER = b"TFL3"
if schema is not None:
    _OPS = schema.BuiltinOperator
    _INT8 = schema.TensorType.INT8
    _FLOAT32 = schema.TensorType.FLOAT32
    _NON_NEGATIVE_FUSED = (schema.ActivationFunctionType.RELU, schema.ActivationFunctionType.RELU6)


def cleanup_available() -> bool:
    """Whether this installation can read and write .tflite files (LiteRT's schema and flatbuffers)."""
    return schema is not None


def without_identity_ops(content: bytes) -> tuple[bytes, list[str]]:
    """``content`` without the operators that cannot change its output; returns (new content, names of the
    dropped operators, e.g. ["MINIMUM", "RELU"]). Unchanged content when there is nothing to drop (or no schema
    to read it with: :func:`cleanup_available`)."""
    if schema is None:
        return content, []
    try:
        return _cleaned(content)
    except Exception:  # noqa: BLE001 - a file this pass cannot read is left as it is, for LiteRT to judge
        return content, []


def _cleaned(content: bytes) -> tuple[bytes, list[str]]:
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAs(bytearray(content), 0))
    dropped: list[str] = []
    for number, subgraph in enumerate(model.subgraphs):
        before = len(dropped)
        while (index := _first_identity(model, subgraph)) is not None:
            dropped.append(_op_name(model, subgraph.operators[index]))
            _bypass(subgraph, index)
        if len(dropped) > before:
            _prune_tensors(model, number)
    if not dropped:
        return content, []
    _prune_buffers(model)
    builder = flatbuffers.Builder(len(content) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=_FILE_IDENTIFIER)
    return bytes(builder.Output()), dropped


def _op_code(model, operator) -> int:
    code = model.operatorCodes[operator.opcodeIndex]
    return max(code.builtinCode, code.deprecatedBuiltinCode)


def _op_name(model, operator) -> str:
    names = {value: name for name, value in vars(_OPS).items() if not name.startswith("_")}
    return names.get(_op_code(model, operator), str(_op_code(model, operator)))


def _producers(subgraph) -> dict[int, object]:
    return {int(out): op for op in subgraph.operators for out in op.outputs}


def _quantisation(tensor) -> tuple[float, int] | None:
    """(scale, zero point) of a per-tensor quantised tensor, else None."""
    q = tensor.quantization
    if q is None or q.scale is None or q.zeroPoint is None or len(q.scale) != 1 or len(q.zeroPoint) != 1:
        return None
    return float(q.scale[0]), int(q.zeroPoint[0])


def _constant(model, subgraph, index: int) -> np.ndarray | None:
    """The values of a constant tensor (int8 or float32), else None."""
    tensor = subgraph.tensors[index]
    data = model.buffers[tensor.buffer].data if tensor.buffer < len(model.buffers) else None
    if data is None or len(data) == 0:
        return None
    dtype = {_INT8: np.int8, _FLOAT32: np.float32}.get(tensor.type)
    return None if dtype is None else np.frombuffer(bytes(np.asarray(data, np.uint8)), dtype)


def _first_identity(model, subgraph) -> int | None:
    """The first operator that cannot change its output (never one that writes a subgraph output)."""
    producers = _producers(subgraph)
    outputs = {int(i) for i in subgraph.outputs}
    for index, op in enumerate(subgraph.operators):
        if len(op.outputs) != 1 or int(op.outputs[0]) in outputs:
            continue
        code = _op_code(model, op)
        if code == _OPS.RELU and _relu_is_identity(model, subgraph, op, producers):
            return index
        if code == _OPS.MINIMUM and _minimum_is_identity(model, subgraph, op):
            return index
    return None


def _relu_is_identity(model, subgraph, op, producers) -> bool:
    source, target = subgraph.tensors[op.inputs[0]], subgraph.tensors[op.outputs[0]]
    if source.type == _INT8 and target.type == _INT8:
        q = _quantisation(source)
        return q is not None and q == _quantisation(target) and q[1] == -128
    return source.type == _FLOAT32 and _never_negative(model, subgraph, int(op.inputs[0]), producers)


def _never_negative(model, subgraph, index: int, producers, depth: int = 4) -> bool:
    op = producers.get(index)
    if op is None or depth == 0:
        return False
    code = _op_code(model, op)
    if code in (_OPS.RELU, _OPS.RELU6):
        return True
    if getattr(op.builtinOptions, "fusedActivationFunction", None) in _NON_NEGATIVE_FUSED:
        return True
    if code == _OPS.MINIMUM:
        variable, _, constant = _variable_and_constant(model, subgraph, op)
        return (constant is not None and bool(np.all(constant >= 0))
                and _never_negative(model, subgraph, variable, producers, depth - 1))
    return False


def _variable_and_constant(model, subgraph, op) -> tuple[int, int, np.ndarray | None]:
    """(variable input, constant input, the constant's values) of a binary operator; values None when it has no
    constant operand."""
    first, second = (int(i) for i in op.inputs)
    for variable, constant in ((first, second), (second, first)):
        values = _constant(model, subgraph, constant)
        if values is not None and _constant(model, subgraph, variable) is None:
            return variable, constant, values
    return first, second, None


def _minimum_is_identity(model, subgraph, op) -> bool:
    variable, constant_index, constant = _variable_and_constant(model, subgraph, op)
    source, target = subgraph.tensors[variable], subgraph.tensors[op.outputs[0]]
    if constant is None or source.type != _INT8 or target.type != _INT8:
        return False
    q = _quantisation(source)
    q_constant = _quantisation(subgraph.tensors[constant_index])
    if q is None or q != _quantisation(target) or q_constant is None:
        return False
    if q_constant == q:
        return bool(np.all(constant >= 127))
    largest = (127 - q[1]) * q[0]
    return bool(np.all((constant.astype(np.float64) - q_constant[1]) * q_constant[0] >= largest))


def _bypass(subgraph, index: int) -> None:
    """Remove operator ``index``: whatever read its output reads its (first) variable input instead."""
    op = subgraph.operators.pop(index)
    output = int(op.outputs[0])
    source = int(op.inputs[0]) if len(op.inputs) == 1 else _variable_input(subgraph, op)
    for other in subgraph.operators:
        other.inputs = np.array([source if int(i) == output else int(i) for i in other.inputs], np.int32)


def _variable_input(subgraph, op) -> int:
    produced = {int(out) for other in subgraph.operators for out in other.outputs} | {int(i) for i in subgraph.inputs}
    return next(int(i) for i in op.inputs if int(i) in produced)


def _prune_tensors(model, number: int) -> None:
    """Keep only the tensors an operator or subgraph ``number``'s inputs and outputs refer to, renumbered in order
    (in the signatures too)."""
    subgraph = model.subgraphs[number]
    used = sorted({int(i) for op in subgraph.operators for i in (*op.inputs, *op.outputs) if int(i) >= 0}
                  | {int(i) for i in (*subgraph.inputs, *subgraph.outputs)})
    renumber = {old: new for new, old in enumerate(used)}

    def mapped(indices) -> np.ndarray:
        return np.array([renumber[int(i)] if int(i) >= 0 else -1 for i in indices], np.int32)

    subgraph.tensors = [subgraph.tensors[i] for i in used]
    for op in subgraph.operators:
        op.inputs, op.outputs = mapped(op.inputs), mapped(op.outputs)
    subgraph.inputs, subgraph.outputs = mapped(subgraph.inputs), mapped(subgraph.outputs)
    for signature in model.signatureDefs or []:
        if signature.subgraphIndex == number:
            for entry in (*(signature.inputs or []), *(signature.outputs or [])):
                entry.tensorIndex = renumber[entry.tensorIndex]


def _prune_buffers(model) -> None:
    """Keep buffer 0 (the empty one by convention) and the buffers a tensor or metadata refers to, renumbered."""
    used = {0} | {t.buffer for sg in model.subgraphs for t in sg.tensors} | {m.buffer for m in model.metadata or []}
    order = sorted(used)
    renumber = {old: new for new, old in enumerate(order)}
    model.buffers = [model.buffers[i] for i in order]
    for subgraph in model.subgraphs:
        for tensor in subgraph.tensors:
            tensor.buffer = renumber[tensor.buffer]
    for entry in model.metadata or []:
        entry.buffer = renumber[entry.buffer]
