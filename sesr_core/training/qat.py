"""Quantisation-aware training with tensorflow-model-optimization on the collapsed network.

QAT fine-tunes the *collapsed* convs, so weights are fake-quantised exactly as the int8 file will hold them:
per-channel symmetric int8 on each collapsed kernel (short residual included), per-tensor int8 on activations.
tfmot's default 8-bit scheme does this for Conv2D, ReLU and Add; our one custom layer, DepthToSpace, is a pure
rearrangement and gets a pass-through QuantizeConfig (its int8 input is already quantised).

Both ends of the network are pinned to the 8-bit grid of the image, [0, 1] in steps of 1/255 (int8 scale 1/255, zero
point -128): the input, so every 8-bit Y value is one int8 value, and the output clip, so every int8 output value is
one 8-bit grey level. Left to tfmot's moving average the clip's range ends a little under 1 (0.9966 in our M5 x2
run); then each output step is 0.9966 grey levels and rounding to 8 bits a second time cost 0.04 dB on Set5.

Optionally (``residual_on_grid``) the output block, the residual the network adds to its input, is pinned to the same
grid: [-128, 127] / 255, one grey level per int8 step. The global residual's sum is then exact and the output is
rounded once, where a learnt range rounds the residual to its own step first and the sum to grey levels again.
"""

from __future__ import annotations

from sesr_core.training._tf import keras
from sesr_core.training.network import DepthToSpace

INPUT_RANGE = (0.0, 1.0)
OUTPUT_RANGE = (0.0, 1.0)
RESIDUAL_RANGE = (-128 / 255, 127 / 255)
CLIP_LAYER = "clip"
RESIDUAL_LAYER = "output_block"


def _tfmot():
    import tensorflow_model_optimization as tfmot

    return tfmot


def _pass_through_config():
    tfmot = _tfmot()

    class PassThroughQuantizeConfig(tfmot.quantization.keras.QuantizeConfig):
        """No weights, no activations, output left as is: for layers that only move values around."""

        def get_weights_and_quantizers(self, layer):
            return []

        def get_activations_and_quantizers(self, layer):
            return []

        def set_quantize_weights(self, layer, quantize_weights):
            pass

        def set_quantize_activations(self, layer, quantize_activations):
            pass

        def get_output_quantizers(self, layer):
            return []

        def get_config(self):
            return {}

    return PassThroughQuantizeConfig


def _fixed_output_config():
    pass_through = _pass_through_config()

    class FixedOutputQuantizeConfig(pass_through):
        """Output quantised over exactly [0, 1] with 256 levels: for the final clip to the image range."""

        def get_output_quantizers(self, layer):
            return [_fixed_quantizer(OUTPUT_RANGE)]

    return FixedOutputQuantizeConfig


def _custom_objects() -> dict:
    return {"DepthToSpace": DepthToSpace, "PassThroughQuantizeConfig": _pass_through_config(),
            "FixedOutputQuantizeConfig": _fixed_output_config()}


def _fixed_quantizer(value_range: tuple[float, float]):
    return _tfmot().quantization.keras.quantizers.FixedQuantizer(
        num_bits=8, init_min=value_range[0], init_max=value_range[1], narrow_range=False)


def quantize_collapsed_model(model: keras.Model, residual_on_grid: bool = False) -> keras.Model:
    """A fake-quantised copy of a collapsed SESR model (weights carried over), ready for QAT and int8 export.

    ``residual_on_grid`` pins the output block's int8 output to whole grey levels (see the module docstring).
    """
    tfmot = _tfmot()
    qkeras = tfmot.quantization.keras
    custom = _custom_objects()

    def annotate(layer):
        if isinstance(layer, DepthToSpace):
            return qkeras.quantize_annotate_layer(layer, quantize_config=custom["PassThroughQuantizeConfig"]())
        if layer.name == CLIP_LAYER:
            return qkeras.quantize_annotate_layer(layer, quantize_config=custom["FixedOutputQuantizeConfig"]())
        if isinstance(layer, keras.layers.InputLayer):
            return layer
        return qkeras.quantize_annotate_layer(layer)

    annotated = keras.models.clone_model(model, clone_function=annotate)
    annotated.set_weights(model.get_weights())
    with qkeras.quantize_scope(custom):
        quantized = qkeras.quantize_apply(annotated)
    # The input is Y in [0, 1]: quantise it over exactly that range in training too, so that QAT learns with the
    # same input grid the int8 file has (tfmot's default moving average would drift to the data's range).
    _input_quantize_layer(quantized).quantizer = _fixed_quantizer(INPUT_RANGE)
    if residual_on_grid:
        for activation in _residual_layer(quantized)._quantize_activations:
            activation.quantizer = _fixed_quantizer(RESIDUAL_RANGE)
    pin_input_range(quantized)
    return quantized


def _residual_layer(quantized: keras.Model) -> keras.layers.Layer:
    return quantized.get_layer(f"quant_{RESIDUAL_LAYER}")


