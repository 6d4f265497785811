"""Image file reading (any Pillow mode, 8 or 16 bits, EXIF orientation applied) and atomic writing.

Pillow 13 decodes 16-bit-per-channel colour PNG/TIFF files to 8 bits, so those are decoded with OpenCV
instead (and written with OpenCV too); everything else goes through Pillow. Importing this module raises
Pillow's decompression-bomb limit to :data:`MAX_PIXELS` if it was lower; :func:`read_image` enforces
:data:`MAX_PIXELS` itself.
"""

from __future__ import annotations

import contextlib
import errno
import os
import struct
import tempfile
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np
from PIL import Image, ImageOps

from sesr_core.errors import ImageReadError, ImageWriteError

MAX_PIXELS = 200_000_000
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
DEFAULT_QUALITY = 95

_EXIF_HEADER = b"Exif\x00\x00"
_ORIENTATION_TAG = 0x0112
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
_SIXTEEN_BIT_FORMATS = ("PNG", "TIFF")
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)

if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < MAX_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def _read_umask() -> int:
    """The process umask (read once at import: os.umask can only be read by setting it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except Image.DecompressionBombError:
        raise ImageReadError(_too_big_message(path, None)) from None
    except Image.UnidentifiedImageError:
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
    grey_alpha = _rawmode(image).startswith("LA")
    try:
        image.load()  # full decode: a truncated file fails here (LOAD_TRUNCATED_IMAGES stays False)
        orientation = _orientation(image)
        exif = _exif_with_upright_orientation(image, orientation)
        if sixteen_bit_colour:
            pixels, alpha = _decode_with_opencv(path, grey_alpha)
            pixels, alpha = _apply_orientation(pixels, orientation), _apply_orientation(alpha, orientation)
        else:
            pixels, alpha, icc = _pixels_from_pillow(path, ImageOps.exif_transpose(image), icc)
    except MemoryError:
        raise ImageReadError(f"Cannot read '{path}': there is not enough memory to decode it; downscale it.") from None
    except _DECODE_ERRORS:
        raise ImageReadError(_corrupt_message(path)) from None
    bit_depth = 16 if pixels.dtype == np.uint16 else 8
    return LoadedImage(
        pixels=np.ascontiguousarray(pixels),
        alpha=None if alpha is None else np.ascontiguousarray(alpha),
        bit_depth=bit_depth,
        icc_profile=icc,
        exif=exif,
        source_format=source_format,
        path=path,
    )


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
    return raw if raw.startswith(_EXIF_HEADER) else _EXIF_HEADER + raw


def _rawmode(image: Image.Image) -> str:
    if not image.tile:
        return ""
    args = image.tile[0].args
    rawmode = args[0] if isinstance(args, tuple) and args else args
    return rawmode if isinstance(rawmode, str) else ""


def _is_16bit_colour(image: Image.Image) -> bool:
    """True when Pillow would decode a 16-bit-per-channel colour or grey+alpha file to 8 bits."""
    return image.mode in ("RGB", "RGBA", "LA") and ";16" in _rawmode(image)


def _decode_with_opencv(path: Path, grey_alpha: bool) -> tuple[np.ndarray, np.ndarray | None]:
    data = np.fromfile(path, dtype=np.uint8)  # imdecode also handles non-ASCII paths
    array = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if array is None:
        raise ImageReadError(_corrupt_message(path))
    if array.ndim == 2:
        return array, None
    channels = array.shape[2]
    if channels == 3:
        return cv2.cvtColor(array, cv2.COLOR_BGR2RGB), None
    if channels == 4:
        if grey_alpha:
            return array[..., 0].copy(), array[..., 3].copy()
        rgba = cv2.cvtColor(array, cv2.COLOR_BGRA2RGBA)
        return rgba[..., :3].copy(), rgba[..., 3].copy()
    if channels == 1:
        return array[..., 0].copy(), None
    raise ImageReadError(f"Cannot read '{path}': its {channels}-channel layout is not supported; save it as RGB.")


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


# --------------------------------------------------------------------------------------------- writing


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
    if not folder.is_dir():
        raise ImageWriteError(
            f"Cannot write '{path}': the folder '{folder}' does not exist; create it or choose another folder."
        )
    if path.is_dir():
        raise ImageWriteError(f"Cannot write '{path}': a folder has that name; choose another file name.")
    if path.exists() and not overwrite:
        raise ImageWriteError(_exists_message(path))
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ImageWriteError(_os_error_message(path, exc)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            encode(handle)
            handle.flush()
            os.fsync(handle.fileno())
        mode = (path.stat().st_mode & 0o777) if path.exists() else (0o666 & ~_UMASK)
        os.chmod(tmp_name, mode)
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
    if exc.errno == errno.ENOSPC:
        return f"Cannot write '{path}': the disk is full; free some space or choose another folder."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Cannot write '{path}': the folder is read-only or not yours; choose another output folder."
    if exc.errno == errno.ENOENT:
        return f"Cannot write '{path}': the folder does not exist; create it or choose another folder."
    reason = (exc.strerror or "the system refused the write").rstrip(".").lower()
    return f"Cannot write '{path}': {reason}; check the disk and the output folder."


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
    return exif if exif.startswith(_EXIF_HEADER) else _EXIF_HEADER + exif


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
        return _opencv_encoder(fmt, pixels, alpha, icc_profile, exif)
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
        image.save(handle, format=fmt, **params)

    return encode


def _pillow_image(pixels: np.ndarray, alpha: np.ndarray | None) -> Image.Image:
    if alpha is None:
        return Image.fromarray(pixels)  # uint16 grey becomes mode I;16
    stacked = np.dstack([pixels, alpha])
    return Image.fromarray(stacked, mode="LA" if pixels.ndim == 2 else "RGBA")


def _opencv_encoder(
    fmt: str, pixels: np.ndarray, alpha: np.ndarray | None, icc_profile: bytes | None, exif: bytes | None
) -> Callable[[BinaryIO], None]:
    """16-bit colour or grey + alpha, which Pillow cannot write; PNG keeps ICC and EXIF, TIFF does not.

    16-bit grey + alpha PNG is encoded directly; as TIFF it is stored as RGBA.
    """

    def encode(handle: BinaryIO) -> None:
        if fmt == "PNG" and pixels.ndim == 2 and alpha is not None:
            data = _png16_grey_alpha(pixels, alpha)
        else:
            colour = np.repeat(pixels[..., None], 3, axis=2) if pixels.ndim == 2 else pixels
            array = cv2.cvtColor(colour, cv2.COLOR_RGB2BGR)
            if alpha is not None:
                array = np.dstack([array, alpha])
            ok, buffer = cv2.imencode(".png" if fmt == "PNG" else ".tiff", array)
            if not ok:
                raise OSError(errno.EIO, "the image encoder failed")
            data = buffer.tobytes()
        if fmt == "PNG":
            data = _png_with_metadata(data, icc_profile, exif)
        handle.write(data)

    return encode


def _png16_grey_alpha(grey: np.ndarray, alpha: np.ndarray) -> bytes:
    """Encode a 16-bit grey + alpha PNG (colour type 4), unfiltered rows."""
    height, width = grey.shape
    samples = np.stack([grey, alpha], axis=-1).astype(">u2").view(np.uint8).reshape(height, width * 4)
    rows = np.zeros((height, width * 4 + 1), dtype=np.uint8)  # leading 0 = filter type None
    rows[:, 1:] = samples
    header = struct.pack(">IIBBBBB", width, height, 16, 4, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _png_with_metadata(data: bytes, icc_profile: bytes | None, exif: bytes | None) -> bytes:
    """Insert iCCP and eXIf chunks right after IHDR (8-byte signature + 25-byte IHDR chunk)."""
    extra = b""
    if icc_profile:
        extra += _png_chunk(b"iCCP", b"ICC Profile\x00\x00" + zlib.compress(icc_profile))
    if exif:
        extra += _png_chunk(b"eXIf", exif[len(_EXIF_HEADER) :] if exif.startswith(_EXIF_HEADER) else exif)
    return data[:33] + extra + data[33:] if extra else data
