"""Measure where the photo model starts to beat the clean one: over JPEG quality and over H.264 bits per pixel.

    python scripts/measure_model_choice.py [--scale 2] [--clean NAME] [--photo NAME]

Images: the shipped sample photos (resources/samples; none of them is in a training or benchmark set). Each is cut
to a multiple of the scale, downscaled by MATLAB bicubic, then either saved as JPEG at each quality or, for video,
panned across in 24 frames encoded by libx264 at each CRF. PSNR on Y (scale pixels shaved) against the HR frames, for
bicubic, the clean model and the photo model. Prints Markdown tables; ``--model auto``'s thresholds
(sesr_core/runtime/model_choice.py) come from where the two models cross.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import av
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sesr_core.evaluation.pairs import y_channel  # noqa: E402
from sesr_core.evaluation.protocol import as_8bit, score_image  # noqa: E402
from sesr_core.imaging.degradation import jpeg_roundtrip  # noqa: E402
from sesr_core.imaging.matlab_imresize import bicubic_downscale, crop_to_multiple, imresize  # noqa: E402
from sesr_core.models.catalog import find_model  # noqa: E402
from sesr_core.runtime.sr_model import SRModel  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
QUALITIES = (40, 50, 60, 70, 75, 80, 85, 90, 95, 98)
CRFS = (18, 23, 28, 33, 38)
FRAMES, FPS = 24, 24


def sample_images() -> list[tuple[str, np.ndarray]]:
    images = []
    for path in sorted(SAMPLES.iterdir()):
        if path.suffix.lower() in (".png", ".jpg"):
            with Image.open(path) as image:
                images.append((path.stem, np.asarray(image.convert("RGB"))))
    return images


def psnr_of(predict, lr_y: np.ndarray, hr_y: np.ndarray, scale: int) -> float:
    return score_image(as_8bit(predict(lr_y)), hr_y, scale)[0]


def jpeg_table(models: dict[str, SRModel], scale: int) -> list[str]:
    rows = ["| JPEG quality | bicubic | " + " | ".join(models) + " | photo - clean |", "|---|---|---|---|---|"]
    images = [(name, crop_to_multiple(rgb, scale)) for name, rgb in sample_images()]
    for quality in QUALITIES:
        scores: dict[str, list[float]] = {"bicubic": [], **{k: [] for k in models}}
        for _name, hr in images:
            lr = jpeg_roundtrip(bicubic_downscale(hr, scale), quality)
            hr_y, lr_y = y_channel(hr), y_channel(lr)
            scores["bicubic"].append(score_image(y_channel(imresize(lr, scale=scale)), hr_y, scale)[0])
            for key, model in models.items():
                scores[key].append(psnr_of(model.upscale_y, lr_y, hr_y, scale))
        means = {k: float(np.mean(v)) for k, v in scores.items()}
        rows.append(f"| {quality} | {means['bicubic']:.3f} | " + " | ".join(f"{means[k]:.3f}" for k in models)
                    + f" | {means['photo'] - means['clean']:+.3f} |")
    return rows


def _pan(hr: np.ndarray, scale: int, size: tuple[int, int]) -> list[np.ndarray]:
    """HR frames: a window of ``size`` (w, h) moving diagonally across the picture."""
    width, height = size
    frames = []
    for index in range(FRAMES):
        top = (hr.shape[0] - height) * index // (FRAMES - 1)
        left = (hr.shape[1] - width) * index // (FRAMES - 1)
        frames.append(crop_to_multiple(hr[top:top + height, left:left + width], scale))
    return frames


def encode_decode(lr_frames: list[np.ndarray], crf: int) -> tuple[list[np.ndarray], float]:
    """LR Y planes after a libx264 round trip at ``crf`` and the stream's bits per pixel."""
    buffer = io.BytesIO()
    height, width = lr_frames[0].shape[:2]
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS, options={"crf": str(crf), "preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for rgb in lr_frames:
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(
                format="yuv420p", dst_colorspace="ITU601", dst_color_range="MPEG")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    bits = buffer.tell() * 8
    buffer.seek(0)
    planes = []
    with av.open(buffer) as container:
        for frame in container.decode(video=0):
            planes.append(frame.to_ndarray(format="yuv420p")[:height])  # the Y rows of the packed planes
    return [p.astype(np.float32) / 255.0 for p in planes], bits / (width * height * len(lr_frames))


def video_table(models: dict[str, SRModel], scale: int) -> list[str]:
    rows = ["| CRF | bits per pixel | " + " | ".join(models) + " | photo - clean |", "|---|---|---|---|---|"]
    clips = []
    for _name, rgb in sample_images():
        hr_frames = _pan(rgb, scale, (min(384, rgb.shape[1] - 48) // 16 * 16, min(288, rgb.shape[0] - 48) // 16 * 16))
        clips.append((hr_frames, [bicubic_downscale(f, scale) for f in hr_frames]))
    for crf in CRFS:
        scores: dict[str, list[float]] = {k: [] for k in models}
        rates = []
        for hr_frames, lr_frames in clips:
            planes, bpp = encode_decode(lr_frames, crf)
            rates.append(bpp)
            for hr, lr_y in zip(hr_frames[::4], planes[::4], strict=True):
                for key, model in models.items():
                    scores[key].append(psnr_of(model.upscale_y, lr_y, y_channel(hr), scale))
        means = {k: float(np.mean(v)) for k, v in scores.items()}
        rows.append(f"| {crf} | {np.mean(rates):.3f} | " + " | ".join(f"{means[k]:.3f}" for k in models)
                    + f" | {means['photo'] - means['clean']:+.3f} |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=2, choices=(2, 4))
    parser.add_argument("--clean", help="clean model (default SESR-M5-xS)")
    parser.add_argument("--photo", help="photo model (default SESR-M5-xS-photo)")
    parser.add_argument("--no-video", action="store_true")
    args = parser.parse_args()

    def load(name: str) -> SRModel:
        found = find_model(name, args.scale)
        return SRModel(found.path)

    models = {"clean": load(args.clean or f"SESR-M5-x{args.scale}"),
              "photo": load(args.photo or f"SESR-M5-x{args.scale}-photo")}
    print(f"x{args.scale}: {', '.join(f'{k} = {m.path.name}' for k, m in models.items())}; "
          f"{len(sample_images())} sample photos\n")
    print("\n".join(jpeg_table(models, args.scale)))
    if not args.no_video:
        print()
        print("\n".join(video_table(models, args.scale)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
