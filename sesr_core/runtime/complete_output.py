"""Whether an output a re-run finds is already done, so that ``--skip-existing`` (implied by ``--shard``) leaves it.

Our outputs are written under a temporary name and renamed when complete, so a file at the final name was finished;
we still check that it is a whole image (or video) of the upscaled size, since someone else may have put it there.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image

from sesr_core.errors import SesrError
from sesr_core.runtime.preflight import read_header


def image_output_done(source: Path, destination: Path, scale: int) -> bool:
    """True when ``destination`` is a complete upscale of ``source``; False when it does not exist.

    Raises :class:`SesrError` when a file is there but is not one (damaged, or another size): the user decides.
    """
    if not destination.exists():
        return False
    expected = read_header(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(destination) as image:
                image.verify()  # checksums and structure, without decoding the pixels
    except Exception:
        raise SesrError(f"'{destination}' exists but is not a readable image; delete it (or add --overwrite) so "
                        f"that '{source}' is upscaled again.") from None
    found = read_header(destination)
    if expected and found and sorted((found.width, found.height)) != \
            sorted((expected.width * scale, expected.height * scale)):
        raise SesrError(f"'{destination}' exists but is {found.width}x{found.height}, not the x{scale} upscale of "
                        f"'{source}'; delete it or add --overwrite.")
    return True


def video_output_done(source: Path, destination: Path, scale: int) -> bool:
    """True when ``destination`` is a complete upscale of the video ``source`` (size and, when both containers say,
    frame count); False when it does not exist; :class:`SesrError` when another file is there."""
    from sesr_core.runtime.video_probe import probe_video

    if not destination.exists():
        return False
    try:
        found = probe_video(destination)
    except SesrError:
        raise SesrError(f"'{destination}' exists but is not a readable video; delete it (or add --overwrite) so "
                        f"that '{source}' is upscaled again.") from None
    expected = probe_video(source)
    size_ok = (found.width, found.height) == (expected.width * scale, expected.height * scale)
    frames_ok = not (found.frames and expected.frames) or found.frames == expected.frames
    if not (size_ok and frames_ok):
        raise SesrError(f"'{destination}' exists but is not the complete x{scale} upscale of '{source}' "
                        f"({found.width}x{found.height}, {found.frames or '?'} frames); delete it or add --overwrite.")
    return True
