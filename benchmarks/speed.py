"""Inference speed of every engine side by side: network alone, the whole image path, and 1080p -> 4K video.

    python benchmarks/speed.py [--model PATH ...] [--repeats 7] [--video-frames 24] [--threads 2] [--write-doc]
    python benchmarks/speed.py --video-only [--video-frames 24]

Models: every ``--model`` given (a .tflite path or catalog name), else the default x2 and x4 models; each runs on
every engine (OpenVINO, LiteRT), as it is and as its fp32 twin. For each, 1080p -> 4K means an input of
3840/s x 2160/s. Reported, with the CPU's vector flags:

* network alone: median time of the network over the frame in the strips the runtime uses (input quantised, raw
  output stitched), all candidates interleaved round by round so that they share the machine's load; GMAC/s;
* image path: ``Upscaler.upscale_array`` on an 8-bit RGB photo of that size (colour split, network, chroma, merge;
  no file decoding or encoding) over the network alone, timed alternately (target <= 1.3);
* what ``--engine auto`` picked, and its time over the fastest candidate's (target <= 1.05);
* video (the default x2 model on each engine): decode + upscale + libx264 veryfast of a 1080p clip, in fps, and each
  stage alone on the same frames, with its CPU seconds per frame (all threads); end to end over the slowest stage
  alone shows how well the threads overlap, and end to end over ``cores / sum of CPU seconds per frame`` how close
  it comes to what the cores allow when the stages share them (``--video-only`` runs just this part);
* OpenVINO's per-layer profile (``PERF_COUNT``) of the x2 model on one strip, and the chroma bicubic against
  Pillow's resize.

Ratios are measured within one run. Prints Markdown; ``--write-doc`` also puts it in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.doc_section import machine, update_doc  # noqa: E402
from sesr_core.models.catalog import default_model  # noqa: E402
from sesr_core.runtime.cpu_info import cpu_identity  # noqa: E402
from sesr_core.runtime.engine import ENGINES, engine_version  # noqa: E402
from sesr_core.runtime.engine_choice import twin_of  # noqa: E402
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


def frame_input(scale: int) -> tuple[np.ndarray, np.ndarray]:
    """The 1080p -> 4K test input for ``scale``: an RGB photo and its BT.601 Y (0..255)."""
    rgb = photo(OUT_W // scale, OUT_H // scale)
    y = rgb.astype(np.float32) @ np.array([0.25678824, 0.50412941, 0.09790588], np.float32) + np.float32(16.0)
    return rgb, y


def network_call(upscaler: Upscaler, y: np.ndarray):
    """The network alone over a frame, in the strips the runtime runs (the video path's exact strips)."""
    tensor, _residual = upscaler.luma.quantize(y)
    return lambda: upscaler.luma.run(tensor, bucketed=False)


def interleaved(calls: dict[str, object], repeats: int, best: dict[str, float] | None = None) -> dict[str, float]:
    """Median seconds per call, every call once per round (after one warm-up each), so all share the same load;
    the fastest run of each goes into ``best`` (on a busy machine the closest to what an idle one would do)."""
    for call in calls.values():
        call()
    times: dict[str, list[float]] = {key: [] for key in calls}
    for _ in range(repeats):
        for key, call in calls.items():
            started = time.perf_counter()
            call()
            times[key].append(time.perf_counter() - started)
    if best is not None:
        best.update({key: min(values) for key, values in times.items()})
    return {key: statistics.median(values) for key, values in times.items()}


def candidate_upscalers(names: list[str], threads: int) -> dict[str, Upscaler]:
    """``engine file`` -> Upscaler, for every model, its fp32 twin and every engine that can be imported."""
    result = {}
    for name in names:
        base = Upscaler(name, threads=threads, engine="litert")
        files = [base.path] + ([twin] if (twin := twin_of(base.path)) else [])
        for file in files:
            for engine in ENGINES:
                if engine_version(engine) is not None:
                    result[f"{engine} {file.name}"] = Upscaler(file, threads=threads, engine=engine)
    return result


def model_rows(upscalers: dict[str, Upscaler], repeats: int) -> list[dict]:
    inputs = {scale: frame_input(scale) for scale in {u.scale for u in upscalers.values()}}
    fastest: dict[str, float] = {}
    network = interleaved({key: network_call(u, inputs[u.scale][1]) for key, u in upscalers.items()}, repeats,
                          fastest)
    rows = []
    for key, upscaler in upscalers.items():
        rgb, y = inputs[upscaler.scale]
        alone, image_path, _cpu = timed_pair(network_call(upscaler, y), lambda u=upscaler, p=rgb: u.upscale_array(p),
                                             max(3, repeats // 2))
        macs = macs_per_input_pixel(upscaler.path.read_bytes()) or 0
        width, height = rgb.shape[1], rgb.shape[0]
        rows.append({"key": key, "model": upscaler.path.stem, "engine": upscaler.engine_choice.label,
                     "scale": upscaler.scale, "precision": upscaler.precision, "input": f"{width}x{height}",
                     "network_ms": network[key] * 1000, "best_ms": fastest[key] * 1000,
                     "gmac": macs * width * height / 1e9,
                     "gmac_per_s": macs * width * height / 1e9 / network[key],
                     "image_ms": image_path * 1000, "image_ratio": image_path / alone})
        print(json.dumps(rows[-1]), file=sys.stderr)
    return rows


def auto_rows(names: list[str], rows: list[dict], threads: int) -> list[dict]:
    """What auto picked for each model, and its time over the fastest candidate of that model (same run)."""
    result = []
    for name in names:
        auto = Upscaler(name, threads=threads, engine="auto")
        family = [r for r in rows if r["scale"] == auto.scale and r["model"].removesuffix("-fp32") == auto.path.stem]
        chosen = next(r for r in family if r["key"] == f"{auto.engine} {auto.model.path.name}")
        fastest = min(family, key=lambda r: r["network_ms"])
        result.append({"model": auto.path.stem, "auto": f"{chosen['engine']} {chosen['model']}",
                       "auto_ms": chosen["network_ms"], "fastest": f"{fastest['engine']} {fastest['model']}",
                       "fastest_ms": fastest["network_ms"], "ratio": chosen["network_ms"] / fastest["network_ms"],
                       "litert_int8_ms": next(r["network_ms"] for r in family
                                              if r["engine"] == "LiteRT" and r["precision"] == "int8")})
    return result


def layer_profile(path: Path, threads: int, shape: tuple[int, int] = (288, 1938), top: int = 8) -> list[dict]:
    """OpenVINO's per-layer times (PERF_COUNT) on one strip of the model, the largest first, summed over 5 runs."""
    from sesr_core.runtime.openvino_engine import OpenVINOEngine

    engine = OpenVINOEngine(path, threads, profile=True)
    tensor = np.random.default_rng(0).integers(-128, 128, shape).astype(np.int8)
    totals: dict[str, dict] = {}
    for _ in range(6):
        engine.run(tensor)
        for info in engine.request(shape).profiling_info:
            if info.status.name != "EXECUTED":
                continue
            entry = totals.setdefault(info.node_name, {"layer": info.node_name, "type": info.node_type,
                                                       "kernel": info.exec_type, "us": 0.0})
            entry["us"] += info.real_time.total_seconds() * 1e6 / 6
    layers = sorted(totals.values(), key=lambda e: -e["us"])
    whole = sum(e["us"] for e in layers)
    for entry in layers:
        entry["share"] = entry["us"] / whole
    return layers[:top]


def chroma_resize(repeats: int) -> dict:
    """The chroma bicubic of one 1938x288 photo strip: ours (Keys a = -0.75, numpy) against Pillow's (a = -0.5, C)."""
    from sesr_core.runtime.keys_resize import upscale_cubic

    plane = np.ascontiguousarray(photo(1938, 288)[..., 2], dtype=np.float32)  # a photo's blue channel
    image = Image.fromarray(plane, mode="F")
    size = (plane.shape[1] * 2, plane.shape[0] * 2)
    times = interleaved({"numpy": lambda: upscale_cubic(plane, 2),
                         "pillow": lambda: image.resize(size, Image.Resampling.BICUBIC)}, repeats)
    ours, pillow = upscale_cubic(plane, 2), np.asarray(image.resize(size, Image.Resampling.BICUBIC))
    inner = np.abs(ours - pillow)[8:-8, 8:-8]
    return {"numpy_ms": times["numpy"] * 1000, "pillow_ms": times["pillow"] * 1000,
            "max_diff": float(inner.max()), "identical": float((np.rint(ours) == np.rint(pillow)).mean())}


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


def measured(call: Callable[[], object]) -> tuple[object, float, float]:
    """``call()``'s result, wall seconds and CPU seconds (user + system, every thread of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def video_rows(upscaler: Upscaler, frames: int, folder: Path) -> dict:
    """Each stage alone on the same frames (fps and CPU seconds per frame), then ``sesr video`` end to end.

    Two CPU-bound stages sharing the machine's cores can at best make ``cores / (sum of their CPU seconds per
    frame)`` frames per second together; ``end to end / bound`` shows how close the pipeline comes to that."""
    clip = make_clip(folder / "clip1080.mp4", frames)

    def decode() -> list:
        with av.open(str(clip)) as container:
            container.streams.video[0].thread_type = "AUTO"
            return list(container.decode(video=0))

    def encode(frames_out: list) -> None:
        with av.open(str(folder / "encode_only.mp4"), "w") as container:
            stream = container.add_stream("libx264", rate=30, options={"preset": "veryfast", "crf": "18"})
            stream.width, stream.height, stream.pix_fmt = OUT_W, OUT_H, "yuv420p"
            for frame in frames_out:
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))

    decoded, decode_s, decode_cpu = measured(decode)
    upscale_frame(upscaler.luma, decoded[0])  # compile for this size, as the pipeline's first frame does
    upscaled, upscale_s, upscale_cpu = measured(lambda: [upscale_frame(upscaler.luma, f) for f in decoded])
    decoded.clear()
    _, encode_s, encode_cpu = measured(lambda: encode(upscaled))
    upscaled.clear()
    result, _, pipeline_cpu = measured(lambda: upscaler.upscale_video(clip, folder / "out.mp4", preset="veryfast",
                                                                       overwrite=True))
    n = frames
    fps = {"decode_fps": n / decode_s, "upscale_fps": n / upscale_s, "encode_fps": n / encode_s}
    cpu = {"decode_cpu_ms": decode_cpu / n * 1000, "upscale_cpu_ms": upscale_cpu / n * 1000,
           "encode_cpu_ms": encode_cpu / n * 1000, "end_to_end_cpu_ms": pipeline_cpu / n * 1000}
    cores = os.cpu_count() or 1
    bound = cores / ((decode_cpu + upscale_cpu + encode_cpu) / n)
    slowest = min(fps.values())
    return {"frames": n, **fps, **cpu, "end_to_end_fps": result.fps, "overlap": result.fps / slowest,
            "cores": cores, "cpu_bound_fps": bound, "of_bound": result.fps / bound,
            "bound_of_slowest": bound / slowest, "load": os.getloadavg()[0]}


def video_table(videos: dict[str, dict]) -> list[str]:
    """The video measurements as Markdown lines (none when there are none)."""
    if not videos:
        return []
    lines = ["", "Video 1080p -> 4K, libx264 veryfast crf 18: each stage alone (fps, and CPU ms per frame "
              "over all threads), end to end; two stages that need the same cores can together make at most "
              "cores / (sum of CPU seconds per frame) frames per second (the CPU bound):", "",
              "| engine | frames | decode alone | upscale alone | encode alone | end to end "
              "| end to end / slowest | CPU bound | end to end / bound | bound / slowest |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for label, v in videos.items():
        lines.append(f"| {label} | {v['frames']} | {v['decode_fps']:.1f} fps, {v['decode_cpu_ms']:.0f} ms CPU "
                     f"| {v['upscale_fps']:.2f} fps, {v['upscale_cpu_ms']:.0f} ms CPU | {v['encode_fps']:.2f} "
                     f"fps, {v['encode_cpu_ms']:.0f} ms CPU | {v['end_to_end_fps']:.2f} fps, "
                     f"{v['end_to_end_cpu_ms']:.0f} ms CPU | {v['overlap']:.0%} | {v['cpu_bound_fps']:.2f} fps "
                     f"({v['cores']} cores) | {v['of_bound']:.0%} | {v['bound_of_slowest']:.0%} |")
    return lines


def markdown(rows: list[dict], autos: list[dict], videos: dict[str, dict], profile: list[dict], chroma: dict,
             threads: int) -> str:
    versions = ", ".join(f"{e} {engine_version(e) or 'not available'}" for e in ENGINES)
    lines = [f"Machine: {machine()}. CPU: {cpu_identity()}. Threads: {threads}. Engines: {versions}.", "",
             "Network alone: the network over the frame in the runtime's strips, every candidate interleaved round "
             "by round (medians); image path: the whole in-memory colour path, timed alternately with the network.",
             "", "| model | engine | scale | precision | input | GMAC | network alone (ms) | fastest run (ms) | GMAC/s "
             "| image path (ms) | image / network |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["scale"], r["network_ms"])):
        lines.append(f"| {r['model']} | {r['engine']} | x{r['scale']} | {r['precision']} | {r['input']} | "
                     f"{r['gmac']:.1f} | {r['network_ms']:.0f} | {r['best_ms']:.0f} | {r['gmac_per_s']:.0f} | "
                     f"{r['image_ms']:.0f} | {r['image_ratio']:.2f}x |")
    lines += ["", "| model | auto picked | its time | fastest | auto / fastest | auto / LiteRT int8 |",
              "|---|---|---|---|---|---|"]
    for a in autos:
        lines.append(f"| {a['model']} | {a['auto']} | {a['auto_ms']:.0f} ms | {a['fastest']} "
                     f"{a['fastest_ms']:.0f} ms | {a['ratio']:.2f}x | {a['auto_ms'] / a['litert_int8_ms']:.2f}x |")
    lines += video_table(videos)
    if profile:
        lines += ["", "OpenVINO layer profile (PERF_COUNT), default x2 int8 model, one 288x1938 strip:", "",
                  "| layer | type | kernel | time (us) | share |", "|---|---|---|---|---|"]
        for p in profile:
            lines.append(f"| {p['layer']} | {p['type']} | {p['kernel']} | {p['us']:.0f} | {p['share']:.0%} |")
    lines += ["", f"Chroma bicubic of one 1938x288 strip x2: ours (numpy, Keys a = -0.75) {chroma['numpy_ms']:.1f} ms, "
              f"Pillow's resize (C, mode F, a = -0.5 fixed) {chroma['pillow_ms']:.1f} ms; away from the edges they "
              f"differ by up to {chroma['max_diff']:.2f} grey levels ({chroma['identical']:.1%} of pixels round "
              "alike), because Pillow's kernel is another one."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=[], help="a .tflite path or catalog name (repeatable)")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--video-frames", type=int, default=24, help="0 skips the video measurement")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--video-only", action="store_true", help="only the video measurement (default x2 model)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write-doc", action="store_true", help="update the Speed part of docs/benchmarks.md")
    args = parser.parse_args(argv)
    names = args.model or [str(default_model(scale).path) for scale in (2, 4)]
    if args.video_only:
        return video_only(names[0] if args.model else str(default_model(2).path), args)
    upscalers = candidate_upscalers(names, args.threads)
    rows = model_rows(upscalers, args.repeats)
    autos = auto_rows(names, rows, args.threads)
    print(json.dumps(autos), file=sys.stderr)
    x2 = [u for key, u in upscalers.items() if u.scale == 2 and u.precision == "int8"]
    videos = {}
    if args.video_frames:
        with tempfile.TemporaryDirectory() as folder:
            for upscaler in x2:
                label = f"{upscaler.engine_choice.label} {upscaler.path.stem}"
                videos[label] = video_rows(upscaler, args.video_frames, Path(folder))
                print(json.dumps(videos[label]), file=sys.stderr)
    profile = layer_profile(x2[0].path, args.threads) if x2 and engine_version("openvino") else []
    chroma = chroma_resize(args.repeats)
    text = markdown(rows, autos, videos, profile, chroma, args.threads)
    print(json.dumps({"models": rows, "auto": autos, "video": videos, "profile": profile, "chroma": chroma},
                     indent=2) if args.json else text)
    if args.write_doc:
        print(f"updated {update_doc('Speed', text)}", file=sys.stderr)
    return 0


def video_only(name: str, args: argparse.Namespace) -> int:
    """``--video-only``: the video rows of ``name`` on every engine, printed as Markdown."""
    videos = {}
    with tempfile.TemporaryDirectory() as folder:
        for engine in ENGINES:
            if engine_version(engine) is not None:
                upscaler = Upscaler(name, threads=args.threads, engine=engine)
                label = f"{upscaler.engine_choice.label} {upscaler.path.stem}"
                videos[label] = video_rows(upscaler, args.video_frames, Path(folder))
                print(json.dumps(videos[label]), file=sys.stderr)
    print(f"CPU: {cpu_identity()}. Threads: {args.threads}.")
    print("\n".join(video_table(videos)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
