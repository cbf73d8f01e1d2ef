"""sceneedit's documented colour palette, and naming a colour from pixels.

``PALETTE`` below is the one declaration of the colour names: validation, the LLM's tool
documentation (``palette_table()``), the JSON schema enums and the recolour brick all read it.
Colours are compared in CIELAB, where Euclidean distance follows perceived difference; naming an
object's pixels uses their median in CIELAB, which is robust to shading, highlights and small
parts of another colour.
"""
from __future__ import annotations

import numpy as np

from .errors import ValidationError

# The single source of truth for colour names. Basic terms first (the interchange spec's minimum).
PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (210, 35, 40),
    "orange": (245, 130, 20),
    "yellow": (245, 215, 30),
    "green": (40, 160, 60),
    "blue": (35, 85, 205),
    "purple": (125, 50, 165),
    "pink": (245, 135, 180),
    "brown": (125, 75, 35),
    "black": (25, 25, 25),
    "white": (245, 245, 245),
    "gray": (128, 128, 128),
    "cyan": (40, 190, 210),
}
COLOR_NAMES: tuple[str, ...] = tuple(PALETTE)


def check_color(name: str, field: str = "color") -> str:
    """Return ``name`` normalised, or raise naming the field and the valid colours."""
    norm = name.strip().lower().replace("grey", "gray")
    if norm not in PALETTE:
        raise ValidationError(field, f"unknown colour {name!r}", COLOR_NAMES)
    return norm


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB uint8 (..., 3) -> CIELAB float (..., 3), D65, L in 0..100."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124564, 0.3575761, 0.1804375],
                  [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]])
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def lab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB float (..., 3) -> sRGB uint8 (..., 3), clipped to gamut."""
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], axis=-1)
    xyz = np.where(f > 6 / 29, f ** 3, 3 * (6 / 29) ** 2 * (f - 4 / 29))
    xyz = xyz * np.array([0.95047, 1.0, 1.08883])
    m_inv = np.array([[3.2404542, -1.5371385, -0.4985314],
                      [-0.9692660, 1.8760108, 0.0415560],
                      [0.0556434, -0.2040259, 1.0572252]])
    lin = np.clip(xyz @ m_inv.T, 0, 1)
    c = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)
    return np.clip(np.round(c * 255), 0, 255).astype(np.uint8)


PALETTE_LAB: dict[str, np.ndarray] = {k: srgb_to_lab(np.array(v)) for k, v in PALETTE.items()}


def name_lab(lab: np.ndarray) -> str:
    """Nearest palette name to one CIELAB colour."""
    return min(PALETTE_LAB, key=lambda k: float(np.sum((PALETTE_LAB[k] - lab) ** 2)))


def name_pixels(pixels: np.ndarray) -> str:
    """Name the dominant colour of an (N, 3) uint8 sRGB pixel array.

    Uses the median in CIELAB (robust to highlights, edges and small parts of another colour).
    """
    px = np.asarray(pixels).reshape(-1, 3)
    if len(px) == 0:
        raise ValueError("no pixels to name")
    return name_lab(np.median(srgb_to_lab(px), axis=0))


def palette_table() -> str:
    """The palette as a Markdown table (used by docs and the LLM's tool documentation)."""
    rows = [f"| {n} | {r}, {g}, {b} |" for n, (r, g, b) in PALETTE.items()]
    return "| name | sRGB |\n|---|---|\n" + "\n".join(rows)
