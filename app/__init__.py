"""SESR Studio desktop app (PySide6): pages and widgets over sesr_core's jobs; no image or training logic here."""

from sesr_core import __version__

APP_NAME = "SESR Studio"
ORGANIZATION = "SESR Studio"

__all__ = ["APP_NAME", "ORGANIZATION", "__version__"]
