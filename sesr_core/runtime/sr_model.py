"""A single-channel super-resolution .tflite model (int8 or fp32) on one inference engine, with no TensorFlow.

The model maps a [1, H, W, 1] Y image in [0, 1] to [1, sH, sW, 1]. Its tensors, quantisation and receptive field
are read once with a delegate-free LiteRT interpreter; running it is the engine's job (LiteRT or OpenVINO, see
:mod:`sesr_core.runtime.engine`), which keeps what it compiled per input shape until the model is closed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sesr_core.errors import ModelError
from sesr_core.models.card import read_card
from sesr_core.runtime.engine import Engine, open_engine
from sesr_core.runtime.interpreter import default_threads
from sesr_core.runtime.model_graph import analysis_interpreter, receptive_radius

_PROBE_SIZE = 8
FALLBACK_RADIUS = 32  # tile margin for a graph whose receptive field cannot be derived


class SRModel:
    """An upscaling .tflite model on ``engine`` (litert or openvino); ``upscale_y`` turns an LR Y plane into SR Y."""

    def __init__(self, path: str | Path, threads: int | None = None, engine: str | None = "litert") -> None:
        self.path = Path(path)
        self.threads = threads or default_threads()
        if not self.path.is_file():
            raise ModelError(f"The model file '{self.path}' does not exist; check the path or pick a listed model.")
        try:
            self._content = self.path.read_bytes()
            probe = analysis_interpreter(self._content, _PROBE_SIZE)
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
        del probe
        self.card = read_card(self.path) or {}
        self.receptive_radius = self._derive_radius()
        self.engine: Engine | None = open_engine(engine, self.path, self._content, self.threads) if engine else None

    @classmethod
    def check(cls, path: str | Path) -> None:
        """Raise :class:`ModelError` (one sentence) unless ``path`` is a usable SESR model; opens no engine."""
        cls(path, engine=None)

    @property
    def engine_name(self) -> str:
        return self.engine.name if self.engine else "none"

    def _derive_radius(self) -> int:
        """Receptive-field radius in input pixels: from the graph, checked against the card's m (2 + m + 2)."""
        from_graph = receptive_radius(self._content)
        m = (self.card.get("model") or {}).get("m")
        from_card = int(m) + 4 if isinstance(m, int) else None
        known = [r for r in (from_graph, from_card) if r is not None]
        return max(known) if known else FALLBACK_RADIUS

    def release_interpreters(self) -> None:
        """Free the engine's per-shape buffers (XNNPACK's grow with the input size); the model stays usable."""
        if self.engine:
            self.engine.trim()

    def close(self) -> None:
        """Release the engine; the model cannot run afterwards."""
        if self.engine:
            self.engine.close()

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
        """Run the engine on an already quantised [H, W] input as it is (no padding); returns the raw [sH, sW]
        output tensor."""
        if self.engine is None:
            raise RuntimeError(f"'{self.path}' was opened without an engine.")
        return self.engine.run(np.ascontiguousarray(tensor, dtype=self.input_dtype))

    def upscale_y(self, y: np.ndarray) -> np.ndarray:
        """Upscale one Y plane (float in [0, 1], [H, W]) to [scale*H, scale*W]: the file run as it is on the whole
        plane, zero-padded at its edges as in training and export. This is what ``sesr eval`` and the model cards
        measure; the upscaling paths (:class:`~sesr_core.runtime.luma.LumaNetwork`) run padded strips instead,
        which differ only within the receptive field of the image's edges."""
        if y.ndim != 2:
            raise ValueError("upscale_y expects a single [H, W] plane.")
        return self.dequantize_output(self.run_raw(self.quantize_input(y)))
