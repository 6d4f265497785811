"""How lossy an input already is, read from the file itself: the JPEG quality behind its quantisation tables, whether
a WebP is lossy, and a video's codec and bits per pixel. ``--model auto`` picks the clean or the photo model by it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from sesr_core.imaging.jpeg_quality import opened_jpeg_quality

# Lossless video codecs (FFmpeg names): their frames carry no compression artefacts.
LOSSLESS_VIDEO_CODECS = frozenset({"ffv1", "huffyuv", "ffvhuff", "utvideo", "png", "rawvideo", "qtrle", "magicyuv",
                                   "v210", "r210", "v308", "v408", "y41p", "yuv4", "tiff", "zlib", "lagarith"})
LOSSLESS_IMAGE_FORMATS = frozenset({"PNG", "TIFF", "BMP", "PPM", "TGA", "QOI"})


@dataclass(frozen=True)
class InputQuality:
    """What the file says about its own compression.

    ``lossy`` is None when the file does not tell; ``jpeg_quality`` is the estimated libjpeg quality (1..100) of a
    JPEG; ``bits_per_pixel`` the video bit rate over pixels per second.
    """

    kind: str  # "image" or "video"
    format: str  # PNG, JPEG, WEBP, ... or the video codec name
    lossy: bool | None
    jpeg_quality: int | None = None
    bits_per_pixel: float | None = None

    def describe(self) -> str:
        """A few words for a user: 'JPEG, quality about 62', 'lossless PNG', 'h264 at 0.08 bits per pixel'."""
        if self.jpeg_quality is not None:
            return f"JPEG, quality about {self.jpeg_quality}"
        if self.kind == "video":
            rate = f" at {self.bits_per_pixel:.3f} bits per pixel" if self.bits_per_pixel else ""
            return f"{'lossless ' if self.lossy is False else ''}{self.format} video{rate}"
        if self.lossy is False:
            return f"lossless {self.format}"
        return f"lossy {self.format}" if self.lossy else self.format


def _webp_is_lossy(path: Path) -> bool | None:
    with open(path, "rb") as handle:
        header = handle.read(40)
    if header[:4] != b"RIFF" or header[8:12] != b"WEBP":
        return None
    chunk = header[12:16]
    if chunk == b"VP8X":  # extended: the first image chunk after the optional ones says it
        with open(path, "rb") as handle:
            data = handle.read(1 << 16)
        lossy, lossless = data.find(b"VP8 "), data.find(b"VP8L")
        if lossy < 0 and lossless < 0:
            return None
        return lossless < 0 or (0 <= lossy < lossless)
    return chunk == b"VP8 "


def image_quality(path: str | os.PathLike[str]) -> InputQuality:
    """Read an image file's header (not its pixels) for its compression; unknown formats give ``lossy=None``."""
    path = Path(path)
    with Image.open(path) as image:
        fmt = (image.format or path.suffix.lstrip(".")).upper()
        if fmt in ("JPEG", "MPO"):
            return InputQuality("image", "JPEG", True, jpeg_quality=opened_jpeg_quality(image))
    if fmt == "WEBP":
        return InputQuality("image", fmt, _webp_is_lossy(path))
    return InputQuality("image", fmt, False if fmt in LOSSLESS_IMAGE_FORMATS else None)


def video_quality(path: str | os.PathLike[str]) -> InputQuality:
    """A video's codec and bits per pixel (bit rate / (width x height x frame rate)), from its header."""
    import av

    with av.open(str(path), metadata_errors="replace") as container:
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        rate = float(stream.average_rate or stream.guessed_rate or 0)
        bit_rate = stream.bit_rate or 0
        if not bit_rate and container.duration:
            bit_rate = os.path.getsize(path) * 8 / (container.duration / av.time_base)  # the whole file: an upper bound
        pixels_per_second = stream.codec_context.width * stream.codec_context.height * rate
    bpp = bit_rate / pixels_per_second if bit_rate and pixels_per_second else None
    return InputQuality("video", codec, codec not in LOSSLESS_VIDEO_CODECS, bits_per_pixel=bpp)
