"""Inference speed: model alone, the whole image path, and 1080p -> 4K video end to end against its stages.

    python benchmarks/speed.py [--model PATH ...] [--repeats 5] [--video-frames 60] [--threads N] [--write-doc]

Models: every ``--model`` given (a .tflite path or catalog name), else every shipped model. For each, 1080p -> 4K
means an input of 3840/s x 2160/s. Reported:

* model alone: median time of one LiteRT invoke (input set, output read), and the GMAC/s it achieves;
* image path: ``Upscaler.upscale_array`` on an 8-bit RGB photo of that size (colour split, network, chroma, merge;
  no file decoding or encoding) divided by the model alone (target <= 1.3);
* video (x2 models only): decode + upscale + libx264 veryfast of a 1080p clip, in fps, and each stage alone on the
  same frames; end to end over the slowest stage alone shows how well the threads overlap (target >= 85%).

Ratios are measured within one run. Prints Markdown; ``--write-doc`` also puts it in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.doc_section import machine, update_doc  # noqa: E402
from sesr_core.catalog import list_models  # noqa: E402
from sesr_core.runtime.model_graph import macs_per_input_pixel  # noqa: E402
from sesr_core.runtime.upscaler import Upscaler  # noqa: E402
from sesr_core.runtime.video_pipeline import upscale_frame  # noqa: E402

OUT_W, OUT_H = 3840, 2160
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "val" / "Set5" / "HR"


def timed_pair(first, second, repeats: int) -> tuple[float, float, float]:
    """Median seconds of two calls timed alternately (after one warm-up each), so both see the same machine load,
    and the median CPU seconds (all threads) of the first: on a busy machine that shows what an idle one would do."""
    first()
    second()
    times: tuple[list[float], list[float]] = ([], [])
    cpu: list[float] = []
    for _ in range(repeats):
        for call, bucket in ((first, times[0]), (second, times[1])):
            start, start_cpu = time.perf_counter(), time.process_time()
            call()
            bucket.append(time.perf_counter() - start)
            if bucket is times[0]:
                cpu.append(time.process_time() - start_cpu)
    return statistics.median(times[0]), statistics.median(times[1]), statistics.median(cpu)


def resized(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """An RGB array resized bicubically (Pillow)."""
    return np.asarray(Image.fromarray(rgb).resize((width, height), Image.Resampling.BICUBIC))


def photo(width: int, height: int, shift: int = 0) -> np.ndarray:
    """A natural-looking RGB test picture: Set5 photos tiled and resized (noise when the data is absent)."""
    files = sorted(SHARED.glob("*.png"))
    if not files:
        rng = np.random.default_rng(shift)
        small = (rng.random((height // 8, width // 8, 3)) * 255).astype(np.uint8)
        return resized(small, width, height)
    tiles = [np.asarray(Image.open(f).convert("RGB")) for f in files[:4]]
    side = min(t.shape[0] for t in tiles)
    row = np.hstack([t[:side, :side] for t in tiles])
    mosaic = np.vstack([row, np.roll(row, side, axis=1)])
    big = resized(mosaic, width + 64, height + 64)
    return np.ascontiguousarray(big[shift % 64:shift % 64 + height, shift % 48:shift % 48 + width])


def model_rows(upscaler: Upscaler, repeats: int) -> dict:
    scale = upscaler.scale
    width, height = OUT_W // scale, OUT_H // scale
    rgb = photo(width, height)
    y = rgb.astype(np.float32) @ np.array([0.25678824, 0.50412941, 0.09790588], np.float32) + np.float32(16.0)
    model = upscaler.model
    tensor = model.quantize_input(y / 255.0)
    model_alone, image_path, model_cpu = timed_pair(lambda: model.run_raw(tensor),
                                                    lambda: upscaler.upscale_array(rgb), repeats)
    macs = macs_per_input_pixel(model.path.read_bytes()) or 0
    return {"model": upscaler.name, "scale": scale, "precision": upscaler.precision,
            "input": f"{width}x{height}", "model_ms": model_alone * 1000,
            "gmac": macs * width * height / 1e9, "gmac_per_s": macs * width * height / 1e9 / model_alone,
            "gmac_per_cpu_s": macs * width * height / 1e9 / model_cpu,
            "image_ms": image_path * 1000, "image_ratio": image_path / model_alone}


def make_clip(path: Path, frames: int) -> Path:
    """A 1080p H.264 clip of a slowly panning photo (x264 ultrafast, so making it is quick)."""
    base = photo(1920 + frames * 2, 1080)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30, options={"preset": "ultrafast", "crf": "16"})
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        for index in range(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(base[:, index * 2:index * 2 + 1920]),
                                               format="rgb24").reformat(format="yuv420p")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def video_rows(upscaler: Upscaler, frames: int, folder: Path) -> dict:
    clip = make_clip(folder / "clip1080.mp4", frames)
    # Each stage alone, on the same frames.
    started = time.perf_counter()
    with av.open(str(clip)) as container:
        container.streams.video[0].thread_type = "AUTO"
        decoded = list(container.decode(video=0))
    decode_fps = len(decoded) / (time.perf_counter() - started)
    upscale_frame(upscaler.luma, decoded[0])  # interpreter allocation for this size, as the pipeline's first frame
    started = time.perf_counter()
    upscaled = [upscale_frame(upscaler.luma, frame) for frame in decoded]
    upscale_fps = len(upscaled) / (time.perf_counter() - started)
    del decoded
    started = time.perf_counter()
    with av.open(str(folder / "encode_only.mp4"), "w") as container:
        stream = container.add_stream("libx264", rate=30, options={"preset": "veryfast", "crf": "18"})
        stream.width, stream.height, stream.pix_fmt = OUT_W, OUT_H, "yuv420p"
        for frame in upscaled:
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    encode_fps = len(upscaled) / (time.perf_counter() - started)
    del upscaled
    result = upscaler.upscale_video(clip, folder / "out.mp4", preset="veryfast", overwrite=True)
    slowest = min(decode_fps, upscale_fps, encode_fps)
    return {"frames": frames, "decode_fps": decode_fps, "upscale_fps": upscale_fps, "encode_fps": encode_fps,
            "end_to_end_fps": result.fps, "overlap": result.fps / slowest}


def markdown(rows: list[dict], video: dict | None, video_model: str | None, threads: int | None) -> str:
    lines = [f"Machine: {machine()}. Threads: {threads or 'all cores'}.", "",
             "| model | scale | precision | input | GMAC | model alone (ms) | GMAC/s | GMAC per CPU-second | "
             "image path (ms) | image / model |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | x{r['scale']} | {r['precision']} | {r['input']} | {r['gmac']:.1f} | "
                     f"{r['model_ms']:.0f} | {r['gmac_per_s']:.0f} | {r['gmac_per_cpu_s']:.0f} | "
                     f"{r['image_ms']:.0f} | {r['image_ratio']:.2f}x |")
    if video:
        lines += ["", f"Video 1080p -> 4K with {video_model}, {video['frames']} frames, libx264 veryfast crf 18:", "",
                  "| decode alone | upscale alone | encode alone | end to end | end to end / slowest stage |",
                  "|---|---|---|---|---|",
                  f"| {video['decode_fps']:.1f} fps | {video['upscale_fps']:.2f} fps | {video['encode_fps']:.2f} fps "
                  f"| {video['end_to_end_fps']:.2f} fps | {video['overlap']:.0%} |"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=[], help="a .tflite path or catalog name (repeatable)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--video-frames", type=int, default=60, help="0 skips the video measurement")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write-doc", action="store_true", help="update the Speed part of docs/benchmarks.md")
    args = parser.parse_args(argv)
    names = args.model or [str(m.path) for m in list_models() if m.shipped]
    if not names:
        parser.error("no shipped models yet; pass --model PATH")
    upscalers = [Upscaler(name, threads=args.threads) for name in names]
    rows = []
    for upscaler in upscalers:
        rows.append(model_rows(upscaler, args.repeats))
        print(json.dumps(rows[-1]), file=sys.stderr)
    video, video_model = None, None
    candidates = [u for u in upscalers if u.scale == 2 and u.precision == "int8"] or \
        [u for u in upscalers if u.scale == 2]
    if args.video_frames and candidates:
        video_model = candidates[0].name
        with tempfile.TemporaryDirectory() as folder:
            video = video_rows(candidates[0], args.video_frames, Path(folder))
        print(json.dumps(video), file=sys.stderr)
    text = markdown(rows, video, video_model, args.threads)
    print(json.dumps({"models": rows, "video": video}, indent=2) if args.json else text)
    if args.write_doc:
        print(f"updated {update_doc('Speed', text)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
