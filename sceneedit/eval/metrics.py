"""Image metrics of the evaluation: preservation outside a mask, localisation, the resize protocol.

Preservation compares the input and the edited image *outside* the ground-truth mask of the
region to edit, where nothing should have changed:

- ``psnr_outside``: PSNR over exactly the pixels outside the mask (all three channels).
  Identical pixels give ``inf``. The field's scripts (SmartEdit's Reason-Edit and CIEBench's)
  instead zero the masked region in both images and take the PSNR of the whole frame, which
  counts the zeroed pixels as perfect matches and so inflates the score by
  ``10 log10(N / N_outside)`` dB; we report the PSNR of the outside pixels alone.
- ``ssim_outside``: the SSIM map (Gaussian window, sigma 1.5, population covariance: Wang et
  al. 2004, as torchmetrics computes it) averaged over the outside pixels. scikit-image when it
  is installed, else the same formula with OpenCV (tests check both agree).

``protocol_resize`` is the field's low-resolution protocol: SmartEdit's Reason-Edit script
resizes the input, the edited image (bicubic) and the mask (nearest) to 256x256, ignoring the
aspect ratio, before every metric; CIEBench's script does the same at 512x512. We use the
square resize (not "256 on the short side") because that is what published numbers were
computed with, so ours can sit next to them; the size is a parameter.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from ..errors import InvalidInputError

PROTOCOL_SIZE = 256
PSNR_CAP_DB = 100.0  # averages replace an infinite PSNR (identical pixels) by this
SSIM_SIGMA = 1.5
_SSIM_K1, _SSIM_K2 = 0.01, 0.03


def _check_pair(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> None:
    if a.shape != b.shape or a.ndim != 3:
        raise InvalidInputError(f"images to compare must have the same HxWx3 shape, got "
                                f"{a.shape} and {b.shape}")
    if mask.shape != a.shape[:2]:
        raise InvalidInputError(f"mask shape {mask.shape} does not match the image "
                                f"{a.shape[:2]}")


def psnr_outside(original: np.ndarray, edited: np.ndarray, mask: np.ndarray) -> float | None:
    """PSNR (dB, 8-bit peak) over the pixels where ``mask`` is False; None if there are none."""
    mask = np.asarray(mask, bool)
    _check_pair(original, edited, mask)
    keep = ~mask
    if not keep.any():
        return None
    diff = original[keep].astype(np.float64) - edited[keep].astype(np.float64)
    mse = float(np.mean(diff * diff))
    return math.inf if mse == 0 else 10.0 * math.log10(255.0 ** 2 / mse)


def _ssim_map_opencv(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-pixel, per-channel SSIM with an 11x11 Gaussian window (sigma 1.5), data range 255."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (_SSIM_K1 * 255) ** 2, (_SSIM_K2 * 255) ** 2

    def blur(x):
        # Same truncation as scikit-image (radius = 3.5 sigma) and reflected borders.
        return cv2.GaussianBlur(x, (11, 11), SSIM_SIGMA, borderType=cv2.BORDER_REFLECT)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a * mu_a
    var_b = blur(b * b) - mu_b * mu_b
    cov = blur(a * b) - mu_a * mu_b
    return ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / \
        ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """HxWx3 SSIM map; scikit-image when installed, else the OpenCV formula."""
    try:
        from skimage.metrics import structural_similarity
    except ImportError:
        return _ssim_map_opencv(a, b)
    _, full = structural_similarity(a, b, channel_axis=2, data_range=255, full=True,
                                    gaussian_weights=True, sigma=SSIM_SIGMA,
                                    use_sample_covariance=False)
    return full


def ssim_outside(original: np.ndarray, edited: np.ndarray, mask: np.ndarray) -> float | None:
    """Mean SSIM over the pixels where ``mask`` is False; None if there are none."""
    mask = np.asarray(mask, bool)
    _check_pair(original, edited, mask)
    if mask.all():
        return None
    if min(original.shape[:2]) < 7:
        raise InvalidInputError(f"SSIM needs images of at least 7x7 pixels, got "
                                f"{original.shape[1]}x{original.shape[0]}")
    return float(ssim_map(original, edited)[~mask].mean())


def protocol_resize(image: np.ndarray, mask: np.ndarray | None = None,
                    size: int = PROTOCOL_SIZE) -> tuple[np.ndarray, np.ndarray | None]:
    """The field's protocol: the image bicubic and the mask nearest to ``size`` x ``size``."""
    from PIL import Image

    img = np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.BICUBIC))
    if mask is None:
        return img, None
    m = Image.fromarray(np.asarray(mask, bool).astype(np.uint8) * 255)
    return img, np.asarray(m.resize((size, size), Image.Resampling.NEAREST)) > 127


def mask_iou(a: np.ndarray, b: np.ndarray) -> float | None:
    """IoU of two boolean masks; None when both are empty (undefined)."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    if a.shape != b.shape:
        raise InvalidInputError(f"masks differ in shape: {a.shape} vs {b.shape}")
    union = int((a | b).sum())
    return None if union == 0 else int((a & b).sum()) / union


def mask_bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1), exclusive ends, of the True pixels; None when there are none."""
    ys, xs = np.nonzero(np.asarray(mask, bool))
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def capped_psnr(value: float | None) -> float | None:
    return None if value is None else min(value, PSNR_CAP_DB)
