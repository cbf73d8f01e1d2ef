"""Shape and colour-composition features of one segmented object (no learned weights).

The features are scale- and mostly rotation-invariant, so the same thresholds serve small and
large objects. ``classify.py`` turns them into a category of the synthetic domain.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..palette import COLOR_NAMES
from ..scene.attributes import dominant_color_lab
from .segment import Region

# A hole smaller than this fraction of the object is noise, not an opening.
MIN_HOLE_FRACTION = 0.01
# Pixels this far (dE) from the object's dominant colour belong to a second colour (a leaf, a
# band). Shading within +-9% L* moves a colour by at most ~9 dE, well below it.
MINOR_COLOR_DE = 22.0
_GREEN = COLOR_NAMES.index("green")


@dataclass
class ShapeFeatures:
    area: float            # object pixels
    filled: float          # object pixels plus its holes
    hole_fraction: float   # holes / filled
    hole_offset: float     # hole centroid to object centroid, over sqrt(filled); 0 = centred
    solidity: float        # filled / convex hull area
    circle_fill: float     # filled / area of the circle about the centroid through the
    #                        farthest 2% of the outline (disc 1, hexagon .83); a percentile,
    #                        not the maximum, so one ragged pixel (JPEG) does not count
    elongation: float      # sqrt of the ratio of the pixel covariance's eigenvalues (1 = round)
    rect_fill: float       # filled / minimum-area rectangle area
    tall: float            # axis-aligned box height / width
    minor_fraction: float  # share of pixels in a colour other than the dominant one
    inner_minor: float     # the same over the interior (2 px in from the outline), which
    #                        ignores colour bleeding at edges (JPEG chroma, blur)
    minor_top: float       # share of the second-colour pixels in the top third of the box
    minor_green: float     # share of pixels that are a green second colour (a leaf)
    body: str              # palette name of the dominant colour (the object's "color")


def _elongation(filled: np.ndarray) -> float:
    """Major/minor axis ratio of the equivalent ellipse (from second moments). Unlike the
    minimum-area rectangle it is not fooled by pointed ends (a lemon's rectangle at 45 degrees
    can be smaller than the one along its axis)."""
    m = cv2.moments(filled, binaryImage=True)
    a, b, c = m["mu20"], m["mu11"], m["mu02"]
    root = np.sqrt(4 * b * b + (a - c) ** 2)
    return float(np.sqrt((a + c + root) / max(a + c - root, 1e-9)))


def shape_features(region: Region, lab: np.ndarray) -> ShapeFeatures:
    """Features of one segmented ``region`` of the CIELAB image ``lab``."""
    x0, y0, x1, y1 = region.box
    crop = np.pad(region.crop.astype(np.uint8), 2)  # room for contours at the crop's edge
    area = float(crop.sum())

    contours, hierarchy = cv2.findContours(crop, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    outer_i = max((i for i in range(len(contours)) if hierarchy[0][i][3] < 0),
                  key=lambda i: cv2.contourArea(contours[i]))
    outer = contours[outer_i]
    filled_img = np.zeros_like(crop)
    cv2.drawContours(filled_img, [outer], -1, 1, thickness=cv2.FILLED)
    filled = float(filled_img.sum())
    holes = (filled_img > 0) & (crop == 0)
    hole_area = float(holes.sum())
    hole_fraction = hole_area / filled if hole_area >= MIN_HOLE_FRACTION * filled else 0.0
    hole_offset = 0.0
    if hole_fraction:
        hy, hx = np.nonzero(holes)
        oy, ox = np.nonzero(filled_img)
        hole_offset = float(np.hypot(hx.mean() - ox.mean(), hy.mean() - oy.mean())
                            / np.sqrt(filled))

    hull = cv2.convexHull(outer)
    hull_area = max(cv2.contourArea(hull), 1.0)
    m = cv2.moments(filled_img, binaryImage=True)
    centre = np.array([m["m10"], m["m01"]]) / max(m["m00"], 1.0)
    radius = float(np.percentile(np.hypot(*(outer[:, 0, :] - centre).T), 98))
    (_, _), (rw, rh), _ = cv2.minAreaRect(outer)
    # Contour areas run through pixel centres, about half a pixel inside the pixel edges:
    # compare like with like by using the contour's own area for the ratios below.
    contour_area = max(cv2.contourArea(outer), 1.0)

    # Colour composition: distance of each pixel to the dominant colour.
    px = region.pixels(lab)
    body, dominant, names = dominant_color_lab(px)
    minor = np.sqrt(((px - dominant) ** 2).sum(axis=1)) > MINOR_COLOR_DE
    minor_fraction = float(minor.mean())
    interior = cv2.erode(region.crop.astype(np.uint8), np.ones((5, 5), np.uint8))
    inner = interior[region.crop].astype(bool)  # same pixel order as ``px``
    inner_minor = float(minor[inner].mean()) if inner.any() else minor_fraction
    rows = np.nonzero(region.crop)[0]  # same pixel order as ``px``
    top = rows < (y1 - y0) / 3
    minor_top = float((minor & top).sum() / max(minor.sum(), 1))
    minor_green = float((minor & (names == _GREEN)).mean()) if body != "green" else 0.0
    return ShapeFeatures(
        area=area, filled=filled, hole_fraction=hole_fraction, hole_offset=hole_offset,
        solidity=contour_area / hull_area,
        circle_fill=contour_area / (np.pi * radius ** 2),
        elongation=_elongation(filled_img),
        rect_fill=contour_area / max(rw * rh, 1.0),
        tall=(y1 - y0) / (x1 - x0),
        minor_fraction=minor_fraction, inner_minor=inner_minor, minor_top=minor_top,
        minor_green=minor_green, body=body)