def fixed_range_prefixes(quantized: keras.Model) -> set[str]:
    """Name prefixes (``quant_<layer>/post_activation``) of the activation ranges pinned by a fixed quantiser:
    their range variables are unused, so range refinement leaves them alone."""
    fixed = _tfmot().quantization.keras.quantizers.FixedQuantizer
    return {f"{layer.name}/post_activation" for layer in quantized.layers
            if any(isinstance(a.quantizer, fixed) for a in getattr(layer, "_quantize_activations", None) or [])}


def _input_quantize_layer(quantized: keras.Model) -> keras.layers.Layer:
    return next(layer for layer in quantized.layers if layer.name.startswith("quantize_layer"))


def quantize_scope():
    """The scope in which a quantised SESR model can be rebuilt or deserialised."""
    tfmot = _tfmot()
    return tfmot.quantization.keras.quantize_scope(_custom_objects())


def pin_input_range(quantized: keras.Model) -> None:
    """Set the input quantiser's (unused) range variables to [0, 1] too, as the int8 file has it: 1/255, -128.

    Every 8-bit Y value then maps to one int8 input value (``q = Y8 - 128``), so the runtime can feed 8-bit planes
    without rounding and Y = 255 never clips.
    """
    for variable in _input_quantize_layer(quantized).weights:
        name = variable.name.split(":")[0]
        if name.endswith("_min") or name.endswith("_max"):
            variable.assign(INPUT_RANGE[0] if name.endswith("_min") else INPUT_RANGE[1])


def calibrate_activation_ranges(quantized: keras.Model, float_model: keras.Model, batches) -> None:
    """Set every quantiser's range from the float model: kernels per channel, activations by their min/max on
    ``batches``.

    tfmot starts activation ranges at [-6, 6] and moves them by a slow moving average; starting from measured
    ranges makes the first QAT step already close to the float model.
    """
    names = [layer.name for layer in float_model.layers if not isinstance(layer, keras.layers.InputLayer)]
    probe = keras.Model(float_model.inputs, [float_model.get_layer(n).output for n in names])
    low = {n: 0.0 for n in names}
    high = {n: 0.0 for n in names}
    for batch in batches:
        for name, out in zip(names, probe(batch, training=False), strict=True):
            low[name] = min(low[name], float(out.numpy().min()))
            high[name] = max(high[name], float(out.numpy().max()))
    for variable in quantized.weights:
        layer_name, _, var_name = variable.name.partition("/")
        base, kind = layer_name.removeprefix("quant_"), var_name.split(":")[0]
        if base in low and kind in ("post_activation_min", "output_min"):
            value = low[base]
        elif base in high and kind in ("post_activation_max", "output_max"):
            value = high[base]
        elif kind in ("kernel_min", "kernel_max"):
            kernel = float_model.get_layer(base).get_weights()[0]
            reach = abs(kernel).reshape(-1, kernel.shape[-1]).max(axis=0)
            value = -reach if kind == "kernel_min" else reach
        else:
            continue
        variable.assign(value)
    pin_input_range(quantized)


def _frozen_quantizer_class():
    tfmot = _tfmot()

    class FrozenRangeQuantizer(tfmot.quantization.keras.quantizers.MovingAverageQuantizer):
        """A moving-average quantiser that keeps its learnt range: it quantises as in inference, also in training
        (the straight-through gradient still reaches the weights)."""

        def __call__(self, inputs, training, weights, **kwargs):
            return super().__call__(inputs, False, weights, **kwargs)

    return FrozenRangeQuantizer


def freeze_activation_ranges(quantized: keras.Model) -> int:
    """Stop every activation range of a QAT model from moving (in place); returns how many quantisers changed.

    tfmot has no switch for this, so the wrappers' moving-average quantisers (their private ``_quantize_activations``
    and ``_output_quantizers``, tfmot 0.8) are given a subclass that always quantises as in inference. The range
    variables, and so checkpoints, are untouched; a resumed run freezes again.
    """
    tfmot = _tfmot()
    moving = tfmot.quantization.keras.quantizers.MovingAverageQuantizer
    frozen_class = _frozen_quantizer_class()
    changed = 0

    replaced: dict[int, object] = {}  # one tfmot quantiser object may serve several layers

    def frozen(quantizer):
        nonlocal changed
        if type(quantizer) is not moving:
            return quantizer
        if id(quantizer) not in replaced:
            replaced[id(quantizer)] = frozen_class(**quantizer.get_config())
        changed += 1
        return replaced[id(quantizer)]

    for layer in quantized.layers:
        for activation in getattr(layer, "_quantize_activations", None) or []:
            activation.quantizer = frozen(activation.quantizer)
        outputs = getattr(layer, "_output_quantizers", None)
        if outputs:
            layer._output_quantizers = [frozen(q) for q in outputs]
    return changed
