"""Peak memory of an 8000x6000 x2 image job and of a 300-frame 1080p x2 video job, each in its own process.

    python benchmarks/memory.py --model PATH [--image-format jpeg|png] [--video-frames 30,300] [--write-doc]

Each job runs in a fresh Python process (``--child``) that reports its peak resident set size (``ru_maxrss``); a
process that only loads the model and upscales a tiny image gives the baseline. The image target is a peak below
three times the output image's size (16000x12000x3 bytes = 549 MiB); the video one is a peak that does not grow with
the length of the video (the default runs 30 and 300 frames).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.doc_section import machine, update_doc  # noqa: E402
from benchmarks.speed import make_clip, photo  # noqa: E402

IMAGE_W, IMAGE_H = 8000, 6000


def peak_mb() -> float:
    """Peak resident set in MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, model: str, source: str, target: str) -> dict:
    """Run one job in this process and report its peak memory."""
    from sesr_core.runtime.upscaler import Upscaler

    upscaler = Upscaler(model)
    started = time.monotonic()
    if kind == "baseline":
        upscaler.upscale_array(np.zeros((64, 64, 3), np.uint8))
    elif kind == "image":
        upscaler.upscale_file(source, target, overwrite=True)
    else:
        result = upscaler.upscale_video(source, target, preset="veryfast", overwrite=True)
        if result.path is None:
            raise SystemExit("the video job did not finish")
    return {"kind": kind, "peak_mb": peak_mb(), "seconds": time.monotonic() - started}


def run_child(kind: str, model: str, source: Path | None = None, target: Path | None = None) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--model", model, "--source", str(source or ""),
               "--target", str(target or "")]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def make_big_image(path: Path, image_format: str) -> Path:
    """An 8000x6000 RGB photo mosaic (written with Pillow in this parent process)."""
    from PIL import Image

    options = {"quality": 95} if image_format == "jpeg" else {"compress_level": 1}
    Image.fromarray(photo(IMAGE_W, IMAGE_H)).save(path, **options)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="an x2 .tflite path or catalog name")
    parser.add_argument("--image-format", choices=("jpeg", "png"), default="jpeg",
                        help="input and output format of the image job (PNG encoding of 192 MP takes minutes)")
    parser.add_argument("--video-frames", default="30,300", help="frame counts of the video jobs (0 skips them)")
    parser.add_argument("--skip-image", action="store_true")
    parser.add_argument("--write-doc", action="store_true", help="update the Memory part of docs/benchmarks.md")
    parser.add_argument("--child", choices=("baseline", "image", "video"), help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.model, args.source, args.target)))
        return 0
    results = {"baseline": run_child("baseline", args.model)}
    output_mb = IMAGE_W * IMAGE_H * 4 * 3 / 2**20  # the x2 output, RGB, 8 bits
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        suffix = ".jpg" if args.image_format == "jpeg" else ".png"
        if not args.skip_image:
            source = make_big_image(folder / f"big{suffix}", args.image_format)
            results["image"] = run_child("image", args.model, source, folder / f"big_x2{suffix}")
            source.unlink()
        for count in (int(n) for n in args.video_frames.split(",") if int(n) > 0):
            clip = make_clip(folder / f"clip{count}.mp4", count)
            with av.open(str(clip)) as container:
                frames = container.streams.video[0].frames
            results[f"video{count}"] = run_child("video", args.model, clip, folder / "clip_x2.mp4")
            results[f"video{count}"]["frames"] = frames
            clip.unlink()
    print(json.dumps(results), file=sys.stderr)
    lines = [f"Machine: {machine()}. Model: {Path(args.model).name}. Peak resident memory (ru_maxrss) of a "
             "fresh process per job.", "", "| job | peak (MiB) | time (s) | note |", "|---|---|---|---|",
             f"| baseline: load the model, upscale 64x64 | {results['baseline']['peak_mb']:.0f} | - | "
             "Python, numpy, PyAV, the engine auto picked (OpenVINO and LiteRT loaded) |"]
    if "image" in results:
        image = results["image"]
        lines.append(f"| 8000x6000 RGB -> 16000x12000 ({args.image_format}) | {image['peak_mb']:.0f} | "
                     f"{image['seconds']:.0f} | output image {output_mb:.0f} MiB: peak = "
                     f"{image['peak_mb'] / output_mb:.2f}x the output |")
    for video in (value for key, value in results.items() if key.startswith("video")):
        lines.append(f"| 1080p -> 4K video, {video['frames']} frames, libx264 veryfast | {video['peak_mb']:.0f} | "
                     f"{video['seconds']:.0f} | bounded queues: flat in the number of frames |")
    text = "\n".join(lines)
    print(text)
    if args.write_doc:
        print(f"updated {update_doc('Memory', text)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
