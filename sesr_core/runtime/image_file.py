"""One image file in, one upscaled image file out: metadata carried, written atomically, never over the input."""

from __future__ import annotations

import contextlib
import errno
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from sesr_core.errors import ImageReadError, ImageWriteError, SesrError
from sesr_core.file_kinds import existing_output_problem, folder_problem, special_file
from sesr_core.imaging.image_read import IMAGE_EXTENSIONS, read_image
from sesr_core.imaging.image_write import write_image
from sesr_core.jobs import CancelToken, Phase
from sesr_core.runtime.luma import LumaNetwork
from sesr_core.runtime.memory_errors import is_out_of_memory, out_of_memory_message
from sesr_core.runtime.own_outputs import SOFTWARE, software_tag
from sesr_core.runtime.preflight import check_fits, read_header
from sesr_core.runtime.tiled_upscale import upscale_pixels

OUTPUT_FORMATS = {"png": ".png", "jpeg": ".jpg", "webp": ".webp", "tiff": ".tif", "bmp": ".bmp"}
_SUFFIX_FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp", ".tif": "tiff",
                   ".tiff": "tiff", ".bmp": "bmp"}
RELEASE_ABOVE = 64_000_000  # output pixels: free the network's buffers before encoding results larger than this
_EXIF_IFD = 0x8769
_PIXEL_X_DIMENSION, _PIXEL_Y_DIMENSION = 0xA002, 0xA003


@dataclass(frozen=True)
class ImageOptions:
    """How outputs are written: ``format`` (png, jpeg, webp, tiff, bmp; None keeps the input's), ``quality``
    (1..100 for JPEG and WebP; 100 is lossless WebP) and ``overwrite``."""

    format: str | None = None
    quality: int | None = None
    overwrite: bool = False

    def __post_init__(self) -> None:
        if self.format is not None and self.format.lower() not in OUTPUT_FORMATS:
            raise SesrError(f"Unknown output format '{self.format}'; use {', '.join(OUTPUT_FORMATS)}.")
        if self.quality is not None and not (isinstance(self.quality, int) and 1 <= self.quality <= 100):
            raise SesrError(f"The quality must be a whole number from 1 to 100, not {self.quality!r}.")


def format_of(path: Path) -> str | None:
    """The output format a file name asks for (png, jpeg, webp, tiff, bmp), or None for another suffix."""
    return _SUFFIX_FORMATS.get(path.suffix.lower())


def output_name(source: Path, scale: int, fmt: str | None) -> str:
    """``NAME_x2.EXT``: the input's suffix unless a format is asked for (PNG for an input we cannot write)."""
    if fmt:
        suffix = OUTPUT_FORMATS[fmt.lower()]
        if format_of(source) == fmt.lower():
            suffix = source.suffix  # keep .jpeg or .TIF as the user spelled it
    else:
        suffix = source.suffix if source.suffix.lower() in IMAGE_EXTENSIONS else ".png"
    return f"{source.stem}_x{scale}{suffix}"


def free_name(target: Path) -> Path:
    """``target`` if nothing has that name, else the first free ``NAME (2).EXT``, ``NAME (3).EXT``... beside it."""
    number = 2
    candidate = target
    while candidate.exists() or candidate.is_symlink():
        candidate = target.with_name(f"{target.stem} ({number}){target.suffix}")
        number += 1
    return candidate


def exif_with_size(exif: bytes | None, width: int, height: int, software: str | None = None) -> bytes | None:
    """The EXIF block with its PixelXDimension / PixelYDimension set to the new size and, when given, its
    ``Software`` field set to ``software`` (our tag; a new block is made for it); unchanged if unreadable."""
    if not exif and not software:
        return exif
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = Image.Exif()
            if exif:
                data.load(exif)
            if software:
                data[SOFTWARE] = software
            ifd = data.get_ifd(_EXIF_IFD) if _EXIF_IFD in data else {}
            if _PIXEL_X_DIMENSION in ifd or _PIXEL_Y_DIMENSION in ifd:
                ifd[_PIXEL_X_DIMENSION], ifd[_PIXEL_Y_DIMENSION] = width, height
            elif not software:
                return exif
            block = data.tobytes()
            return block if block.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + block
    except Exception:  # metadata is carried as is rather than lost over a quirk
        return exif


