"""The About dialog: versions of everything SESR Studio runs on, and their licences."""

from __future__ import annotations

import html
import platform
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from app import APP_NAME, __version__

# (distribution, shown name, licence, role)
COMPONENTS = [
    ("PySide6-Essentials", "Qt for Python (PySide6)", "LGPL-3.0", "the window"),
    ("pyqtgraph", "pyqtgraph", "MIT", "training plots"),
    ("ai-edge-litert", "LiteRT", "Apache-2.0", "int8 inference (XNNPACK)"),
    ("numpy", "NumPy", "BSD-3-Clause", "arrays"),
    ("pillow", "Pillow", "MIT-CMU (HPND)", "image files"),
    ("av", "PyAV", "BSD-3-Clause", "video, 16-bit PNG and TIFF"),
    ("tensorflow", "TensorFlow", "Apache-2.0", "training (optional)"),
    ("tensorflow-model-optimization", "TF Model Optimization", "Apache-2.0", "quantisation-aware training"),
]
FFMPEG_NOTE = ("PyAV's wheels bundle FFmpeg (LGPL-2.1+) built with libx264 and libx265 (GPL-2.0+); "
               "videos encoded with H.264/HEVC use those encoders.")


def component_versions() -> list[tuple[str, str, str, str]]:
    """(name, version or 'not installed', licence, role) for each component, without importing any of them."""
    rows = [(APP_NAME, __version__, "Apache-2.0", "this program"),
            ("Python", platform.python_version(), "PSF-2.0", platform.platform(terse=True)),
            ("Qt", qVersion(), "LGPL-3.0", f"PySide6 {pyside_version}")]
    for distribution, name, licence, role in COMPONENTS:
        try:
            version = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            version = "not installed"
        rows.append((name, version, licence, role))
    return rows


def about_html() -> str:
    rows = "".join(f"<tr><td><b>{html.escape(n)}</b></td><td>{html.escape(v)}</td><td>{html.escape(lic)}</td>"
                   f"<td style='color:gray'>{html.escape(role)}</td></tr>" for n, v, lic, role in component_versions())
    return (f"<h2>{APP_NAME} {__version__}</h2>"
            "<p>Super-efficient super-resolution (SESR) on an ordinary CPU: int8 image and video upscaling, "
            "training and quantisation.</p>"
            "<p>SESR Studio is licensed under the Apache License 2.0. It builds on the SESR architecture of "
            "Bhardwaj et al., <i>Collapsible Linear Blocks for Super-Efficient Super Resolution</i> (MLSys 2022).</p>"
            "<table cellspacing='6'><tr><th align='left'>Component</th><th align='left'>Version</th>"
            f"<th align='left'>Licence</th><th align='left'>Role</th></tr>{rows}</table>"
            f"<p style='color:gray'>{html.escape(FFMPEG_NOTE)}</p>")


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.resize(640, 520)
        browser = QTextBrowser(openExternalLinks=True)
        browser.setHtml(about_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(browser, 1)
        layout.addWidget(buttons)
