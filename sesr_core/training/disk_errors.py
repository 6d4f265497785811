"""A training run's writes that fail because of the disk (full, read-only, not ours) as one sentence.

TensorFlow reports a full disk while saving a checkpoint as ``ResourceExhaustedError: ... No space left on device``
and Python as ``OSError(ENOSPC)``; both mean the same to the user, who can free space and resume from the last
checkpoint that was saved whole.
"""

from __future__ import annotations

import errno
from pathlib import Path

_FULL = (errno.ENOSPC, errno.EDQUOT)
_REFUSED = (errno.EROFS, errno.EACCES, errno.EPERM)


def disk_problem(run_dir: Path, err: BaseException) -> str | None:
    """The sentence for ``err`` when it is the disk's doing, else None."""
    code = getattr(err, "errno", None)
    text = str(getattr(err, "message", None) or err)
    resume = f"resume from the last checkpoint with: sesr train --resume {run_dir}"
    if code in _FULL or "No space left on device" in text or "Disk quota exceeded" in text:
        return f"Cannot save the training run in '{run_dir}': the disk is full; free some space, then {resume}."
    if code in _REFUSED or "Read-only file system" in text or "Permission denied" in text:
        return (f"Cannot save the training run in '{run_dir}': the folder is read-only or not yours; make it "
                f"writable, then {resume}.")
    return None
