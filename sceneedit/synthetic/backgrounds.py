"""Seeded backgrounds for synthetic scenes: plain, gradient, noise, stripes and wood.

Textures are built in CIELAB and kept gentle (a few L* units, at most ~2 L* per pixel), like a
table top or a wall: they give perception and inpainting something realistic to cope with while
objects, which differ from them by a large colour step at a hard edge, stay perceivable.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..errors import ValidationError
from ..palette import lab_to_srgb, srgb_to_lab

# Muted base colours (sRGB); each style draws from its own list.
BASE_COLORS: dict[str, tuple[int, int, int]] = {
    "cream": (236, 228, 208), "light gray": (208, 208, 204), "pale blue": (198, 214, 230),
    "sage": (180, 198, 168), "sand": (214, 192, 156), "steel blue": (118, 138, 160),
    "olive": (128, 124, 92), "slate": (92, 104, 116), "charcoal": (54, 58, 64),
}
WOOD_COLORS: dict[str, tuple[int, int, int]] = {
    "oak": (196, 156, 108), "pine": (222, 192, 146), "walnut": (112, 80, 56),
}
STYLES: tuple[str, ...] = ("plain", "gradient", "noise", "stripes", "wood")
# A base colour closer than this (dE) to a colour the scene must show is not used: textures
# and shading eat up to ~12 dE of the contrast objects need.
AVOID_DE = 40.0


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cell: int) -> np.ndarray:
    """Zero-mean, unit-std noise varying over about ``cell`` pixels (upsampled random grid)."""
    gh, gw = max(h // cell, 2) + 2, max(w // cell, 2) + 2
    grid = rng.normal(size=(gh, gw)).astype(np.float32)
    field = cv2.resize(grid, (w + 2 * cell, h + 2 * cell), interpolation=cv2.INTER_CUBIC)
    field = field[cell:cell + h, cell:cell + w]
    return (field - field.mean()) / max(float(field.std()), 1e-6)


def _ramp(h: int, w: int, angle: float) -> np.ndarray:
    """-1..1 across the image along direction ``angle``."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    r = (xs - w / 2) * np.cos(angle) + (ys - h / 2) * np.sin(angle)
    return r / max(float(np.abs(r).max()), 1.0)


def render_background(rng: np.random.Generator, width: int, height: int, style: str = "auto",
                      avoid: list[np.ndarray] | None = None
                      ) -> tuple[np.ndarray, np.ndarray, str]:
    """A background image: (RGB uint8, its CIELAB float32 field, a description).

    ``avoid`` lists CIELAB colours that objects in the scene will have; base colours too close
    to them are skipped (unless that leaves none)."""
    if style == "auto":
        style = STYLES[int(rng.integers(len(STYLES)))]
    if style not in STYLES:
        raise ValidationError("background", f"unknown background style {style!r}",
                              ("auto", *STYLES))
    colors = WOOD_COLORS if style == "wood" else BASE_COLORS
    # Distance of each base colour to the nearest colour to avoid; keep the clear ones, or the
    # clearest few when none is clear (grey objects contrast with little).
    gap = {n: min((float(np.linalg.norm(srgb_to_lab(np.array(c)) - a)) for a in avoid or []),
                  default=np.inf) for n, c in colors.items()}
    names = [n for n in colors if gap[n] >= AVOID_DE] or \
        [n for n in colors if gap[n] >= max(gap.values()) - 5]
    name = names[int(rng.integers(len(names)))]
    h, w = height, width
    lab = np.empty((h, w, 3), np.float32)
    lab[:] = srgb_to_lab(np.array(colors[name]))
    light = np.zeros((h, w), np.float32)   # L* offset field
    tint = np.zeros((h, w), np.float32)    # a small chroma drift along with it
    if style == "gradient":
        light = rng.uniform(5, 9) * _ramp(h, w, rng.uniform(0, 2 * np.pi))
        tint = 0.3 * light
    elif style == "noise":
        light = rng.uniform(2.5, 4.0) * _smooth_noise(rng, h, w, int(rng.integers(24, 64)))
        tint = 0.5 * rng.uniform(1.5, 3.0) * _smooth_noise(rng, h, w, 48)
    elif style == "stripes":
        angle = float(rng.choice([0, np.pi / 2, np.pi / 4, -np.pi / 4]))
        period = rng.uniform(28, 72)
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        phase = (xs * np.cos(angle) + ys * np.sin(angle)) / period + rng.uniform()
        light = rng.uniform(2.5, 4.5) * np.sin(2 * np.pi * phase)
    elif style == "wood":
        # Grain: horizontal waves bent by smooth noise, plus faint streaks along the grain.
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        warp = rng.uniform(8, 14) * _smooth_noise(rng, h, w, 80)
        period = rng.uniform(20, 34)
        light = rng.uniform(3.0, 5.0) * np.sin(2 * np.pi * (ys + warp) / period)
        streaks = cv2.GaussianBlur(rng.normal(size=(h, w)).astype(np.float32), (0, 0), 12, 0.8)
        light += 1.2 * streaks / max(float(streaks.std()), 1e-6)
        tint = 0.4 * light
    lab[..., 0] = np.clip(lab[..., 0] + light, 0, 100)
    lab[..., 1] += tint
    lab[..., 2] += tint
    return lab_to_srgb(lab), lab, f"{style} {name}"
