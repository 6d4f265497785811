"""Super-resolution evaluation protocol: PSNR and SSIM on the Y channel after shaving ``scale`` border pixels."""

from __future__ import annotations

import math

import numpy as np

from sesr_core.imaging.color import rgb_to_y, to_float255

_SSIM_WINDOW = 11
_SSIM_SIGMA = 1.5
_SSIM_K1 = 0.01
_SSIM_K2 = 0.03
_SSIM_L = 255.0


def shave(image: np.ndarray, border: int) -> np.ndarray:
    """Remove ``border`` pixels from every side of an HxW or HxWxC image."""
    if border < 0:
        raise ValueError(f"border must be >= 0, got {border}.")
    if border == 0:
        return image
    if image.shape[0] <= 2 * border or image.shape[1] <= 2 * border:
        raise ValueError(f"Cannot shave {border} pixels from each side of a {image.shape[1]}x{image.shape[0]} image.")
    return image[border:-border, border:-border]


def _prepare(img: np.ndarray, ref: np.ndarray, crop_border: int) -> tuple[np.ndarray, np.ndarray]:
    img, ref = np.asarray(img), np.asarray(ref)
    if img.shape != ref.shape:
        raise ValueError(f"Images to compare must have the same shape, got {img.shape} and {ref.shape}.")
    if img.ndim != 2:
        raise ValueError(f"Expected single-channel HxW images, got shape {img.shape}.")
    return shave(img, crop_border).astype(np.float64), shave(ref, crop_border).astype(np.float64)


def psnr(img: np.ndarray, ref: np.ndarray, crop_border: int, data_range: float = 255.0) -> float:
    """Peak signal-to-noise ratio in dB of ``img`` against ``ref`` (+inf when identical)."""
    a, b = _prepare(img, ref, crop_border)
    mse = float(np.mean((a - b) ** 2))
    if mse == 0:
        return math.inf
    return 10.0 * math.log10(data_range**2 / mse)


def _gaussian_window() -> np.ndarray:
    """MATLAB ``fspecial('gaussian', 11, 1.5)`` as a separable 1-D kernel (the 2-D window is its outer product)."""
    half = _SSIM_WINDOW // 2
    x = np.arange(-half, half + 1, dtype=np.float64)
    g = np.exp(-(x**2) / (2 * _SSIM_SIGMA**2))
    return g / g.sum()


def _filter_valid(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Separable 'valid' filtering (as MATLAB ``filter2(window, image, 'valid')``) in float64."""
    size = kernel.size
    height, width = image.shape[0] - size + 1, image.shape[1] - size + 1
    rows = np.zeros((height, image.shape[1]))
    for tap, weight in enumerate(kernel):
        rows += weight * image[tap:tap + height]
    out = np.zeros((height, width))
    for tap, weight in enumerate(kernel):
        out += weight * rows[:, tap:tap + width]
    return out


def ssim(img: np.ndarray, ref: np.ndarray, crop_border: int) -> float:
    """Mean SSIM (Wang et al. ``ssim_index``: 11x11 Gaussian, sigma 1.5, K1 0.01, K2 0.03, L 255) after shaving."""
    a, b = _prepare(img, ref, crop_border)
    if a.shape[0] < _SSIM_WINDOW or a.shape[1] < _SSIM_WINDOW:
        raise ValueError(f"SSIM needs images of at least {_SSIM_WINDOW}x{_SSIM_WINDOW} pixels after shaving.")
    c1 = (_SSIM_K1 * _SSIM_L) ** 2
    c2 = (_SSIM_K2 * _SSIM_L) ** 2
    window = _gaussian_window()
    mu1, mu2 = _filter_valid(a, window), _filter_valid(b, window)
    mu1_sq, mu2_sq, mu1_mu2 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    sigma1_sq = _filter_valid(a * a, window) - mu1_sq
    sigma2_sq = _filter_valid(b * b, window) - mu2_sq
    sigma12 = _filter_valid(a * b, window) - mu1_mu2
    ssim_map = ((2 * mu1_mu2 + c1) * (2 * sigma12 + c2)) / ((mu1_sq + mu2_sq + c1) * (sigma1_sq + sigma2_sq + c2))
    return float(ssim_map.mean())


def _to_y(image: np.ndarray) -> np.ndarray:
    data = to_float255(np.asarray(image))
    if data.ndim == 3 and data.shape[2] == 3:
        return rgb_to_y(data).astype(np.float64)
    if data.ndim == 3 and data.shape[2] == 1:
        return data[..., 0].astype(np.float64)
    if data.ndim == 2:
        return data.astype(np.float64)
    raise ValueError(f"Expected an HxW greyscale or HxWx3 RGB image, got shape {data.shape}.")


def y_psnr_ssim(sr: np.ndarray, hr: np.ndarray, scale: int) -> tuple[float, float]:
    """PSNR and SSIM of ``sr`` against ``hr`` on the Y channel, shaving ``scale`` pixels (the SR field's protocol).

    Images may be uint8, uint16 or float in 0..255, RGB or greyscale. An HR image larger than SR by fewer
    than ``scale`` pixels (not a multiple of the scale) is cropped top-left to the SR size first.
    """
    sr_y, hr_y = _to_y(sr), _to_y(hr)
    dh, dw = hr_y.shape[0] - sr_y.shape[0], hr_y.shape[1] - sr_y.shape[1]
    if not (0 <= dh < scale and 0 <= dw < scale):
        raise ValueError(
            f"The super-resolved image ({sr_y.shape[1]}x{sr_y.shape[0]}) does not match the reference "
            f"({hr_y.shape[1]}x{hr_y.shape[0]}) at scale {scale}."
        )
    hr_y = hr_y[: sr_y.shape[0], : sr_y.shape[1]]
    return psnr(sr_y, hr_y, scale), ssim(sr_y, hr_y, scale)
