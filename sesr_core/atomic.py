"""Atomic file writes: a temporary file in the target folder, renamed into place only when complete.

Temporary names carry the writer's process id (``.NAME.PID.RANDOM.tmp``; videos ``.STEM.PID-THREAD.partial.EXT``),
so that the next write of the same target can delete what a killed process (SIGKILL, a power cut) left behind
without touching the temporary file of a writer that is still running.
"""

from __future__ import annotations

import os
import secrets
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


def temporary_prefix(target: Path) -> str:
    """The start of this process's temporary names for ``target`` (``.NAME.PID.``)."""
    return f".{target.name}.{os.getpid()}."


def temporary_name(target: Path) -> Path:
    """A fresh temporary name beside ``target`` (``.NAME.PID.RANDOM.tmp``). Name it *before* creating it, so that an
    interrupt at any moment of the creation knows what to delete."""
    return target.parent / f"{temporary_prefix(target)}{secrets.token_hex(6)}.tmp"


def create_exclusive(path: Path) -> int:
    """Create ``path``, which must not exist, for writing (owner-only until its mode is set); returns the descriptor."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)


def _writer_pid(name: str, prefix: str, separator: str) -> int | None:
    field = name[len(prefix):].split(separator, 1)[0]
    return int(field) if field.isdigit() else None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, but another user's
        return True
    return True


def remove_stale_temporaries(target: str | Path) -> list[Path]:
    """Delete the temporary files of ``target`` left by processes that no longer run; returns what was removed."""
    target = Path(target)
    removed = []
    kinds = ((f".{target.name}.", "*.tmp", "."), (f".{target.stem}.", f"*.partial{target.suffix}", "-"))
    for prefix, tail, separator in kinds:
        for candidate in target.parent.glob(glob_escape(prefix) + tail):
            pid = _writer_pid(candidate.name, prefix, separator)
            if pid is None or pid == os.getpid() or _running(pid):
                continue
            try:
                candidate.unlink()
            except OSError:
                continue
            removed.append(candidate)
    return removed


def glob_escape(text: str) -> str:
    """``text`` with glob's special characters made literal."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def write_bytes_atomic(path: str | Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the whole new one, never a part."""
    path = Path(path)
    remove_stale_temporaries(path)
    temp = temporary_name(path)
    try:
        with os.fdopen(create_exclusive(temp), "wb") as out:
            out.write(content)
        os.chmod(temp, new_file_mode(path))
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
