"""Where the image path's time goes besides the network: each step of the colour split, on one strip and a frame.

    python benchmarks/colour_steps.py [--engine openvino] [--repeats 9] [--threads 2]

One 1080p RGB photo (8 bit) through the default x2 model: the steps of :class:`ColourSplit` on one of the runtime's
strips (the second of a 1080p frame, context included), one thread each unless said, timed round by round
(medians of wall and CPU seconds: on a shared machine CPU time is the steadier of the two); then the whole frame:
the network alone, the image path with each tile's colour work in line, and as the runtime runs it (the colour work
of a tile beside the network of the next). Prints Markdown.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.speed import photo  # noqa: E402
from sesr_core.runtime import colour_split, tiled_upscale  # noqa: E402
from sesr_core.runtime.blas import rows_times_pixels  # noqa: E402
from sesr_core.runtime.cpu_info import cpu_identity  # noqa: E402
from sesr_core.runtime.keys_resize import _horizontal, _vertical, phase_weights, upscale_cubic  # noqa: E402
from sesr_core.runtime.tiling import cut_tile, plan_tiles  # noqa: E402
from sesr_core.runtime.upscaler import Upscaler  # noqa: E402


class InLine:
    """An executor that runs what it is given at once: the image path without the overlap."""

    def submit(self, call: Callable, *args) -> Future:
        future: Future = Future()
        future.set_result(call(*args))
        return future


def rounds(calls: dict[str, Callable[[], object]], repeats: int) -> dict[str, tuple[float, float]]:
    """Median (wall ms, CPU ms) of each call, all called once per round after one warm-up each."""
    for call in calls.values():
        call()
    times: dict[str, list[tuple[float, float]]] = {key: [] for key in calls}
    for _ in range(repeats):
        for key, call in calls.items():
            wall, cpu = time.perf_counter(), time.process_time()
            call()
            times[key].append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
    return {key: (statistics.median(v[0] for v in values), statistics.median(v[1] for v in values))
            for key, values in times.items()}


def strip_steps(upscaler: Upscaler, rgb: np.ndarray) -> dict[str, Callable[[], object]]:
    """The steps of the colour split on the second strip of ``rgb``, each on its own inputs."""
    luma = upscaler.luma
    split = colour_split.ColourSplit(luma, np.uint8)
    strip = cut_tile(rgb, plan_tiles(*rgb.shape[:2], luma.radius)[1])
    height, width = strip.shape[:2]
    planes = rows_times_pixels(split._rows, strip.reshape(-1, 3)).reshape(4, height, width)
    tensor, residual = luma.quantize(planes[0] + np.float32(16.0))
    raw = luma.run(tensor, True)
    network = np.multiply(raw, split._raw_weight, dtype=np.float32)
    chroma = np.ascontiguousarray(planes[1:])
    weights = phase_weights(luma.scale, -0.75).astype(np.float32)
    wide = _horizontal(chroma[0], weights, np.float32)
    columns = np.ascontiguousarray(np.pad(chroma[0], ((0, 0), (2, 2)), mode="edge").T)
    upscaled = _vertical(columns, weights, width, height)
    full = np.empty((height * luma.scale, width * luma.scale), dtype=np.float32)
    out = np.empty((*raw.shape, 3), dtype=np.uint8)

    def add_clip_store() -> None:
        for channel in range(3):
            np.add(full, network, out=full)
            np.clip(full, 0.0, 255.0, out=full)
            np.copyto(out[:, :, channel], full, casting="unsafe")

    def merge_threads() -> None:
        pieces = colour_split.row_pieces(height, colour_split.WORKERS)
        list(colour_split._workers().map(lambda rows: split._finish(chroma, network, out, rows), pieces))

    return {
        f"colour matrix (RGB -> Y and 3 chroma planes, {width}x{height})": lambda: rows_times_pixels(
            split._rows, strip.reshape(-1, 3)),
        "Y quantised, residual": lambda: luma.quantize(planes[0]),
        "network (2 threads)": lambda: luma.run(tensor, True),
        "network output scaled to float": lambda: np.multiply(raw, split._raw_weight, dtype=np.float32),
        "3 x column pass: edge pad + transpose": lambda: [np.ascontiguousarray(
            np.pad(chroma[c], ((0, 0), (2, 2)), mode="edge").T) for c in range(3)],
        "3 x column pass: five-tap products": lambda: [_vertical(columns, weights, width, height) for _ in range(3)],
        "3 x column pass: transpose back": lambda: [np.ascontiguousarray(upscaled.T) for _ in range(3)],
        "3 x row pass: five-tap products": lambda: [_vertical(wide, weights, height, width * luma.scale, full)
                                                    for _ in range(3)],
        "3 x whole chroma bicubic (upscale_cubic)": lambda: [upscale_cubic(chroma[c], luma.scale, out=full)
                                                              for c in range(3)],
        "3 x add network, clip, store interleaved": add_clip_store,
        f"all full-size work ({colour_split.WORKERS} threads)": merge_threads,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="openvino")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    upscaler = Upscaler(None, scale=2, threads=args.threads, engine=args.engine)
    rgb = photo(1920, 1080)
    steps = rounds(strip_steps(upscaler, rgb), args.repeats)
    tensor, _ = upscaler.luma.quantize(rgb.astype(np.float32) @ np.array([0.25678824, 0.50412941, 0.09790588],
                                                                         np.float32) + np.float32(16.0))
    overlapped = tiled_upscale._merger

    def image_path(merger: Callable) -> Callable[[], object]:
        def call() -> object:
            tiled_upscale._merger = merger
            try:
                return upscaler.upscale_array(rgb)
            finally:
                tiled_upscale._merger = overlapped
        return call

    frame = rounds({"network alone": lambda: upscaler.luma.run(tensor),
                    "image path, colour work in line": image_path(InLine),
                    "image path, colour work beside the next tile's network": image_path(overlapped)}, args.repeats)
    print(f"CPU: {cpu_identity()}. Engine: {upscaler.engine_choice.label}, {args.threads} threads. "
          f"Medians of {args.repeats} rounds.\n")
    print("| step, one strip | wall (ms) | CPU (ms) |\n|---|---|---|")
    for key, (wall, cpu) in steps.items():
        print(f"| {key} | {wall:.1f} | {cpu:.1f} |")
    network = frame["network alone"][0]
    print("\n| 1080p frame -> 4K | wall (ms) | CPU (ms) | wall / network |\n|---|---|---|---|")
    for key, (wall, cpu) in frame.items():
        print(f"| {key} | {wall:.0f} | {cpu:.0f} | {wall / network:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
