"""Atomic file writes: a temporary file in the target folder, renamed into place only when complete."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _read_umask() -> int:
    """The process umask (read once at import: os.umask can only be read by setting it, which threads would race)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = _read_umask()


def new_file_mode(target: Path) -> int:
    """The permissions a file written to ``target`` should get: the replaced file's, else the umask's default."""
    return (target.stat().st_mode & 0o777) if target.exists() else (0o666 & ~UMASK)


def write_bytes_atomic(path: str | Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the whole new one, never a part."""
    path = Path(path)
    temp: str | None = None
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temp, new_file_mode(path))
        os.replace(temp, path)
    except BaseException:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
        raise
