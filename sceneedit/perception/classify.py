"""A hand-written decision tree from ``ShapeFeatures`` to a synthetic-domain category.

Silhouette first (holes, solidity, fill of the enclosing circle/rectangle, elongation), colour
composition only where silhouettes coincide (a beach ball and a disc are both round). The
thresholds sit midway between the feature ranges measured on 1514 generated objects (seeds
1000-1299, 512x384; ranges quoted next to each rule), so they are documented constants, not learned
weights. The score is the margin of the closest call on the path: a feature near a threshold
gives a low score, one far from every threshold a high score.
"""
from __future__ import annotations

import math

from .shapes import ShapeFeatures


class _Path:
    """Records how clearly each test on the decision path was passed."""

    def __init__(self) -> None:
        self.margins: list[float] = []

    def above(self, value: float, threshold: float, scale: float) -> bool:
        """value >= threshold, remembering the distance to it in units of ``scale``."""
        self.margins.append(abs(value - threshold) / scale)
        return value >= threshold

    def score(self) -> float:
        closest = min(self.margins, default=3.0)
        return round(0.5 + 0.49 * math.tanh(closest), 3)


def classify(f: ShapeFeatures) -> tuple[str, float]:
    """(category name, confidence 0.5..0.99) for one object's features."""
    p = _Path()
    return _decide(f, p), p.score()


def _decide(f: ShapeFeatures, p: _Path) -> str:
    # An opening that shows the background: a ring's is centred (offset <= 0.002), a mug's
    # handle opening sits off to the side (0.34-0.41 of sqrt(area)).
    if p.above(f.hole_fraction, 0.01, 0.01):
        return "mug" if p.above(f.hole_offset, 0.17, 0.08) else "ring"
    # Strongly non-convex: star 0.52-0.63, banana 0.46, lamp 0.44-0.47; convex ones >= 0.9.
    if not p.above(f.solidity, 0.76, 0.07):
        if p.above(f.tall, 1.3, 0.15):            # lamp 1.67-2.21 tall; banana, star <= 1.04
            return "lamp"
        # banana 2.46-2.52, star 1.00-1.03
        return "banana" if p.above(f.elongation, 1.7, 0.3) else "star"
    # Fills its rotated rectangle: square 0.94-1.0, book 0.97-1.0; others <= 0.87.
    if p.above(f.rect_fill, 0.905, 0.03):
        return "book" if p.above(f.elongation, 1.13, 0.05) else "square"  # book >= 1.25
    if not p.above(f.circle_fill, 0.5, 0.05):      # triangle 0.43-0.44; others >= 0.57
        return "triangle"
    if p.above(f.elongation, 1.27, 0.04):         # lemon 1.33-1.54; apple <= 1.20
        return "lemon"
    if not p.above(f.solidity, 0.94, 0.015):      # apple 0.91-0.92 (notch, stem, leaf)
        return "apple"
    # A green leaf on top (3-5% of the pixels), or the leaf's bump in the outline: circle-fill
    # (about the centroid) 0.67-0.71 for an orange, 0.82-0.84 for a hexagon, >= 0.95 round.
    if not p.above(f.circle_fill, 0.895, 0.03):
        if f.minor_green >= 0.015 and f.minor_top >= 0.6:
            return "orange"
        return "hexagon" if p.above(f.circle_fill, 0.76, 0.03) else "orange"
    # Round: disc and beach ball share a silhouette; the ball's bands are 22-24% of its
    # interior, a disc's interior is one colour.
    return "ball" if p.above(f.inner_minor, 0.1, 0.05) else "circle"
