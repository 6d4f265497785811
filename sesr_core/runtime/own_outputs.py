"""Recognise SESR Studio's own results, so that adding a folder that already holds them does not queue them again.

A result is recognised by its name (``NAME_x2.EXT`` or ``NAME_x4.EXT``, or a "keep both" copy ``NAME_x2 (2).EXT``,
with its input ``NAME.*`` beside it) or by the tag our writer puts in its EXIF ``Software`` field.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from sesr_core.imaging.image_read import IMAGE_EXTENSIONS, list_images

TAG_PREFIX = "SESR Studio"
SOFTWARE = 0x0131  # the EXIF (TIFF) tag "Software"
_RESULT_NAME = re.compile(r"^(?P<name>.+)_x(?:2|4)(?: \(\d+\))?$")


def software_tag(model_name: str, scale: int) -> str:
    """The EXIF ``Software`` value our writer stores in every image it makes."""
    return f"{TAG_PREFIX} x{scale}, model {model_name}"


def has_our_tag(path: Path) -> bool:
    """Whether the image's EXIF ``Software`` field says SESR Studio wrote it (False when it cannot be read)."""
    with contextlib.suppress(Exception), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Image.open(path) as image:
            return str(image.getexif().get(SOFTWARE, "")).startswith(TAG_PREFIX)
    return False


def _input_beside(path: Path, names: set[str] | None = None) -> bool:
    match = _RESULT_NAME.match(path.stem)
    if match is None:
        return False
    stem = match.group("name")
    if names is not None:
        return any(Path(n).stem == stem and Path(n).suffix.lower() in IMAGE_EXTENSIONS for n in names)
    return any(path.with_name(stem + suffix).is_file() for suffix in {*IMAGE_EXTENSIONS,
                                                                       *(s.upper() for s in IMAGE_EXTENSIONS)})


def is_own_output(path: Path, names: set[str] | None = None) -> bool:
    """Whether ``path`` is one of our results: named after an input that sits beside it, or tagged by our writer.
    ``names`` (the file names of its folder) saves looking at the disk for each candidate."""
    return _input_beside(path, names) or has_our_tag(path)


def without_own_outputs(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """(inputs, our results) of a folder listing, in the listing's order."""
    paths = list(paths)
    names_by_folder: dict[Path, set[str]] = {}
    for path in paths:
        names_by_folder.setdefault(path.parent, set()).add(path.name)
    kept, skipped = [], []
    for path in paths:
        (skipped if is_own_output(path, names_by_folder[path.parent]) else kept).append(path)
    return kept, skipped


def folder_inputs(folder: Path, recursive: bool = False) -> tuple[list[Path], list[Path]]:
    """(images to upscale, our results left out) of a folder: what the CLI and the app queue when given a folder."""
    return without_own_outputs(list_images(folder, recursive=recursive))
