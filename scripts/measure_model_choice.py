"""Measure where the photo model starts to beat the clean one, over JPEG quality and over H.264 bits per pixel; for a
JPEG-aware photo family, every file of the family.

    python scripts/measure_model_choice.py [--scale 2] [--clean NAME] [--photo NAME]

Images: the shipped sample photos (resources/samples; none of them is in a training or benchmark set). Each is cut
to a multiple of the scale, downscaled by MATLAB bicubic, then either saved as JPEG at each quality or, for video,
panned across in 24 frames encoded by libx264 at each CRF. PSNR on Y (scale pixels shaved) against the HR frames, for
bicubic, the clean model and the photo model: when the photo model is a JPEG-aware family, each of its files
(q30 ... lossless), the file the runtime picks for the input ("picked": by the estimated JPEG quality, or by
``video_variant_quality`` for video) and the best file. Prints Markdown tables; ``--model auto``'s thresholds and
``video_variant_quality``'s mapping (sesr_core/runtime/model_choice.py) come from them.
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
from sesr_core.imaging.jpeg_quality import saved_jpeg_quality  # noqa: E402
from sesr_core.imaging.matlab_imresize import bicubic_downscale, crop_to_multiple, imresize  # noqa: E402
from sesr_core.models.catalog import family_variants, find_model  # noqa: E402
from sesr_core.models.jpeg_variants import LOSSLESS, nearest_variant  # noqa: E402
from sesr_core.runtime.model_choice import video_variant_quality  # noqa: E402
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


def file_key(quality: int) -> str:
    """The column of a family's file: 'q75', or 'lossless'."""
    return "lossless" if quality == LOSSLESS else f"q{quality}"


class Models:
    """The models measured: ``clean`` and ``photo``, or ``clean`` and every file of a JPEG-aware photo family."""

    def __init__(self, clean: str, photo: str, scale: int) -> None:
        self.clean = SRModel(find_model(clean, scale).path)
        entry = find_model(photo, scale)
        self.family = {q: SRModel(e.path) for q, e in family_variants(entry).items()} if entry.is_family else {}
        self.photo = None if self.family else SRModel(entry.path)

    @property
    def columns(self) -> dict[str, SRModel]:
        files = {file_key(q): model for q, model in self.family.items()} if self.family else {"photo": self.photo}
        return {"clean": self.clean, **files}

    def describe(self) -> str:
        files = ", ".join(m.path.name for m in self.family.values()) if self.family else self.photo.path.name
        return f"clean = {self.clean.path.name}; photo = {files}"


def _derived(means: dict[str, float], models: Models, picked_quality: int) -> tuple[list[str], list[str]]:
    """The columns after the models': (headings, cells): for a family the picked file, the best file and picked -
    clean; else photo - clean."""
    if not models.family:
        return ["photo - clean"], [f"{means['photo'] - means['clean']:+.3f}"]
    picked = file_key(nearest_variant(picked_quality, models.family))
    best = max((file_key(q) for q in models.family), key=lambda k: means[k])
    return (["picked", "best file", "picked - clean"],
            [picked, f"{best} ({means[best]:.3f})", f"{means[picked] - means['clean']:+.3f}"])


def _table(first: list[str], columns: list[str], derived: list[str], rows: list[list[str]]) -> list[str]:
    headings = [*first, *columns, *derived]
    return ["| " + " | ".join(headings) + " |", "|" + "---|" * len(headings), *("| " + " | ".join(r) + " |"
                                                                                 for r in rows)]


def jpeg_table(models: Models, scale: int) -> list[str]:
    columns = models.columns
    images = [(name, crop_to_multiple(rgb, scale)) for name, rgb in sample_images()]
    rows, derived = [], []
    for quality in QUALITIES:
        scores: dict[str, list[float]] = {"bicubic": [], **{k: [] for k in columns}}
        for _name, hr in images:
            lr = jpeg_roundtrip(bicubic_downscale(hr, scale), quality)
            hr_y, lr_y = y_channel(hr), y_channel(lr)
            scores["bicubic"].append(score_image(y_channel(imresize(lr, scale=scale)), hr_y, scale)[0])
            for key, model in columns.items():
                scores[key].append(psnr_of(model.upscale_y, lr_y, hr_y, scale))
        means = {k: float(np.mean(v)) for k, v in scores.items()}
        derived, cells = _derived(means, models, saved_jpeg_quality(quality))
        rows.append([str(quality), f"{means['bicubic']:.3f}", *(f"{means[k]:.3f}" for k in columns), *cells])
    return _table(["JPEG quality", "bicubic"], list(columns), derived, rows)


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


def video_table(models: Models, scale: int) -> list[str]:
    columns = models.columns
    clips = []
    for _name, rgb in sample_images():
        hr_frames = _pan(rgb, scale, (min(384, rgb.shape[1] - 48) // 16 * 16, min(288, rgb.shape[0] - 48) // 16 * 16))
        clips.append((hr_frames, [bicubic_downscale(f, scale) for f in hr_frames]))
    rows, derived = [], []
    for crf in CRFS:
        scores: dict[str, list[float]] = {k: [] for k in columns}
        rates = []
        for hr_frames, lr_frames in clips:
            planes, bpp = encode_decode(lr_frames, crf)
            rates.append(bpp)
            for hr, lr_y in zip(hr_frames[::4], planes[::4], strict=True):
                for key, model in columns.items():
                    scores[key].append(psnr_of(model.upscale_y, lr_y, y_channel(hr), scale))
        means = {k: float(np.mean(v)) for k, v in scores.items()}
        rate = float(np.mean(rates))
        derived, cells = _derived(means, models, video_variant_quality(rate))
        rows.append([str(crf), f"{rate:.3f}", *(f"{means[k]:.3f}" for k in columns), *cells])
    return _table(["CRF", "bits per pixel"], list(columns), derived, rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=2, choices=(2, 4))
    parser.add_argument("--clean", help="clean model (default SESR-M5-xS)")
    parser.add_argument("--photo", help="photo model or JPEG-aware family (default SESR-M5-xS-photo)")
    parser.add_argument("--no-video", action="store_true")
    args = parser.parse_args()

    models = Models(args.clean or f"SESR-M5-x{args.scale}", args.photo or f"SESR-M5-x{args.scale}-photo", args.scale)
    print(f"x{args.scale}: {models.describe()}; {len(sample_images())} sample photos\n")
    print("\n".join(jpeg_table(models, args.scale)))
    if not args.no_video:
        print()
        print("\n".join(video_table(models, args.scale)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
