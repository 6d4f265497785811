"""``--shard K/N``: a deterministic split of a batch's inputs between N independent jobs (a cluster's array job).

A file's shard is a hash of its path relative to the folder it was found in (its name, for a file given directly)
modulo N, so every job computes the same split without talking to the others, and adding files to an archive never
moves the files already there to another shard.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sesr_core.errors import SesrError

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Job ``index`` (counted from 0) of ``count``."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise SesrError(f"{self.index}/{self.count} is out of range: K counts from 0, so with N = "
                            f"{self.count} it must be 0 to {max(self.count - 1, 0)} (e.g. 0/{self.count}).")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, key: str) -> bool:
        """Whether the input named ``key`` (its path relative to its input folder) belongs to this shard."""
        return shard_of(key, self.count) == self.index


def parse_shard(text: str) -> Shard:
    """``"K/N"`` -> Shard(K, N); anything else is a user error naming the expected form."""
    match = _SHARD.match(text)
    if not match:
        raise SesrError(f"'{text}' is not of the form K/N (job K of N, K from 0 to N-1, e.g. 0/8).")
    return Shard(int(match.group(1)), int(match.group(2)))


def shard_of(key: str, count: int) -> int:
    """The shard (0 .. count-1) of the input named ``key``: the first 8 bytes of its SHA-256, modulo ``count``."""
    digest = hashlib.sha256(key.replace("\\", "/").encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


Item = TypeVar("Item")


def select_shard(items: Sequence[Item], keys: Sequence[str], shard: Shard | None) -> list[Item]:
    """The items (in order) whose key falls in ``shard``; all of them when ``shard`` is None."""
    if shard is None:
        return list(items)
    return [item for item, key in zip(items, keys, strict=True) if shard.holds(key)]
