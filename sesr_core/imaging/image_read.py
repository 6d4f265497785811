"""Image file reading (any Pillow mode, 8 or 16 bits, EXIF orientation applied) and image folder listing.

Pillow 13 decodes 16-bit-per-channel colour (and grey + alpha) PNG/TIFF files to 8 bits, so those are decoded with
FFmpeg's image codecs instead (:mod:`sesr_core.imaging.sixteen_bit`); everything else goes through Pillow.
Importing this module raises Pillow's decompression-bomb limit to :data:`MAX_PIXELS` if it was lower;
:func:`read_image` enforces :data:`MAX_PIXELS` itself.
"""

from __future__ import annotations

import os
import struct
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, PngImagePlugin

from sesr_core.errors import ImageReadError
from sesr_core.file_kinds import special_file
from sesr_core.imaging import sixteen_bit

MAX_PIXELS = 200_000_000
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
EXIF_HEADER = b"Exif\x00\x00"  # prefix of LoadedImage.exif; image_write accepts EXIF with or without it

_ORIENTATION_TAG = 0x0112
_SIXTEEN_BIT_FORMATS = ("PNG", "TIFF")
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)

if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < MAX_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass
class LoadedImage:
    """A decoded image: ``pixels`` is HxW (grey) or HxWx3 (RGB), ``alpha`` HxW or None, both uint8 or uint16."""

    pixels: np.ndarray
    alpha: np.ndarray | None
    bit_depth: int
    icc_profile: bytes | None
    exif: bytes | None
    source_format: str
    path: Path
    frames: int = 1  # frames or pages in the file; ``pixels`` holds the first

    @property
    def first_frame_note(self) -> str | None:
        """What to tell the user when the file holds more frames than the one read."""
        if self.frames <= 1:
            return None
        kind = "pages" if self.source_format == "TIFF" else "frames"
        return f"'{self.path}' has {self.frames} {kind}; only the first is upscaled."

    @property
    def has_alpha(self) -> bool:
        return self.alpha is not None


# ----------------------------------------------------------------------------------------------- reading


