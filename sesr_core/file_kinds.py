"""What a path is when it is not a regular file: said in words, before anything opens it.

Opening a FIFO blocks until some other process writes to it, a device such as /dev/urandom never ends, and a link
loop makes path resolution fail deep inside a library. Every input and every existing output is checked here
first, so that each of these is one sentence instead of a hang or an internal error.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def special_file(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` is not a readable regular file or folder, as a clause ("it is a named pipe (FIFO), not a regular
    file"); None for a regular file, a folder or a path that does not exist at all (callers say that themselves)."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "it is a symbolic link loop (a link that leads back to itself), not a file; fix or remove the link"
        if path.is_symlink() and err.errno == errno.ENOENT:
            return f"it is a link to '{os.readlink(path)}', which does not exist; fix the link or give the file itself"
        return None
    for test, name in _KINDS:
        if test(mode):
            target = f" (it leads to {os.path.realpath(path)})" if path.is_symlink() else ""
            return f"it is {name}{target}, not a regular file; give a file saved on disk"
    return None


def existing_output_problem(path: str | os.PathLike[str]) -> str | None:
    """Why an output must not be written at ``path`` (something other than a regular file or folder is there)."""
    if not os.path.lexists(path):
        return None
    problem = special_file(path)
    return problem.replace("give a file saved on disk", "choose another output name") if problem else None


def file_in_the_way(folder: str | os.PathLike[str]) -> Path | None:
    """The file (not a folder) standing where ``folder`` or one of its parents should be, if any."""
    for candidate in (Path(folder), *Path(folder).parents):
        if candidate.exists():
            return None if candidate.is_dir() else candidate
    return None


def folder_problem(folder: str | os.PathLike[str]) -> str | None:
    """Why ``folder`` cannot hold an output ("'x' is a file, not a folder"), or None when it is or can be made."""
    blocker = file_in_the_way(folder)
    return f"'{blocker}' is a file, not a folder" if blocker is not None else None


def why_not_a_folder(path: str | os.PathLike[str]) -> str:
    """How to finish "The folder 'x' ..." for a path that is not a folder: "is a file, not a folder", "does not
    exist", ..."""
    blocker = file_in_the_way(path)
    if blocker == Path(path):
        return "is a file, not a folder"
    if blocker is not None:
        return f"cannot exist: '{blocker}' is a file, not a folder"
    return "does not exist"
