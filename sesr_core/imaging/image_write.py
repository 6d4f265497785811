"""Atomic image file writing: PNG, JPEG, WebP, TIFF or BMP, 8 or 16 bits, optional alpha, ICC and EXIF.

The file is encoded into a hidden temporary file in the target folder, then renamed into place. Pillow
cannot write 16-bit colour or 16-bit grey + alpha, so those are encoded with FFmpeg's image codecs
(:mod:`sesr_core.imaging.sixteen_bit`); everything else goes through Pillow.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image

from sesr_core.atomic import create_exclusive, new_file_mode, remove_stale_temporaries, temporary_name
from sesr_core.errors import ImageWriteError
from sesr_core.file_kinds import folder_problem
from sesr_core.imaging import sixteen_bit
from sesr_core.imaging.image_read import EXIF_HEADER

DEFAULT_QUALITY = 95
FULL_DISK_BYTES = 1 << 20  # less free space than this after a failed write: the disk is full

_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".bmp": "BMP",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
}
_FORMAT_ALIASES = {**{k.lstrip(".").upper(): v for k, v in _FORMATS.items()}, "JPEG": "JPEG", "TIFF": "TIFF"}


def write_image(
    path: str | os.PathLike[str],
    pixels: np.ndarray,
    alpha: np.ndarray | None = None,
    *,
    format: str | None = None,
    quality: int | None = None,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
    overwrite: bool = False,
) -> Path:
    """Write grey/RGB ``pixels`` (uint8 or uint16) and optional ``alpha`` atomically; returns the path written.

    The format comes from ``format`` or the suffix (PNG, JPEG, WebP, TIFF, BMP). JPEG and BMP drop alpha;
    JPEG, WebP and BMP store 8 bits. ``quality`` (1..100, default 95) applies to JPEG and WebP; WebP at 100
    is lossless. Raises :class:`ImageWriteError` when the file exists (unless ``overwrite``), the folder is
    missing or not writable, or the disk is full.
    """
    path = Path(path)
    fmt = _resolve_format(path, format)
    pixels, alpha = _check_arrays(pixels, alpha)
    if quality is not None and not (isinstance(quality, int) and 1 <= quality <= 100):
        raise ImageWriteError(f"Cannot write '{path}': quality must be a whole number from 1 to 100, not {quality!r}.")
    encode = _encoder(fmt, pixels, alpha, quality, icc_profile, exif)
    folder = path.parent
    blocked = folder_problem(folder)
    if blocked:
        raise ImageWriteError(f"Cannot write '{path}': {blocked}; choose another output folder.")
    if not folder.is_dir():
        raise ImageWriteError(
            f"Cannot write '{path}': the folder '{folder}' does not exist; create it or choose another folder."
        )
    if path.is_dir():
        raise ImageWriteError(f"Cannot write '{path}': a folder has that name; choose another file name.")
    if path.exists() and not overwrite:
        raise ImageWriteError(_exists_message(path))
    with contextlib.suppress(OSError):
        remove_stale_temporaries(path)  # what a killed run left for this output
    tmp_name = temporary_name(path)  # named before it exists: an interrupt at any point knows what to delete
    try:
        with os.fdopen(create_exclusive(tmp_name), "wb") as handle:
            encode(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, new_file_mode(path))
        if not overwrite and path.exists():
            raise ImageWriteError(_exists_message(path))
        os.replace(tmp_name, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError):
            raise ImageWriteError(_os_error_message(path, exc)) from None
        raise
    return path


def _exists_message(path: Path) -> str:
    return f"Cannot write '{path}': the file already exists; choose another name or allow overwriting."


def _os_error_message(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC or (exc.errno is None and disk_is_full(path.parent)):
        return f"Cannot write '{path}': the disk is full; free some space or choose another folder."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Cannot write '{path}': the folder is read-only or not yours; choose another output folder."
    if exc.errno == errno.ENOENT:
        return f"Cannot write '{path}': the folder does not exist; create it or choose another folder."
    reason = (exc.strerror or "the system refused the write").rstrip(".").lower()
    return f"Cannot write '{path}': {reason}; check the disk and the output folder."


def disk_is_full(folder: Path) -> bool:
    """True when the file system holding ``folder`` has (next to) no space left: what an encoder's errno-less
    write failure most often means."""
    try:
        return shutil.disk_usage(folder).free < FULL_DISK_BYTES
    except OSError:
        return False


def _resolve_format(path: Path, format: str | None) -> str:
    if format is not None:
        fmt = _FORMAT_ALIASES.get(format.upper().lstrip("."))
        if fmt is None:
            raise ImageWriteError(
                f"Cannot write '{path}': format '{format}' is not supported; use PNG, JPEG, WebP, TIFF or BMP."
            )
        return fmt
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ImageWriteError(
            f"Cannot write '{path}': '{path.suffix or 'no extension'}' is not a supported image type; "
            "use .png, .jpg, .webp, .tif or .bmp."
        )
    return fmt


def _check_arrays(pixels: np.ndarray, alpha: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    pixels = np.asarray(pixels)
    if pixels.dtype not in (np.uint8, np.uint16):
        raise TypeError(f"write_image needs uint8 or uint16 pixels, not {pixels.dtype}.")
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[..., 0]
    if not (pixels.ndim == 2 or (pixels.ndim == 3 and pixels.shape[2] == 3)) or 0 in pixels.shape:
        raise ValueError(f"write_image needs HxW or HxWx3 pixels, got shape {pixels.shape}.")
    if alpha is not None:
        alpha = np.asarray(alpha)
        if alpha.shape != pixels.shape[:2]:
            raise ValueError(f"alpha must be HxW matching the pixels {pixels.shape[:2]}, got {alpha.shape}.")
        alpha = _match_depth(alpha, pixels.dtype)
    return np.ascontiguousarray(pixels), alpha


def _match_depth(array: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if array.dtype == dtype:
        return array
    if array.dtype == np.uint8 and dtype == np.uint16:
        return array.astype(np.uint16) * 257
    if array.dtype == np.uint16 and dtype == np.uint8:
        return _to_8bit(array)
    raise TypeError(f"alpha must be uint8 or uint16, not {array.dtype}.")


def _to_8bit(array: np.ndarray) -> np.ndarray:
    """Map 0..65535 to 0..255 with rounding (x / 257)."""
    return ((array.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)


def _normalise_exif(exif: bytes | None) -> bytes | None:
    if not exif:
        return None
    return exif if exif.startswith(EXIF_HEADER) else EXIF_HEADER + exif


def _encoder(
    fmt: str,
    pixels: np.ndarray,
    alpha: np.ndarray | None,
    quality: int | None,
    icc_profile: bytes | None,
    exif: bytes | None,
) -> Callable[[BinaryIO], None]:
    """Prepare the pixels for ``fmt`` and return a function that encodes them into an open binary file."""
    exif = _normalise_exif(exif)
    if fmt in ("JPEG", "BMP"):
        alpha = None
    if fmt in ("JPEG", "WEBP", "BMP") and pixels.dtype == np.uint16:
        pixels = _to_8bit(pixels)
        alpha = None if alpha is None else _to_8bit(alpha)
    if pixels.dtype == np.uint16 and (pixels.ndim == 3 or alpha is not None):
        return _sixteen_bit_encoder(fmt, pixels, alpha, icc_profile, exif)
    params: dict[str, object] = {}
    if icc_profile and fmt != "BMP":
        params["icc_profile"] = icc_profile
    if exif and fmt != "BMP":
        params["exif"] = exif
    quality = DEFAULT_QUALITY if quality is None else quality
    if fmt == "JPEG":
        params.update(quality=quality, subsampling=0 if quality >= 90 else 2)
    elif fmt == "WEBP":
        params.update(lossless=quality == 100, quality=quality)
        if pixels.ndim == 2:
            pixels = np.repeat(pixels[..., None], 3, axis=2)
    elif fmt == "TIFF":
        params["compression"] = "tiff_lzw"
    image = _pillow_image(pixels, alpha)

    def encode(handle: BinaryIO) -> None:
        image.save(_WithoutDescriptor(handle) if fmt == "TIFF" else handle, format=fmt, **params)

    return encode


class _WithoutDescriptor:
    """A file object that hides its descriptor: given one, libtiff writes to it itself and reports a full disk only as
    lines on stderr and "encoder error -2"; without one it encodes into memory and Python writes every byte, so a
    write error keeps its errno (ENOSPC: the disk is full)."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle

    def write(self, data) -> int:
        return self._handle.write(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def flush(self) -> None:
        self._handle.flush()


def _pillow_image(pixels: np.ndarray, alpha: np.ndarray | None) -> Image.Image:
    if alpha is None:
        return Image.fromarray(pixels)  # uint16 grey becomes mode I;16
    stacked = np.dstack([pixels, alpha])
    return Image.fromarray(stacked, mode="LA" if pixels.ndim == 2 else "RGBA")


def _sixteen_bit_encoder(
    fmt: str, pixels: np.ndarray, alpha: np.ndarray | None, icc_profile: bytes | None, exif: bytes | None
) -> Callable[[BinaryIO], None]:
    """16-bit colour or grey + alpha, which Pillow cannot write; PNG keeps ICC and EXIF, TIFF does not.

    16-bit grey + alpha is a grey + alpha PNG; as TIFF it is stored as RGBA.
    """

    def encode(handle: BinaryIO) -> None:
        try:
            data = sixteen_bit.encode(pixels, alpha, fmt)
        except sixteen_bit.CodecError as err:
            raise OSError(errno.EIO, f"the image encoder failed ({err})") from None
        if fmt == "PNG":
            data = _png_with_metadata(data, icc_profile, exif)
        handle.write(data)

    return encode


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _png_with_metadata(data: bytes, icc_profile: bytes | None, exif: bytes | None) -> bytes:
    """Insert iCCP and eXIf chunks right after IHDR (8-byte signature + 25-byte IHDR chunk)."""
    extra = b""
    if icc_profile:
        extra += _png_chunk(b"iCCP", b"ICC Profile\x00\x00" + zlib.compress(icc_profile))
    if exif:
        extra += _png_chunk(b"eXIf", exif[len(EXIF_HEADER) :] if exif.startswith(EXIF_HEADER) else exif)
    return data[:33] + extra + data[33:] if extra else data
