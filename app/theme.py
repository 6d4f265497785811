"""Light and dark palettes that follow the system colour scheme (``SESR_STUDIO_THEME=light|dark`` forces one)."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = QColor(42, 130, 218)
GOOD = QColor(46, 160, 67)
BAD = QColor(218, 54, 51)
WARN = QColor(210, 153, 34)

_STYLE = """
QPushButton#primary { background: %(accent)s; color: white; border: none; border-radius: 4px;
                      padding: 6px 18px; font-weight: bold; }
QPushButton#primary:hover { background: %(accent_hover)s; }
QPushButton#primary:focus { border: 2px solid %(focus_ring)s; padding: 4px 16px; }
QPushButton#primary:disabled { background: %(primary_disabled)s; color: %(primary_disabled_text)s; }
QToolButton:checked { background: %(accent)s; color: white; border: 1px solid %(accent)s; border-radius: 3px;
                      padding: 2px 6px; }
QLabel#hint { color: %(muted)s; }
QFrame#banner { background: %(banner)s; border: 1px solid %(accent)s; border-radius: 6px; }
QListWidget#navigation { border: none; background: %(nav)s; font-size: 11pt; outline: 0; }
QListWidget#navigation::item { padding: 10px 8px; border-radius: 6px; margin: 2px 6px; }
QListWidget#navigation::item:selected { background: %(accent)s; color: white; }
QListWidget#navigation::item:focus { border: 2px solid %(focus_ring)s; }
"""


def is_dark(app: QGuiApplication) -> bool:
    """Whether the app should use the dark palette."""
    forced = os.environ.get("SESR_STUDIO_THEME", "").lower()
    if forced in ("dark", "light"):
        return forced == "dark"
    scheme = app.styleHints().colorScheme()
    if scheme != Qt.ColorScheme.Unknown:
        return scheme == Qt.ColorScheme.Dark
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: QColor(37, 38, 41),
        QPalette.ColorRole.WindowText: QColor(225, 225, 228),
        QPalette.ColorRole.Base: QColor(27, 28, 30),
        QPalette.ColorRole.AlternateBase: QColor(44, 45, 49),
        QPalette.ColorRole.ToolTipBase: QColor(50, 51, 55),
        QPalette.ColorRole.ToolTipText: QColor(230, 230, 230),
        QPalette.ColorRole.PlaceholderText: QColor(130, 130, 135),
        QPalette.ColorRole.Text: QColor(225, 225, 228),
        QPalette.ColorRole.Button: QColor(50, 51, 55),
        QPalette.ColorRole.ButtonText: QColor(225, 225, 228),
        QPalette.ColorRole.BrightText: QColor(255, 90, 90),
        QPalette.ColorRole.Link: QColor(90, 160, 240),
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Light: QColor(70, 71, 76),
        QPalette.ColorRole.Midlight: QColor(60, 61, 66),
        QPalette.ColorRole.Mid: QColor(45, 46, 50),
        QPalette.ColorRole.Dark: QColor(20, 20, 22),
        QPalette.ColorRole.Shadow: QColor(0, 0, 0),
    }
    for role, colour in roles.items():
        palette.setColor(role, colour)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 120, 125))
    return palette


def primary_disabled_colours(dark: bool) -> dict[str, QColor]:
    """A disabled primary button: greyed blue with readable text, so it still looks like the button it is."""
    if dark:
        return {"disabled": QColor(55, 75, 100), "disabled_text": QColor(165, 177, 195)}
    return {"disabled": QColor(180, 200, 225), "disabled_text": QColor(85, 100, 122)}


def apply_theme(app: QApplication) -> None:
    """Fusion with the light or dark palette, and a few named-widget styles on top."""
    app.setStyle("Fusion")
    dark = is_dark(app)
    palette = dark_palette() if dark else app.style().standardPalette()
    if not dark:
        palette.setColor(QPalette.ColorRole.Highlight, ACCENT)
    app.setPalette(palette)
    window = palette.color(QPalette.ColorRole.Window)
    values = {
        "accent": ACCENT.name(), "accent_hover": ACCENT.lighter(115).name(),
        "focus_ring": (QColor(255, 255, 255) if dark else ACCENT.darker(190)).name(),
        **{f"primary_{k}": v.name() for k, v in primary_disabled_colours(dark).items()},
        "muted": palette.color(QPalette.ColorRole.PlaceholderText).name(),
        "banner": (window.lighter(120) if dark else QColor(232, 242, 252)).name(),
        "nav": (window.darker(115) if dark else window.darker(104)).name(),
    }
    app.setStyleSheet(_STYLE % values)
    app.setProperty("sesr_dark", dark)


def follow_system_scheme(app: QApplication) -> None:
    """Re-apply the palette when the system switches between light and dark."""
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_theme(app))


def plot_colours(palette: QPalette) -> dict[str, QColor]:
    """Colours for pyqtgraph plots that match the palette."""
    return {
        "background": palette.color(QPalette.ColorRole.Base),
        "foreground": palette.color(QPalette.ColorRole.Text),
        "loss": ACCENT,
        "psnr": GOOD,
        "baseline": WARN,
    }
