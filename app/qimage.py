"""numpy pixels (as sesr_core gives them) to QImage for display, and QImage to numpy for pasted images."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage


def _to8(array: np.ndarray) -> np.ndarray:
    """8-bit view of 8- or 16-bit samples, for the screen only (files keep their depth)."""
    if array.dtype == np.uint16:
        return (array >> 8).astype(np.uint8)
    if array.dtype != np.uint8:
        return np.clip(array, 0, 255).astype(np.uint8)
    return array


def to_qimage(pixels: np.ndarray, alpha: np.ndarray | None = None) -> QImage:
    """A QImage that owns a copy of ``pixels`` (HxW grey or HxWx3 RGB) with optional HxW ``alpha``."""
    rgb = _to8(pixels)
    if rgb.ndim == 2:
        if alpha is None:
            grey = np.ascontiguousarray(rgb)
            height, width = grey.shape
            return QImage(grey.data, width, height, grey.strides[0], QImage.Format.Format_Grayscale8).copy()
        rgb = np.repeat(rgb[..., None], 3, axis=2)
    height, width = rgb.shape[:2]
    if alpha is not None:
        rgba = np.ascontiguousarray(np.dstack([rgb, _to8(alpha)]))
        return QImage(rgba.data, width, height, rgba.strides[0], QImage.Format.Format_RGBA8888).copy()
    rgb = np.ascontiguousarray(rgb)
    return QImage(rgb.data, width, height, rgb.strides[0], QImage.Format.Format_RGB888).copy()


def thumbnail(pixels: np.ndarray, alpha: np.ndarray | None, side: int) -> QImage:
    """A display thumbnail at most ``side`` pixels on its longer edge (subsampled first so big images stay cheap)."""
    height, width = pixels.shape[:2]
    step = max(1, min(height, width) // (side * 2))
    small_alpha = None if alpha is None else alpha[::step, ::step]
    image = to_qimage(pixels[::step, ::step], small_alpha)
    return image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


def from_qimage(image: QImage) -> tuple[np.ndarray, np.ndarray | None]:
    """(RGB uint8 HxWx3, alpha HxW or None) from any QImage (e.g. one pasted from the clipboard)."""
    has_alpha = image.hasAlphaChannel()
    converted = image.convertToFormat(QImage.Format.Format_RGBA8888 if has_alpha else QImage.Format.Format_RGB888)
    width, height, stride = converted.width(), converted.height(), converted.bytesPerLine()
    channels = 4 if has_alpha else 3
    buffer = np.frombuffer(converted.constBits(), dtype=np.uint8, count=stride * height).reshape(height, stride)
    pixels = buffer[:, : width * channels].reshape(height, width, channels).copy()
    if has_alpha:
        return pixels[..., :3].copy(), pixels[..., 3].copy()
    return pixels, None


def save_clipboard_image(folder: Path) -> Path | None:
    """Write the clipboard's image as ``pasted-DATE.png`` in ``folder``; None when the clipboard holds none."""
    from sesr_core.imaging.image_write import write_image

    image = QGuiApplication.clipboard().image()
    if image.isNull():
        return None
    pixels, alpha = from_qimage(image)
    target = folder / f"pasted-{time.strftime('%Y%m%d-%H%M%S')}.png"
    return write_image(target, pixels, alpha, overwrite=True)
