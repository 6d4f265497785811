"""Recognise running out of memory, whatever shape it arrives in: numpy's MemoryError, or the RuntimeError LiteRT's
XNNPACK delegate raises when it cannot get its buffers ("failed to prepare") or Python when a thread's stack cannot
be mapped ("can't start new thread")."""

from __future__ import annotations

_SIGNS = ("failed to prepare", "failed to allocate", "can't start new thread", "bad_alloc", "out of memory",
          "cannot allocate memory")


def is_out_of_memory(err: BaseException) -> bool:
    """True when ``err`` means the process could not get the memory (or threads) it asked for."""
    if isinstance(err, MemoryError):
        return True
    return isinstance(err, RuntimeError) and any(sign in str(err).lower() for sign in _SIGNS)


def out_of_memory_message(path: object) -> str:
    """The sentence for a job on ``path`` that ran out of memory."""
    return (f"Cannot upscale '{path}': the computer ran out of memory; close other programs, use fewer threads "
            "(--threads), or split the image or video into smaller pieces first.")
