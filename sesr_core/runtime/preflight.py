"""Checks made before an image is decoded: will its upscaled result fit the output format and the free memory?

A 100-megapixel photo is upscaled tile by tile like any other when the machine can hold its result; when it
cannot, or when the format cannot store that many pixels (WebP stops at 16383 per side, JPEG at 65535), the job
refuses at once with one sentence, before any decoding or computing.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from sesr_core.errors import SesrError
from sesr_core.file_kinds import special_file
from sesr_core.imaging.image_read import MAX_PIXELS

FORMAT_MAX_SIDE = {"WEBP": 16383, "JPEG": 65535}
_ORIENTATION_TAG = 0x0112
_TILE_WORKING_SET = 8_300_000 * 40  # bytes of float planes and activations for the largest piece (see image_upscale)


@dataclass(frozen=True)
class ImageHeader:
    """What the file header says, read without decoding the pixels (orientation already applied to the size)."""

    width: int
    height: int
    channels: int
    bytes_per_sample: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


def read_header(path: str | os.PathLike[str]) -> ImageHeader | None:
    """The image's size and layout from its header, or None when Pillow cannot tell (decoding will then explain)."""
    if special_file(path):
        return None  # never open a FIFO or a device: read_image refuses it with the reason
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                width, height = image.size
                try:
                    orientation = int(image.getexif().get(_ORIENTATION_TAG, 1))
                except Exception:  # a malformed EXIF block must not stop a header read
                    orientation = 1
                mode = image.mode
                sixteen = mode.startswith("I") or any(";16" in str(t.args) for t in (image.tile or []))
    except Exception:
        return None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    channels = {"L": 1, "1": 1, "LA": 2, "P": 4, "RGB": 3, "RGBA": 4, "CMYK": 3}.get(mode, 3)
    return ImageHeader(width, height, channels, 2 if sixteen else 1)


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux MemAvailable, else free pages), or None if unknown."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def estimated_peak_bytes(header: ImageHeader, scale: int) -> int:
    """Rough peak memory of upscaling and encoding: input, output, the encoder's copy, one piece's working set."""
    input_bytes = header.pixels * header.channels * header.bytes_per_sample
    output_pixels = header.pixels * scale * scale
    output_bytes = output_pixels * header.channels * header.bytes_per_sample
    if header.bytes_per_sample == 1:  # Pillow holds colour as 4 bytes per pixel, grey as 1
        encoder_copy = output_pixels * (4 if header.channels >= 3 else header.channels)
    else:  # FFmpeg's frame and the encoded file
        encoder_copy = output_bytes * 2
    return input_bytes + output_bytes + encoder_copy + _TILE_WORKING_SET


def _gigabytes(value: int) -> str:
    return f"{value / 1e9:.1f} GB"


def check_fits(source: Path, header: ImageHeader | None, scale: int, output_format: str) -> None:
    """Raise :class:`SesrError` when the upscaled ``source`` cannot be held in memory or stored as ``output_format``."""
    if header is None or header.pixels > MAX_PIXELS:
        return  # read_image gives the precise reason
    out_w, out_h = header.width * scale, header.height * scale
    limit = FORMAT_MAX_SIDE.get(output_format)
    if limit and max(out_w, out_h) > limit:
        raise SesrError(f"Cannot upscale '{source}': the {out_w}x{out_h} result is larger than {output_format} "
                        f"allows ({limit} pixels per side); choose PNG or TIFF output.")
    need, free = estimated_peak_bytes(header, scale), available_memory()
    if free is not None and need > free:
        raise SesrError(f"Cannot upscale '{source}': the {out_w}x{out_h} result needs about {_gigabytes(need)} of "
                        f"memory and only {_gigabytes(free)} is free; use a smaller scale or split the image first.")
