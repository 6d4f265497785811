"""Small file systems for fault tests: a tiny tmpfs (a disk that fills up) or a read-only one, where the test may
mount (root in a sandbox); callers fall back to a write wrapper that raises ENOSPC or EROFS where it may not."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

FILLER = "filler.bin"


def _mount(folder: Path, options: str) -> bool:
    if os.geteuid() != 0:
        return False
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    return result.returncode == 0


@contextlib.contextmanager
def tmpfs(folder: Path, size_kb: int, read_only: bool = False) -> Iterator[bool]:
    """Mount a ``size_kb`` tmpfs on ``folder`` for the block; yields False (nothing mounted) where mounting fails."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = _mount(folder, f"size={size_kb}k" + (",ro" if read_only else ""))
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder: Path) -> None:
    """Fill the file system under ``folder`` up to the last byte (with a file named FILLER)."""
    fd = os.open(folder / FILLER, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for block in (65536, 4096, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * block)
    finally:
        os.close(fd)


def failing_syncs(monkeypatch, code: int = errno.ENOSPC) -> None:
    """The fallback where nothing can be mounted: every ``os.fsync`` of this process fails with ``code``, as the
    flush of a file onto a full (ENOSPC) or read-only (EROFS) disk does."""

    def refuse(_fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", refuse)
