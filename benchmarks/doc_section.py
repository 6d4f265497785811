"""Shared pieces of the inference benchmarks: the machine description and the docs/benchmarks.md updater.

Each benchmark owns one ``### ...`` sub-section of the ``## Inference`` section and replaces only that; the rest
of the file (other sections, the other sub-section) is left as it is.
"""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
SECTION = "## Inference"
INTRO = """Int8 (and fp32) SESR models run by LiteRT with XNNPACK, no TensorFlow. Written by `benchmarks/speed.py` and
`benchmarks/memory.py` (each replaces only its own sub-section below)."""


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    """One line: CPU, cores, memory, load average (shows how busy the machine was)."""
    memory = ""
    try:
        with open("/proc/meminfo") as handle:
            total_kb = int(handle.readline().split()[1])
        memory = f", {total_kb / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    load = ", load average {:.1f} / {:.1f} / {:.1f} at the start".format(*os.getloadavg()) \
        if hasattr(os, "getloadavg") else ""
    return f"{cpu_model()} ({platform.machine()}), {os.cpu_count()} cores{memory}, Python " \
           f"{platform.python_version()}{load}"


def update_doc(subsection: str, body: str, doc: Path = DOC) -> Path:
    """Replace ``### subsection`` inside ``## Inference`` (creating either as needed) with ``body``."""
    text = doc.read_text() if doc.is_file() else "# Benchmarks\n"
    block = f"### {subsection}\n\n{body.strip()}\n"
    start = text.find(f"\n{SECTION}\n")
    if start < 0:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{INTRO}\n\n{block}"
        doc.write_text(text)
        return doc
    body_start = start + len(SECTION) + 2
    next_section = re.search(r"^## ", text[body_start:], flags=re.MULTILINE)
    end = body_start + next_section.start() if next_section else len(text)
    section = text[body_start:end]
    pattern = re.compile(rf"^### {re.escape(subsection)}\n.*?(?=^### |\Z)", flags=re.MULTILINE | re.DOTALL)
    if pattern.search(section):
        section = pattern.sub(lambda _m: block + "\n", section, count=1)
    else:
        section = section.rstrip("\n") + f"\n\n{block}\n"
    text = text[:body_start] + section.rstrip("\n") + ("\n\n" if next_section else "\n") + text[end:]
    doc.write_text(text)
    return doc
