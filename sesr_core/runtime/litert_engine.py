"""LiteRT (XNNPACK) as an :class:`~sesr_core.runtime.engine.Engine`: a small pool of interpreters, resized, never
destroyed while the model is in use.

The first allocation after a resize is slow (about as long as three runs of the same shape), so each interpreter
stays at its shape until the pool needs it for another: a new shape takes the least recently used interpreter and
resizes it. Interpreters are destroyed only by :meth:`LiteRTEngine.close`, because LiteRT's destructor can deadlock
(``~CpuBackendContext`` -> ``pthreadpool_destroy``) when interpreters come and go per image.

The interpreters run the file without the operators that cannot change its output (:mod:`tflite_cleanup`): a file
exported before the export dropped them (a user model) keeps its output and loses the graph split XNNPACK made
at its int8 MINIMUM (x2 strip 67 -> 54 ms, x4 48 -> 26 ms).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from sesr_core.runtime.interpreter import first_allocation_quietly, interpreter_class
from sesr_core.runtime.tflite_cleanup import without_identity_ops

POOL_SIZE = 3  # interpreters per model: the tile shapes of a few images in a row, at bounded memory
_TRIMMED = (8, 8)


class LiteRTEngine:
    """A .tflite model on LiteRT with XNNPACK, ``threads`` threads per run."""

    name = "litert"

    def __init__(self, content: bytes, threads: int, pool_size: int = POOL_SIZE, as_written: bool = False) -> None:
        """``as_written`` runs every operator of ``content`` (to compare a file with its cleaned self)."""
        self._content, self.dropped = (content, []) if as_written else without_identity_ops(content)
        self.threads = threads
        self._pool_size = pool_size
        self._pool: OrderedDict[int, tuple[object, tuple[int, int]]] = OrderedDict()  # id -> (interpreter, shape)
        self._lock = threading.Lock()
        self._closed = False
        self.created = 0  # interpreters made (at most ``pool_size``)
        self.allocations = 0  # how often an interpreter was (re)allocated for a shape

    def _interpreter(self, shape: tuple[int, int]):
        for key, (interpreter, held) in self._pool.items():
            if held == shape:
                self._pool.move_to_end(key)
                return interpreter
        if len(self._pool) < self._pool_size:
            interpreter = interpreter_class()(model_content=self._content, num_threads=self.threads)
            self.created += 1
        else:
            _key, (interpreter, _held) = self._pool.popitem(last=False)  # resized below, not destroyed
        self._resize(interpreter, shape)
        self._pool[id(interpreter)] = (interpreter, shape)
        return interpreter

    def _resize(self, interpreter, shape: tuple[int, int]) -> None:
        interpreter.resize_tensor_input(interpreter.get_input_details()[0]["index"], [1, *shape, 1], strict=False)
        with first_allocation_quietly():
            interpreter.allocate_tensors()
        self.allocations += 1

    def run(self, tensor: np.ndarray) -> np.ndarray:
        with self._lock:
            if self._closed:
                raise RuntimeError("This LiteRT model was closed.")
            interpreter = self._interpreter(tensor.shape)
            interpreter.set_tensor(interpreter.get_input_details()[0]["index"], tensor[None, :, :, None])
            interpreter.invoke()
            return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0, :, :, 0].copy()

    def trim(self) -> None:
        """Shrink every interpreter to a tiny input, which frees XNNPACK's buffers (about 790 bytes per input
        pixel) without destroying anything."""
        with self._lock:
            for key, (interpreter, shape) in list(self._pool.items()):
                if shape != _TRIMMED:
                    self._resize(interpreter, _TRIMMED)
                    self._pool[key] = (interpreter, _TRIMMED)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._pool.clear()
