"""Object geometry in unit space: each synthetic category is a few coloured polygon parts.

A builder returns ``Part``s whose points live in an arbitrary unit coordinate frame (x right,
y down); ``draw.draw_object`` scales them uniformly into the requested box. Keeping geometry
free of pixels lets the generator ask for an object's aspect before choosing where it goes, and
lets ``add``/``replace`` edits draw the same objects at any size.

Builders receive the target aspect (width / height, already clipped to the category's range)
and an ``np.random.Generator`` for small seeded variations (rotation, mirroring, proportions).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Union

import numpy as np

# A part's colour: None = the object's colour; an (r, g, b) tuple = a fixed colour (a leaf is
# green whatever the apple); a float = the object's colour with this CIELAB L* offset (a spine).
PartColor = Union[None, tuple[int, int, int], float]

LEAF_GREEN = (55, 135, 45)
STEM_BROWN = (100, 62, 30)
METAL_DARK = (62, 62, 68)
PAPER_CREAM = (242, 236, 220)
STRIPE_WHITE = (246, 246, 246)


@dataclass
class Part:
    """Polygons (filled, unioned) minus holes, painted in one colour; later parts paint over
    earlier ones, and the object's mask is the union of all parts."""

    polys: list[np.ndarray]
    color: PartColor = None
    holes: list[np.ndarray] = field(default_factory=list)
    clip: np.ndarray | None = None  # if set, the part is cut to this polygon

    def map(self, fn: Callable[[np.ndarray], np.ndarray]) -> "Part":
        """The same part with every point set transformed by ``fn``."""
        return Part([fn(p) for p in self.polys], self.color, [fn(h) for h in self.holes],
                    None if self.clip is None else fn(self.clip))


Builder = Callable[[float, np.random.Generator], list[Part]]


