"""Changing an object's colour to a palette colour while keeping its shading and texture.

Works in CIELAB (``sceneedit.palette``): the object's per-pixel deviation from its median
colour is its shading and texture; the median moves to the target colour and the deviation
is added back. The median (not the mean) is the centre because ``palette.name_pixels`` names
by the median, so the recoloured object is named exactly as asked, and highlights or a few
mis-segmented pixels do not drag the colour.
"""
from __future__ import annotations

import numpy as np

from ..palette import PALETTE_LAB, check_color, lab_to_srgb, srgb_to_lab
from .composite import check_image, check_mask, composite, extend_into_ring


def shading(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(median CIELAB colour, per-pixel CIELAB deviation from it) of (N, 3) sRGB pixels."""
    lab = srgb_to_lab(pixels)
    centre = np.median(lab, axis=0)
    return centre, lab - centre


# Below this chroma (CIELAB units) a colour has no reliable hue; blend to additive handling.
NEUTRAL_CHROMA = (3.0, 10.0)


def _map_chroma(ab: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Move (N, 2) a,b values from a source median ``src`` to a target median ``dst``."""
    c_src, c_dst = float(np.hypot(*src)), float(np.hypot(*dst))
    additive = dst + (ab - src)
    if c_src <= NEUTRAL_CHROMA[0]:
        return additive
    # Rotate the deviations by the hue difference and scale them by the chroma ratio (capped:
    # a dull source must not turn its noise into confetti). Uncapped this is the polar map
    # ab -> ratio * R * ab, which sends src exactly onto dst and every pixel proportionally.
    k = min(c_dst / c_src, 2.0)
    dh = np.arctan2(dst[1], dst[0]) - np.arctan2(src[1], src[0])
    rot = np.array([[np.cos(dh), -np.sin(dh)], [np.sin(dh), np.cos(dh)]])
    polar = dst + k * (ab - src) @ rot.T
    w = float(np.clip((c_src - NEUTRAL_CHROMA[0]) / (NEUTRAL_CHROMA[1] - NEUTRAL_CHROMA[0]),
                      0.0, 1.0))
    return w * polar + (1.0 - w) * additive


def recolor(image: np.ndarray, mask: np.ndarray, color: str, feather: int = 0) -> np.ndarray:
    """Return a copy of ``image`` whose ``mask`` pixels have palette colour ``color``.

    Lightness variation (L - median L) is kept as is, so shading, highlights and printed
    texture survive. Chroma follows the source relative to its median: a chromatic source's
    (a, b) deviations are rotated from its hue to the target hue and scaled by target chroma /
    source chroma (at most 2x), so a shadow that is 30% less saturated stays about 30% less
    saturated and keeps its hue (added unrotated, a red object's dull shadows would turn a
    yellow target greenish). An achromatic target (black, white, gray) therefore comes out clean
    neutral. A near-neutral source (white, gray, black) has no hue to rotate; its small
    (a, b) deviations are added to the target instead.

    ``feather`` > 0 softens the edge outwards: the new colour is blended into a
    ``feather``-pixel ring outside the mask (see ``composite``), so pixels in
    ``dilate(mask, feather)`` may change; with ``feather=0`` only ``mask`` pixels change.
    An empty mask returns an unchanged copy.
    """
    image = check_image(image)
    m = check_mask(mask, image.shape)
    name = check_color(color)
    if not m.any():
        return image.copy()
    centre, dev = shading(image[m])
    target = PALETTE_LAB[name]
    new = np.empty_like(dev)
    new[:, 0] = target[0] + dev[:, 0]
    new[:, 1:] = _map_chroma(centre[1:] + dev[:, 1:], centre[1:], target[1:])
    new[:, 0] = np.clip(new[:, 0], 0.0, 100.0)
    overlay = image.copy()
    overlay[m] = lab_to_srgb(new)
    if feather <= 0:
        return overlay
    spread = np.clip(np.round(extend_into_ring(overlay, m, feather)), 0, 255).astype(np.uint8)
    return composite(image, spread, m, feather)
