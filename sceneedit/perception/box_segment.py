"""Object-shaped masks from boxes without weights: GrabCut seeded by the box.

Most detectors and hand annotations give boxes only; a box used as the mask makes a removal or
a recolour take the background with the object. ``GrabCutSegmenter`` implements the
``Segmenter`` protocol with OpenCV's GrabCut (colour GMMs + graph cut), seeded as measured best
by ``benchmarks/mask_from_box.py`` on photo-textured scenes with known masks:

* work on a crop around the box (``CROP_MARGIN`` box sizes; outside it is definite background)
  instead of the whole image: the background model then describes what surrounds *this*
  object, and it is 2-3x faster;
* a band just inside the box's edge (``EDGE_BAND`` of its smaller side) is only *probably*
  background: boxes are drawn with some slack, and the object's own pixels there still win;
* the interior is probably foreground; positive points (clicks) are definite foreground;
* the result keeps its largest piece, with holes filled (an object is one solid region).

When GrabCut gives up (nothing, or a sliver, left) the box itself is returned and
``last_fallbacks`` says which boxes fell back, so callers can record that the mask is coarse.
"""
from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ..masks import box_to_mask
from .classical import check_rgb

CROP_MARGIN = 0.25   # crop = box grown by this many box sizes (min 8 px) on every side
EDGE_BAND = 0.10     # inner band of the box marked "probably background"
ITERATIONS = 5       # GrabCut EM rounds; 10 was no better, 3 slightly worse
MIN_FILL = 0.05      # a result under this fraction of the box counts as a failure


class GrabCutSegmenter:
    """``Segmenter`` without weights: one GrabCut per box (see the module docstring)."""

    name = "grabcut"
    encoder_calls = 0   # no image encoder: nothing is cached between prompts

    def __init__(self) -> None:
        self.last_fallbacks: list[bool] = []

    def segment(self, image: np.ndarray, boxes: Sequence[Sequence[float]], *,
                points: Sequence[Sequence[tuple[float, float]]] | None = None
                ) -> list[np.ndarray]:
        image = check_rgb(image)
        pts = list(points) if points is not None else [()] * len(boxes)
        masks = [grabcut_box(image, box, p) for box, p in zip(boxes, pts)]
        self.last_fallbacks = [m is None for m in masks]
        h, w = image.shape[:2]
        return [box_to_mask(b, h, w) if m is None else m for b, m in zip(boxes, masks)]


def _crop(box: Sequence[float], h: int, w: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    m = max(int(CROP_MARGIN * max(x1 - x0, y1 - y0)), 8)
    return (max(int(np.floor(x0)) - m, 0), max(int(np.floor(y0)) - m, 0),
            min(int(np.ceil(x1)) + m, w), min(int(np.ceil(y1)) + m, h))


def grabcut_box(image: np.ndarray, box: Sequence[float],
                points: Sequence[tuple[float, float]] = ()) -> np.ndarray | None:
    """The object inside ``box`` ([x0, y0, x1, y1] pixels) of an RGB image as an HxW bool
    mask, or None when GrabCut finds no object there. ``points``: (x, y) pixels known to be on
    the object. Deterministic (GrabCut's GMM initialisation is k-means with OpenCV's fixed
    seed, reset here)."""
    h, w = image.shape[:2]
    cx0, cy0, cx1, cy1 = _crop(box, h, w)
    bx0, by0, bx1, by1 = (int(round(v)) for v in (box[0] - cx0, box[1] - cy0,
                                                   box[2] - cx0, box[3] - cy0))
    ch, cw = cy1 - cy0, cx1 - cx0
    bx0, by0, bx1, by1 = max(bx0, 0), max(by0, 0), min(bx1, cw), min(by1, ch)
    if bx1 - bx0 < 4 or by1 - by0 < 4:
        return None  # too small for colour models: the box is as good as it gets
    seeds = np.full((ch, cw), cv2.GC_BGD, np.uint8)
    seeds[by0:by1, bx0:bx1] = cv2.GC_PR_BGD
    b = max(int(EDGE_BAND * min(bx1 - bx0, by1 - by0)), 1)
    seeds[by0 + b:by1 - b, bx0 + b:bx1 - b] = cv2.GC_PR_FGD
    for x, y in points:
        px, py = int(round(x)) - cx0, int(round(y)) - cy0
        if 0 <= px < cw and 0 <= py < ch:
            cv2.circle(seeds, (px, py), 2, cv2.GC_FGD, -1)
    if not (seeds == cv2.GC_PR_FGD).any() and not (seeds == cv2.GC_FGD).any():
        return None
    sub = cv2.cvtColor(np.ascontiguousarray(image[cy0:cy1, cx0:cx1]), cv2.COLOR_RGB2BGR)
    cv2.setRNGSeed(0)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(sub, seeds, None, bgd, fgd, ITERATIONS, cv2.GC_INIT_WITH_MASK)
    except cv2.error:  # a colour model with too few samples (e.g. a flat crop)
        return None
    fg = (seeds == cv2.GC_FGD) | (seeds == cv2.GC_PR_FGD)
    fg = largest_piece(fg)
    if fg.sum() < MIN_FILL * (bx1 - bx0) * (by1 - by0):
        return None
    out = np.zeros((h, w), bool)
    out[cy0:cy1, cx0:cx1] = fg
    return out


def largest_piece(mask: np.ndarray) -> np.ndarray:
    """The largest 8-connected component of ``mask`` with its holes filled (OpenCV only: the
    core install has no scipy)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return np.zeros(mask.shape, bool)
    keep = (labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)
    # holes: background components (4-connected) that do not touch the border
    m, bg, bg_stats, _ = cv2.connectedComponentsWithStats(1 - keep, connectivity=4)
    h, w = keep.shape
    filled = keep.astype(bool)
    for i in range(1, m):
        x, y, bw, bh = bg_stats[i, :4]
        if x > 0 and y > 0 and x + bw < w and y + bh < h:
            filled |= bg == i
    return filled