# ---- primitives ------------------------------------------------------------------------------
def ellipse(cx: float, cy: float, rx: float, ry: float, angle: float = 0.0,
            n: int = 96) -> np.ndarray:
    """Points on an ellipse rotated by ``angle`` radians about its centre."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pts = np.stack([rx * np.cos(t), ry * np.sin(t)], axis=1)
    return rotate(pts, angle) + (cx, cy)


def regular_polygon(k: int, r: float = 1.0, angle: float = 0.0) -> np.ndarray:
    """A regular k-gon of circumradius ``r`` centred at the origin, first vertex pointing up."""
    t = angle - np.pi / 2 + np.arange(k) * 2 * np.pi / k
    return np.stack([r * np.cos(t), r * np.sin(t)], axis=1)


def star(points: int = 5, r_out: float = 1.0, r_in: float = 0.45,
         angle: float = 0.0) -> np.ndarray:
    t = angle - np.pi / 2 + np.arange(2 * points) * np.pi / points
    r = np.where(np.arange(2 * points) % 2 == 0, r_out, r_in)
    return np.stack([r * np.cos(t), r * np.sin(t)], axis=1)


def rotate(pts: np.ndarray, angle: float, about: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    p = np.asarray(pts, dtype=np.float64) - about
    return p @ np.array([[c, s], [-s, c]]) + about


def rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)


def rounded_rect(x0: float, y0: float, x1: float, y1: float, r: float, n: int = 8) -> np.ndarray:
    """A rectangle whose corners are quarter circles of radius ``r``."""
    out = []
    for cx, cy, a0 in ((x1 - r, y0 + r, -np.pi / 2), (x1 - r, y1 - r, 0.0),
                       (x0 + r, y1 - r, np.pi / 2), (x0 + r, y0 + r, np.pi)):
        t = a0 + np.linspace(0, np.pi / 2, n)
        out.append(np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], axis=1))
    return np.concatenate(out)


def thick_polyline(pts: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """A closed outline around a centre line with a per-point width (a banana, a stem)."""
    pts = np.asarray(pts, dtype=np.float64)
    tangent = np.gradient(pts, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    half = np.asarray(widths, dtype=np.float64)[:, None] / 2
    return np.concatenate([pts + normal * half, (pts - normal * half)[::-1]])


def _mirror(parts: list[Part], rng: np.random.Generator) -> list[Part]:
    """Mirror left-right with probability 1/2 (a mug's handle side, a leaf's side)."""
    if rng.random() < 0.5:
        return parts
    flip = np.array([-1.0, 1.0])
    return [part.map(lambda p: p * flip) for part in parts]


def _spin(parts: list[Part], angle: float) -> list[Part]:
    return [part.map(lambda p: rotate(p, angle)) for part in parts]


def _tilt(rng: np.random.Generator, degrees: float) -> float:
    return float(np.deg2rad(rng.uniform(-degrees, degrees)))


# ---- geometric shapes (one colour each) ------------------------------------------------------
def circle(aspect: float, rng: np.random.Generator) -> list[Part]:
    return [Part([ellipse(0, 0, 1, 1)])]


def ring(aspect: float, rng: np.random.Generator) -> list[Part]:
    r = rng.uniform(0.45, 0.58)
    return [Part([ellipse(0, 0, 1, 1)], holes=[ellipse(0, 0, r, r)])]


def square(aspect: float, rng: np.random.Generator) -> list[Part]:
    return [Part([rotate(rect(-1, -1, 1, 1), _tilt(rng, 15))])]


def triangle(aspect: float, rng: np.random.Generator) -> list[Part]:
    return [Part([regular_polygon(3, angle=_tilt(rng, 12))])]


def hexagon(aspect: float, rng: np.random.Generator) -> list[Part]:
    return [Part([regular_polygon(6, angle=rng.uniform(0, np.pi / 3))])]


def star5(aspect: float, rng: np.random.Generator) -> list[Part]:
    return [Part([star(5, 1.0, rng.uniform(0.42, 0.5), _tilt(rng, 15))])]


# ---- everyday objects (a body in the object's colour plus fixed-colour details) --------------
def apple(aspect: float, rng: np.random.Generator) -> list[Part]:
    """Two lobes with a notch on top, a brown stem and a green leaf."""
    body = Part([ellipse(-0.3, 0.05, 0.62, 0.66), ellipse(0.3, 0.05, 0.62, 0.66),
                 ellipse(0, 0.22, 0.8, 0.52)])
    stem = Part([thick_polyline(np.array([[0.0, -0.45], [0.04, -0.7], [0.1, -0.88]]),
                                np.array([0.11, 0.1, 0.09]))], STEM_BROWN)
    leaf = Part([rotate(ellipse(0.3, -0.72, 0.26, 0.1), -0.45, (0.06, -0.7))], LEAF_GREEN)
    return _mirror([body, stem, leaf], rng)


def orange(aspect: float, rng: np.random.Generator) -> list[Part]:
    """A round fruit with a small green leaf pair on top (no stem)."""
    body = Part([ellipse(0, 0, 1, 1)])
    leaf = Part([rotate(ellipse(0.22, -1.0, 0.3, 0.11), -0.35, (0.0, -0.92)),
                 ellipse(0, -0.92, 0.1, 0.1)], LEAF_GREEN)
    return _mirror([body, leaf], rng)


def lemon(aspect: float, rng: np.random.Generator) -> list[Part]:
    """An ellipse with a pointed tip at each end, gently tilted."""
    rx, ry = 1.0, 1.14 / max(aspect, 1.0)  # the tips reach x = +-1.14
    t = np.linspace(0, 2 * np.pi, 120, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    # Pointed ends: the radius along x swells near the tips (|cos t| -> 1).
    x = rx * c * (1 + 0.14 * np.abs(c) ** 12)
    y = ry * s * (1 - 0.1 * np.abs(c) ** 4)
    return [Part([rotate(np.stack([x, y], axis=1), _tilt(rng, 15))])]


def banana(aspect: float, rng: np.random.Generator) -> list[Part]:
    """A crescent along an arc, thick in the middle, with a brown stem end and tip."""
    t = np.linspace(np.deg2rad(200), np.deg2rad(340), 48)
    centre = np.stack([np.cos(t), -np.sin(t)], axis=1)  # a smile: ends up, middle down
    u = np.linspace(0, 1, len(t))
    widths = 0.07 + 0.32 * np.sin(np.pi * u) ** 0.7
    body = Part([thick_polyline(centre, widths)])
    a0, a1 = np.deg2rad(200), np.deg2rad(185)
    stem_line = np.array([[np.cos(a), -np.sin(a)] for a in np.linspace(a0, a1, 5)])
    stem = Part([thick_polyline(stem_line, np.full(5, 0.09))], STEM_BROWN)
    tip = Part([ellipse(*centre[-1], 0.05, 0.05)], STEM_BROWN)
    return _spin(_mirror([body, stem, tip], rng), _tilt(rng, 20))


def mug(aspect: float, rng: np.random.Generator) -> list[Part]:
    """A rounded body with a C-shaped handle whose opening shows the background (a hole)."""
    bw = aspect - 0.26  # the handle sticks out 0.26 to the side
    handle = Part([ellipse(bw, 0.48, 0.26, 0.3)], holes=[ellipse(bw, 0.48, 0.14, 0.17)])
    body = Part([rounded_rect(0, 0, bw, 1.0, 0.08)])
    return _mirror([handle, body], rng)


def lamp(aspect: float, rng: np.random.Generator) -> list[Part]:
    """A floor lamp: a trapezoid shade in the object's colour on a dark pole and base."""
    height = 1.0 / aspect
    shade_h = 0.36 * height
    shade = Part([np.array([[-0.27, 0], [0.27, 0], [0.5, shade_h], [-0.5, shade_h]])])
    pole = Part([rect(-0.035, shade_h - 0.02, 0.035, height - 0.06)], METAL_DARK)
    base = Part([ellipse(0, height - 0.06, 0.26, 0.06)], METAL_DARK)
    return [pole, base, shade]


def book(aspect: float, rng: np.random.Generator) -> list[Part]:
    """A standing book: cover, darker spine band and a cream title label."""
    w, h = aspect, 1.0
    cover = Part([rounded_rect(0, 0, w, h, 0.03)])
    spine = Part([rect(0, 0, 0.13 * w, h)], -14.0)
    label = Part([rect(0.32 * w, 0.18, 0.84 * w, 0.34)], PAPER_CREAM)
    return [cover, spine, label]


def ball(aspect: float, rng: np.random.Generator) -> list[Part]:
    """A beach ball: a disc crossed by two curved white bands (annuli cut to the disc)."""
    disc = ellipse(0, 0, 1, 1)
    # Bands stop short of the rim, so the silhouette is always the body colour's disc.
    bands = Part([ellipse(-2, 0, 1.62, 1.62, n=240), ellipse(2, 0, 1.62, 1.62, n=240)],
                 STRIPE_WHITE, holes=[ellipse(-2, 0, 1.38, 1.38, n=240),
                                      ellipse(2, 0, 1.38, 1.38, n=240)],
                 clip=ellipse(0, 0, 0.9, 0.9))
    return _spin([Part([disc]), bands], rng.uniform(0, np.pi))