def read_image(path: str | os.PathLike[str]) -> LoadedImage:
    """Read an image file, apply its EXIF orientation and return 8-bit or 16-bit pixels plus metadata.

    Raises :class:`ImageReadError` for a missing, empty, non-image, truncated or oversized file.
    """
    path = Path(path)
    _check_readable_file(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow warns about damaged metadata it then ignores; we say what matters
        return _open_and_decode(path)


def _open_and_decode(path: Path) -> LoadedImage:
    try:
        image = Image.open(path)
    except Image.DecompressionBombError:
        raise ImageReadError(_too_big_message(path, None)) from None
    except ValueError as err:
        if _is_text_bomb(err):
            raise ImageReadError(_text_bomb_message(path)) from None
        raise ImageReadError(_corrupt_message(path)) from None
    except Image.UnidentifiedImageError:
        if _starts_like_an_image(path):  # a known format's signature, cut short or damaged after it
            raise ImageReadError(_corrupt_message(path)) from None
        raise ImageReadError(
            f"Cannot read '{path}': it is not a supported image file; use PNG, JPEG, WebP, TIFF or BMP."
        ) from None
    except PermissionError:
        raise ImageReadError(f"Cannot read '{path}': permission denied; check the file's permissions.") from None
    except _DECODE_ERRORS:
        raise ImageReadError(_corrupt_message(path)) from None
    with image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ImageReadError(_too_big_message(path, (width, height)))
        return _decode(path, image)


def _check_readable_file(path: Path) -> None:
    special = special_file(path)
    if special:
        raise ImageReadError(f"Cannot read '{path}': {special}.")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImageReadError(f"Cannot read '{path}': the file does not exist; check the path.") from None
    except OSError as exc:
        reason = (exc.strerror or "it is not accessible").lower()
        raise ImageReadError(f"Cannot read '{path}': {reason}; check the path and its permissions.") from None
    if path.is_dir():
        raise ImageReadError(f"Cannot read '{path}': it is a folder, not an image file; choose an image file.")
    if size == 0:
        raise ImageReadError(f"Cannot read '{path}': the file is empty (0 bytes); re-export it from the original.")


def _is_text_bomb(err: Exception) -> bool:
    """Pillow's refusal of a PNG text chunk (zTXt, iTXt, iCCP) that would inflate beyond its limits."""
    return isinstance(err, ValueError) and ("MAX_TEXT_CHUNK" in str(err) or "MAX_TEXT_MEMORY" in str(err))


def _text_bomb_message(path: Path) -> str:
    return (f"Cannot read '{path}': a compressed metadata chunk in it inflates to more than "
            f"{PngImagePlugin.MAX_TEXT_CHUNK // 1_000_000} MB (a decompression bomb); re-save the image without its "
            "text metadata.")


_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM", b"GIF87a", b"GIF89a")


def _starts_like_an_image(path: Path) -> bool:
    """Whether the file begins with the signature of an image format we read (so it is damaged, not foreign)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(12)
    except OSError:
        return False
    return head.startswith(_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def _corrupt_message(path: Path) -> str:
    return f"Cannot read '{path}': the file is truncated or corrupt; re-export it from the original."


def _too_big_message(path: Path, size: tuple[int, int] | None) -> str:
    limit = MAX_PIXELS // 1_000_000
    dims = f"{size[0]}x{size[1]} pixels, " if size else ""
    return f"Cannot read '{path}': the image is too large ({dims}over {limit} megapixels); downscale or split it first."


def _decode(path: Path, image: Image.Image) -> LoadedImage:
    source_format = image.format or path.suffix.lstrip(".").upper()
    icc = image.info.get("icc_profile") or None
    # Decide before loading (loading clears the tile list that tells the stored bit depth).
    sixteen_bit_colour = source_format in _SIXTEEN_BIT_FORMATS and _is_16bit_colour(image)
    try:
        image.load()  # full decode: a truncated file fails here (LOAD_TRUNCATED_IMAGES stays False)
        orientation = _orientation(image)
        exif = _exif_with_upright_orientation(image, orientation)
        if sixteen_bit_colour:
            pixels, alpha = _decode_16bit(path, source_format)
            pixels, alpha = _apply_orientation(pixels, orientation), _apply_orientation(alpha, orientation)
        else:
            pixels, alpha, icc = _pixels_from_pillow(path, ImageOps.exif_transpose(image), icc)
    except MemoryError:
        raise ImageReadError(f"Cannot read '{path}': there is not enough memory to decode it; downscale it.") from None
    except _DECODE_ERRORS as err:
        raise ImageReadError(_text_bomb_message(path) if _is_text_bomb(err) else _corrupt_message(path)) from None
    bit_depth = 16 if pixels.dtype == np.uint16 else 8
    return LoadedImage(
        pixels=np.ascontiguousarray(pixels),
        alpha=None if alpha is None else np.ascontiguousarray(alpha),
        bit_depth=bit_depth,
        icc_profile=icc,
        exif=exif,
        source_format=source_format,
        path=path,
        frames=_frame_count(image),
    )


def _frame_count(image: Image.Image) -> int:
    """Frames (animated GIF, PNG or WebP) or pages (TIFF) in the file; only the first is read."""
    try:
        return max(1, int(getattr(image, "n_frames", 1)))
    except (*_DECODE_ERRORS, TypeError):
        return 1


def _orientation(image: Image.Image) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns about slightly malformed EXIF blocks
            value = int(image.getexif().get(_ORIENTATION_TAG, 1))
    except (*_DECODE_ERRORS, TypeError):
        return 1
    return value if 1 <= value <= 8 else 1


def _exif_with_upright_orientation(image: Image.Image, orientation: int) -> bytes | None:
    """The source EXIF block (with the ``Exif\\0\\0`` header); orientation reset to 1 once it has been applied."""
    raw = image.info.get("exif")
    if not raw:
        return None
    if orientation != 1:
        exif = Image.Exif()  # a fresh copy: the image's own Exif object still drives exif_transpose
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exif.load(raw)
        exif[_ORIENTATION_TAG] = 1
        raw = exif.tobytes()
    return raw if raw.startswith(EXIF_HEADER) else EXIF_HEADER + raw


def _rawmode(image: Image.Image) -> str:
    if not image.tile:
        return ""
    args = image.tile[0].args
    rawmode = args[0] if isinstance(args, tuple) and args else args
    return rawmode if isinstance(rawmode, str) else ""


def _is_16bit_colour(image: Image.Image) -> bool:
    """True when Pillow would decode a 16-bit-per-channel colour or grey+alpha file to 8 bits."""
    return image.mode in ("RGB", "RGBA", "LA") and ";16" in _rawmode(image)


def _decode_16bit(path: Path, source_format: str) -> tuple[np.ndarray, np.ndarray | None]:
    try:
        array = sixteen_bit.decode(path.read_bytes(), source_format)
    except sixteen_bit.CodecError:
        raise ImageReadError(_corrupt_message(path)) from None
    channels = array.shape[2]
    if channels in (1, 3):
        return (array[..., 0] if channels == 1 else array), None
    return (array[..., 0] if channels == 2 else array[..., :3]), array[..., channels - 1]


def _apply_orientation(array: np.ndarray | None, orientation: int) -> np.ndarray | None:
    """Numpy equivalent of ``ImageOps.exif_transpose`` for EXIF orientation 1..8."""
    if array is None:
        return None
    transforms: dict[int, Callable[[np.ndarray], np.ndarray]] = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: a.swapaxes(0, 1),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: a[::-1, ::-1].swapaxes(0, 1),
        8: lambda a: np.rot90(a, 1),
    }
    transform = transforms.get(orientation)
    return array if transform is None else transform(array)


def _pixels_from_pillow(
    path: Path, image: Image.Image, icc: bytes | None
) -> tuple[np.ndarray, np.ndarray | None, bytes | None]:
    """Convert any Pillow mode to grey/RGB pixels plus optional alpha; returns the ICC profile still valid."""
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N"):
        return np.asarray(image).astype(np.uint16), None, icc
    if mode == "I":
        return _int32_to_uint16(path, np.asarray(image)), None, icc
    if mode == "F":
        return _float_to_uint16(path, np.asarray(image)), None, icc
    keyed = "transparency" in image.info  # a palette index or colour key marks transparent pixels
    if mode == "1":
        image = image.convert("L")
    elif mode == "P":
        has_alpha = keyed or (image.palette is not None and image.palette.mode == "RGBA")
        image = image.convert("RGBA" if has_alpha else "RGB")
    elif mode in ("L", "RGB") and keyed:
        image = image.convert("LA" if mode == "L" else "RGBA")
    elif mode in ("PA", "RGBa"):
        image = image.convert("RGBA")
    elif mode == "La":
        image = image.convert("LA")
    elif mode not in ("L", "LA", "RGB", "RGBA"):
        if mode in ("CMYK", "LAB"):
            icc = None  # the profile describes the source colour space, not the converted RGB
        image = image.convert("RGB")
    array = np.asarray(image)
    if image.mode == "LA":
        return array[..., 0], array[..., 1], icc
    if image.mode == "RGBA":
        return array[..., :3], array[..., 3], icc
    return array, None, icc


def _int32_to_uint16(path: Path, array: np.ndarray) -> np.ndarray:
    if array.size and (array.min() < 0 or array.max() > 65535):
        raise ImageReadError(
            f"Cannot read '{path}': it holds 32-bit integer values outside 0..65535; convert it to 8 or 16 bits."
        )
    return array.astype(np.uint16)


def _float_to_uint16(path: Path, array: np.ndarray) -> np.ndarray:
    finite = np.isfinite(array)
    if not finite.all() or (array.size and (array.min() < 0 or array.max() > 1)):
        raise ImageReadError(
            f"Cannot read '{path}': it is a floating-point image with values outside 0..1; convert it to 8 or 16 bits."
        )
    return np.floor(array.astype(np.float64) * 65535 + 0.5).astype(np.uint16)


# --------------------------------------------------------------------------------------------- listing


def list_images(folder: str | os.PathLike[str], recursive: bool = False) -> list[Path]:
    """Return the image files (by extension, case-insensitive) in ``folder``, sorted; hidden files are skipped."""
    folder = Path(folder)
    pattern = "**/*" if recursive else "*"
    return sorted(
        p
        for p in folder.glob(pattern)
        if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file() and not p.name.startswith(".")
    )