def _same_file(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    return False


def ensure_folder(folder: Path) -> None:
    """Create an output folder (and its parents) or raise :class:`ImageWriteError` saying why it cannot be."""
    blocked = folder_problem(folder)
    if blocked:
        raise ImageWriteError(f"Cannot write into '{folder}': {blocked}; choose another output folder.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ImageWriteError(f"Cannot write into '{folder}': a file has that name; choose another output "
                              "folder.") from None
    except OSError as err:
        raise ImageWriteError(f"Cannot write into '{folder}': {(err.strerror or str(err)).lower()}; choose another "
                              "output folder.") from None


def check_source(source: Path) -> None:
    """Refuse a FIFO, a device or a link loop before anything opens it (a FIFO would block for ever)."""
    special = special_file(source)
    if special:
        raise ImageReadError(f"Cannot read '{source}': {special}.")


def check_destination(source: Path, destination: Path, overwrite: bool) -> None:
    """Refuse early (before any work) to write over the input, over something that is not a regular file, or over an
    existing file without ``overwrite``."""
    special = existing_output_problem(destination)
    if special:
        raise ImageWriteError(f"Cannot write '{destination}': {special}.")
    if _same_file(source, destination):
        raise ImageWriteError(f"Cannot write '{destination}': it is the input file itself; choose another output "
                              "name or folder (inputs are never modified).")
    if destination.is_dir():
        raise ImageWriteError(f"Cannot write '{destination}': a folder has that name; choose another file name.")
    if destination.exists() and not overwrite:
        raise ImageWriteError(f"Cannot write '{destination}': the file already exists; choose another name or "
                              "allow overwriting (--overwrite).")


def upscale_image_file(
    luma: LumaNetwork,
    source: str | os.PathLike[str],
    destination: str | os.PathLike[str],
    options: ImageOptions | None = None,
    cancel: CancelToken | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    on_note: Callable[[str], None] | None = None,
    on_phase: Callable[[Phase], None] | None = None,
) -> Path:
    """Upscale ``source`` into ``destination``; returns the path written. ``on_note`` hears what the user should
    know about a file that is upscaled anyway (only the first frame of an animation, say); ``on_phase`` hears when
    reading, the network and writing begin. The output's EXIF ``Software`` names SESR Studio and the model.

    Raises :class:`SesrError` (one sentence naming the file) for unreadable inputs, outputs that cannot be written
    or held in memory, and :class:`~sesr_core.errors.CancelledError` when cancelled; nothing is left behind then.
    """
    source, destination = Path(source), Path(destination)
    options = options or ImageOptions()
    fmt = (options.format or format_of(destination) or "png").lower()
    check_source(source)
    check_destination(source, destination, options.overwrite)
    check_fits(source, read_header(source), luma.scale, fmt.upper())
    phase = on_phase or (lambda _phase: None)
    try:
        phase(Phase.READING)
        loaded = read_image(source)
        if loaded.first_frame_note and on_note is not None:
            on_note(loaded.first_frame_note)
        phase(Phase.NETWORK)
        pixels, alpha = upscale_pixels(luma, loaded.pixels, loaded.alpha, cancel=cancel, on_progress=on_progress)
    except (MemoryError, RuntimeError) as err:
        if not is_out_of_memory(err):
            raise
        raise SesrError(out_of_memory_message(source)) from None
    tag = software_tag(luma.model.card.get("name") or luma.model.path.stem, luma.scale)
    icc, exif = loaded.icc_profile, exif_with_size(loaded.exif, pixels.shape[1], pixels.shape[0], tag)
    del loaded  # the input's pixels are no longer needed while the encoder makes its copy
    if pixels.shape[0] * pixels.shape[1] > RELEASE_ABOVE:
        luma.model.release_interpreters()  # nor are XNNPACK's buffers; reallocating them is cheap next to this job
    if cancel is not None:
        cancel.raise_if_cancelled()
    phase(Phase.WRITING)
    try:
        return write_image(destination, pixels, alpha, format=fmt, quality=options.quality, icc_profile=icc,
                           exif=exif, overwrite=options.overwrite)
    except MemoryError:
        raise SesrError(f"Cannot write '{destination}': there is not enough memory to encode it; choose another "
                        "format or a smaller scale.") from None
    except (ValueError, OverflowError) as err:  # an encoder refusing the size or the data
        raise ImageWriteError(f"Cannot write '{destination}': the {fmt.upper()} encoder refused it ({err}); "
                              "choose PNG or TIFF output.") from None
    except OSError as err:  # write_image turns OS errors into ImageWriteError; this is the encoder's own
        code = errno.errorcode.get(err.errno or 0, "")
        raise ImageWriteError(f"Cannot write '{destination}': {err.strerror or code or err}; check the disk and "
                              "the output folder.") from None
