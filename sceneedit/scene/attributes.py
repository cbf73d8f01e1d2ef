"""Object attributes any perception backend (and the synthetic ground truth) reports the same
way: dominant colour name, area fraction, size word, 3x3 position word, and reading order.

Sharing these between the ground truth and the perceivers means a planner sees identical
vocabularies whichever produced the graph, and benchmarks compare like with like.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..palette import COLOR_NAMES, PALETTE_LAB, name_lab, srgb_to_lab
from .text import POSITIONS as POSITION_WORDS  # noqa: F401  (re-exported)
from .text import grid_position as position_word
from .text import size_for_fraction as size_word

# The size and position words are the scene text's (``scene/text.py``), so the attributes a
# planner reads never disagree with the "at top-left, small" its object lines add.

# Colour naming looks at most this many pixels (an evenly strided sample): enough for a stable
# vote, cheap for large masks.
MAX_COLOR_SAMPLES = 20000
_PALETTE_LAB = np.stack([PALETTE_LAB[c] for c in COLOR_NAMES]).astype(np.float32)


def nearest_palette(lab: np.ndarray) -> np.ndarray:
    """Index into ``COLOR_NAMES`` of the nearest palette colour, for (N, 3) CIELAB pixels."""
    lab = np.asarray(lab, dtype=np.float32).reshape(-1, 1, 3)
    return np.argmin(((lab - _PALETTE_LAB[None]) ** 2).sum(-1), axis=1)


def dominant_color_lab(lab: np.ndarray) -> tuple[str, np.ndarray, np.ndarray]:
    """(name, CIELAB median, per-pixel palette indices) of the main colour of (N, 3) CIELAB
    pixels.

    Each pixel votes for its nearest palette colour; the winning name's pixels are then named
    by their median. A vote (rather than one median over all pixels) keeps the body colour when
    a sizeable second colour is present (a beach ball's white bands, an apple's leaf), and
    shading within about +-10% L* does not move a palette colour to another name.
    """
    lab = np.asarray(lab, dtype=np.float32).reshape(-1, 3)
    if len(lab) == 0:
        raise ValueError("no pixels to name")
    nearest = nearest_palette(lab)
    winner = int(np.bincount(nearest, minlength=len(COLOR_NAMES)).argmax())
    median = np.median(lab[nearest == winner], axis=0)
    return name_lab(median), median, nearest


def dominant_color(pixels: np.ndarray) -> str:
    """The palette name of the main colour among (N, 3) uint8 sRGB pixels (see
    ``dominant_color_lab``)."""
    px = np.asarray(pixels, dtype=np.uint8).reshape(-1, 3)
    if len(px) > MAX_COLOR_SAMPLES:
        px = px[:: int(np.ceil(len(px) / MAX_COLOR_SAMPLES))]
    return dominant_color_lab(srgb_to_lab(px))[0]


def geometry_attributes(area: float, box: Sequence[float], width: int,
                        height: int) -> dict[str, float | str]:
    """area_fraction, size and position of an object of ``area`` pixels in ``box``."""
    w, h = width, height
    frac = float(area) / float(h * w)
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return {"area_fraction": round(frac, 5), "size": size_word(frac),
            "position": position_word(cx, cy, w, h)}


def reading_order(boxes: Sequence[Sequence[float]], height: int) -> list[int]:
    """Indices of ``boxes`` in reading order: by row of the 3x3 grid (of the box centre), then
    left to right, then top to bottom. Ground truth and perceivers both number objects o1..oN in
    this order, so ids agree whenever the boxes do."""
    def key(i: int) -> tuple[int, float, float]:
        x0, y0, x1, y1 = boxes[i]
        cy = (y0 + y1) / 2
        return (min(int(3 * cy / height), 2), (x0 + x1) / 2, cy)

    return sorted(range(len(boxes)), key=key)
