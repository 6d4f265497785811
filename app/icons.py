"""The app's own icons (resources/icons/*.svg, drawn for SESR Studio), found in a checkout or a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon, QPixmap

STROKE = "#2a82da"  # the accent the SVGs are drawn in; the selected variant is white on the accent


def icons_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    return (Path(bundle) if bundle else Path(__file__).resolve().parent.parent) / "resources" / "icons"


def _pixmap(svg: str) -> QPixmap:
    pixmap = QPixmap()
    pixmap.loadFromData(svg.encode(), "SVG")
    return pixmap


def app_icon(name: str) -> QIcon:
    """``name``.svg as an icon: accent strokes normally, white when selected (on the accent background)."""
    path = icons_dir() / f"{name}.svg"
    if not path.is_file():
        return QIcon()
    svg = path.read_text()
    icon = QIcon()
    icon.addPixmap(_pixmap(svg), QIcon.Mode.Normal)
    icon.addPixmap(_pixmap(svg.replace(STROKE, "#ffffff")), QIcon.Mode.Selected)
    return icon
