"""A single-channel super-resolution .tflite model (int8 or fp32) run through LiteRT, with no TensorFlow.

The model maps a [1, H, W, 1] Y image in [0, 1] to [1, sH, sW, 1]. Interpreters are cached per input shape because
the first allocation after a resize is slow; video frames all share one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from sesr_core.errors import ModelError
from sesr_core.model_card import read_card
from sesr_core.runtime.interpreter import default_threads, first_allocation_quietly, interpreter_class
from sesr_core.runtime.model_graph import receptive_radius

_PROBE_SIZE = 8
FALLBACK_RADIUS = 32  # tile margin for a graph whose receptive field cannot be derived


class SRModel:
    """An upscaling .tflite model; ``upscale_y`` turns an LR Y plane into an SR Y plane."""

    def __init__(self, path: str | Path, threads: int | None = None, cache_size: int = 4) -> None:
        self.path = Path(path)
        self.threads = threads or default_threads()
        self._cache_size = cache_size
        self._interpreters: OrderedDict[tuple[int, int], object] = OrderedDict()
        self._lock = threading.Lock()
        if not self.path.is_file():
            raise ModelError(f"The model file '{self.path}' does not exist; check the path or pick a listed model.")
        try:
            self._content = self.path.read_bytes()
            probe = self._new_interpreter(_PROBE_SIZE, _PROBE_SIZE)
        except ModelError:
            raise
        except Exception as err:
            raise ModelError(f"'{self.path}' is not a valid TFLite model; choose a .tflite exported by SESR Studio.") \
                from err
        inputs, outputs = probe.get_input_details(), probe.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1 or int(inputs[0]["shape_signature"][-1]) != 1:
            raise ModelError(f"'{self.path}' is not a single-channel super-resolution model (it should take one "
                             "[1, H, W, 1] image); choose a SESR model.")
        out_shape = outputs[0]["shape"]
        if out_shape[-1] != 1 or out_shape[1] % _PROBE_SIZE or out_shape[1] != out_shape[2]:
            raise ModelError(f"'{self.path}' does not output a single-channel upscaled image; choose a SESR model.")
        self.scale = int(out_shape[1] // _PROBE_SIZE)
        if self.scale < 2:
            raise ModelError(f"'{self.path}' does not upscale its input; choose a SESR x2 or x4 model.")
        self.input_dtype = np.dtype(inputs[0]["dtype"])
        self.output_dtype = np.dtype(outputs[0]["dtype"])
        self.input_quant = tuple(inputs[0]["quantization"])
        self.output_quant = tuple(outputs[0]["quantization"])
        self.precision = "int8" if self.input_dtype == np.int8 else "fp32"
        if self.input_dtype not in (np.int8, np.float32) or self.output_dtype not in (np.int8, np.float32):
            raise ModelError(f"'{self.path}' takes {self.input_dtype} input; choose an int8 or fp32 SESR model.")
        self.card = read_card(self.path) or {}
        self.receptive_radius = self._derive_radius()
        self._interpreters[(_PROBE_SIZE, _PROBE_SIZE)] = probe

    def _derive_radius(self) -> int:
        """Receptive-field radius in input pixels: from the graph, checked against the card's m (2 + m + 2)."""
        from_graph = receptive_radius(self._content)
        m = (self.card.get("model") or {}).get("m")
        from_card = int(m) + 4 if isinstance(m, int) else None
        known = [r for r in (from_graph, from_card) if r is not None]
        return max(known) if known else FALLBACK_RADIUS

    def _new_interpreter(self, height: int, width: int):
        interpreter = interpreter_class()(model_content=self._content, num_threads=self.threads)
        details = interpreter.get_input_details()
        if not details:
            raise ModelError(f"'{self.path}' has no input; choose a SESR model.")
        interpreter.resize_tensor_input(details[0]["index"], [1, height, width, 1], strict=False)
        with first_allocation_quietly():
            interpreter.allocate_tensors()
        return interpreter

    def _interpreter(self, height: int, width: int):
        key = (height, width)
        if key in self._interpreters:
            self._interpreters.move_to_end(key)
            return self._interpreters[key]
        interpreter = self._new_interpreter(height, width)
        self._interpreters[key] = interpreter
        while len(self._interpreters) > self._cache_size:
            self._interpreters.popitem(last=False)
        return interpreter

    def release_interpreters(self) -> None:
        """Drop the cached interpreters (and XNNPACK's buffers, which grow with the input size) to free memory."""
        with self._lock:
            self._interpreters.clear()

    def quantize_input(self, y: np.ndarray) -> np.ndarray:
        """Y in [0, 1] as the model's input tensor dtype."""
        if self.input_dtype == np.int8:
            scale, zero = self.input_quant
            return np.clip(np.rint(y / scale + zero), -128, 127).astype(np.int8)
        return y.astype(np.float32)

    def dequantize_output(self, out: np.ndarray) -> np.ndarray:
        """The model's output tensor as float32 Y in [0, 1]."""
        if self.output_dtype == np.int8:
            scale, zero = self.output_quant
            return ((out.astype(np.float32) - zero) * scale).clip(0.0, 1.0)
        return out.astype(np.float32).clip(0.0, 1.0)

    def run_raw(self, tensor: np.ndarray) -> np.ndarray:
        """Run on an already quantised [H, W] input; returns the raw [sH, sW] output tensor."""
        height, width = tensor.shape
        with self._lock:
            interpreter = self._interpreter(height, width)
            interpreter.set_tensor(interpreter.get_input_details()[0]["index"], tensor[None, :, :, None])
            interpreter.invoke()
            return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0, :, :, 0].copy()

    def upscale_y(self, y: np.ndarray) -> np.ndarray:
        """Upscale one Y plane (float in [0, 1], [H, W]) to [scale*H, scale*W]."""
        if y.ndim != 2:
            raise ValueError("upscale_y expects a single [H, W] plane.")
        return self.dequantize_output(self.run_raw(self.quantize_input(y)))
