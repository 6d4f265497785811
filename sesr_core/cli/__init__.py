"""The ``sesr`` command line: every job of SESR Studio, headless."""

from __future__ import annotations

import sys

from sesr_core.cli.main import main

__all__ = ["main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
