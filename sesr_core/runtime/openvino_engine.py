"""OpenVINO (CPU plugin) as an :class:`~sesr_core.runtime.engine.Engine`, reading the .tflite file directly.

The model is reshaped to each input shape and compiled for "CPU" with ``INFERENCE_NUM_THREADS`` and a latency hint;
compiled models are kept per shape (tiles come in a few fixed shapes), at most :data:`CACHE_SIZE` of them. Threads
are not pinned to cores: OpenVINO pins them by default, and on two cores shared with other work (the video encoder,
other programs) a pinned thread waits for its core; measured on a busy 2-core machine, one 1938x288 strip took a
median 1191 ms pinned against 469 ms unpinned (12 interleaved runs).

Every engine compiles on the process's one :class:`ov.Core` (:func:`shared_core`), kept until exit. Each Core makes its
own CPU plugin, and the plugin gives the thread that creates it a private alternate signal stack, putting back the
one it replaced when it is destroyed: two Cores destroyed in the order they were made (auto timing a model and its
fp32 twin) left the main thread's alternate stack on unmapped memory, and the next signal (Python's handlers run on
that stack) wrote over whatever was mapped there later, so Ctrl-C in the following batch crashed the process.

Float arithmetic is f32 (``INFERENCE_PRECISION_HINT``): left to itself, OpenVINO compiles float graphs for bf16 on
CPUs with avx512_bf16, and the fp32 twin then differed from LiteRT's by up to 0.004 (about one grey level; Set5 x2
37.136 against 37.143 dB) while running 1.8x faster (59.6 against 109.5 ms per strip). A file runs as it is; the
int8 files are unaffected (same values, same speed).

The network's final depth-to-space, and an int8 x2 file's global residual, are left to numpy
(:mod:`openvino_layout`), which places the phases and adds the input faster, to the same values.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
import openvino as ov

from sesr_core.runtime.openvino_layout import phases_to_plane, split_output_layout, split_residual

CACHE_SIZE = 6  # compiled shapes per model (a compiled 288x2048 M5 holds about 100 MB)

_core: ov.Core | None = None
_core_lock = threading.Lock()


def shared_core() -> ov.Core:
    """The process's one OpenVINO Core (made on first use, kept until exit): its CPU plugin, and the alternate
    signal stack the plugin installs, then outlive every engine."""
    global _core
    with _core_lock:
        if _core is None:
            _core = ov.Core()
        return _core


class OpenVINOEngine:
    """A .tflite model compiled by OpenVINO for the CPU, ``threads`` threads per run."""

    name = "openvino"

    def __init__(self, path: Path, threads: int, cache_size: int = CACHE_SIZE, profile: bool = False) -> None:
        self.threads = threads
        self._core = shared_core()
        self._model = self._core.read_model(str(path))
        try:
            self._phase_map = split_output_layout(self._model)  # None: the graph places its own output
            self._adds_residual = self._phase_map is not None and split_residual(self._model)
        except Exception:  # noqa: BLE001 - a graph the split does not understand runs whole, as written
            self._model, self._phase_map, self._adds_residual = self._core.read_model(str(path)), None, False
        self._cache_size = cache_size
        self._config = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY", "ENABLE_CPU_PINNING": False,
                        "INFERENCE_PRECISION_HINT": "f32"}
        if profile:
            self._config["PERF_COUNT"] = True
        self._requests: OrderedDict[tuple[int, int], ov.InferRequest] = OrderedDict()
        self._lock = threading.Lock()
        self.compilations = 0

    def request(self, shape: tuple[int, int]) -> ov.InferRequest:
        """The infer request compiled for ``shape`` (compiled now if it is new)."""
        if shape in self._requests:
            self._requests.move_to_end(shape)
            return self._requests[shape]
        model = self._model.clone()
        model.reshape([1, *shape, 1])
        request = self._core.compile_model(model, "CPU", self._config).create_infer_request()
        self.compilations += 1
        self._requests[shape] = request
        while len(self._requests) > self._cache_size:
            self._requests.popitem(last=False)
        return request

    def run(self, tensor: np.ndarray) -> np.ndarray:
        with self._lock:
            request = self.request(tensor.shape)
            output = next(iter(request.infer({0: tensor[None, :, :, None]}).values()))
            if self._phase_map is not None:
                return phases_to_plane(output, self._phase_map, tensor if self._adds_residual else None)
            return output[0, :, :, 0].copy()

    def trim(self) -> None:
        with self._lock:
            self._requests.clear()

    def close(self) -> None:
        self.trim()
