"""What this CPU is, for engine choices and benchmark notes: its model name and the vector flags that decide speed.

Machines with the same model name differ (some AMD EPYC sessions have AVX-512 with VNNI, others AVX2 only), so the
flags are part of the identity.
"""

from __future__ import annotations

import os
import platform
from functools import lru_cache

SPEED_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8")


@lru_cache(maxsize=1)
def _cpuinfo() -> tuple[str, frozenset[str]]:
    model, flags = "", frozenset()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and not model:
                    model = value.strip()
                elif key == "flags" and not flags:
                    flags = frozenset(value.split())
                if model and flags:
                    break
    except OSError:
        pass
    return model or platform.processor() or platform.machine(), flags


def cpu_model() -> str:
    return _cpuinfo()[0]


def speed_flags() -> list[str]:
    """The vector-instruction flags of :data:`SPEED_FLAGS` this CPU has (empty where /proc/cpuinfo is absent)."""
    flags = _cpuinfo()[1]
    return [flag for flag in SPEED_FLAGS if flag in flags]


def cpu_identity() -> str:
    """Model name, speed flags and core count in one line: ``AMD EPYC [avx2 fma avx512f ...] 2 cores``."""
    return f"{cpu_model()} [{' '.join(speed_flags()) or 'flags unknown'}] {os.cpu_count() or 1} cores"
