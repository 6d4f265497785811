"""The ``sesr`` command line: every job of SESR Studio, headless."""

from __future__ import annotations

from sesr_core.cli.main import main

__all__ = ["main"]
