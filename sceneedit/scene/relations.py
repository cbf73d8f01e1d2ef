"""Geometric relations derived from masks (or boxes where an object has no mask).

Image coordinates: x grows to the right, y grows downward. Each fact is emitted once, in a
canonical direction (``left_of`` not ``right_of``, ``above`` not ``below``, ``on_top_of`` not
``under``, ``inside`` not ``contains``, ``in_front_of`` not ``behind``, ``larger_than`` not
``smaller_than``; symmetric predicates with subject id < object id). Queries see the inverses
through ``model.INVERSE``.

Masks and boxes share one set of rules: an object is a pixel region (its mask, or its filled box)
with an extent (the mask's tight box, or the box). Directional relations (left_of, above) compare
extents; contact relations (inside, overlaps, on_top_of, near) look at pixels, so an L-shaped mask
does not "contain" what sits in its notch. Box-to-box pairs are computed analytically.

Per pair, at most one contact relation (inside, else on_top_of, else overlaps) and at most one
direction (left_of or above; the clearer one). Redundant facts are left out to keep graphs small:
``above`` next to ``on_top_of``, ``near`` next to a contact relation. ``in_front_of`` needs depth
on both and contact or nearness. ``larger_than`` (same label) and ``same_color_as`` are limited
to groups of at most ``MAX_GROUP`` objects. Directions are stated between near neighbours only
(``NEAREST_K``; in a graph of at most ``NEAREST_K + 1`` objects that is every pair), so the
work and the graph grow with n, not n^2 (``benchmarks/relations_scale.py``).
"""
from __future__ import annotations

import math
import re
from functools import cached_property, lru_cache
from collections import defaultdict
from collections.abc import Callable
from itertools import combinations

import numpy as np

from ..masks import mask_box
from .model import INVERSE, PREDICATES, Relation, SceneGraph, SceneObject
from .spatial import intersecting_pairs, nearest_pairs

# ---- thresholds (fractions are of the smaller object's size unless said otherwise) ---------
# Boxes of side-by-side objects overlap a little (perspective, loose detections), so "left of"
# tolerates an x-overlap of up to 30% of the narrower object; more and they are stacked.
LEFT_MAX_OVERLAP = 0.3
# "Same row": vertical extents overlap, or are apart by at most half the shorter object. Farther
# apart, a person says "above/below", not "left of".
ROW_MAX_GAP = 0.5
# "Mostly above": vertical extents overlap by at most 30% of the shorter object.
ABOVE_MAX_OVERLAP = 0.3
# Fraction of A's pixels inside B for "A inside B" (the interchange spec's rule of thumb).
INSIDE_MIN_FRACTION = 0.9
# Neighbouring masks share a few boundary pixels; below 2% of the smaller area that is contact,
# not overlap.
OVERLAP_MIN_FRACTION = 0.02
# "near": the gap is at most half the smaller object's size (sqrt of its area, so thin objects
# are not penalised for being thin). Relative, because "near" scales with the things compared.
NEAR_GAP_FRACTION = 0.5
# on_top_of: A's bottom may hover up to 5% of A's height (at least 2 px) above B's surface ...
CONTACT_GAP_FRACTION = 0.05
CONTACT_GAP_MIN_PX = 2.0
# ... or sink up to 25% of the shorter one's height below B's top edge: photographed from
# above, an object resting on a surface stands in front of the surface's far edge.
ON_TOP_MAX_PENETRATION = 0.25
# ... and at least 75% of A's columns have B under them: a thing rests on a support about as
# wide as it is. Without this a wall "rests on" the table in front of it.
ON_TOP_MIN_SUPPORT = 0.75
# Relative depth estimates are noisy; closer than this they say nothing about front/behind.
DEPTH_MARGIN = 0.05
# larger_than (same label only): a clear size difference, so "the bigger mug" is unambiguous.
LARGER_MIN_RATIO = 1.5
# larger_than and same_color_as relate every pair of a group (same label; same colour), which is
# n^2/2 edges. They are emitted for groups of at most this many objects ("the bigger of the two
# mugs", "the other red thing"); for larger groups (thirty apples, ten white things) they would
# swamp the graph while ``query.extreme`` / ``query.find(graph, color=...)`` answer directly.
MAX_GROUP = 8
# Pairs are only looked at when they can hold a relation worth stating: contact and nearness
# need the two extents within a small gap (screened exactly, below), and a direction (left_of,
# above) is stated between an object and its NEAREST_K nearest neighbours (by centre distance,
# either way round). Every pair of a graph of up to NEAREST_K + 1 objects is a neighbour pair,
# so small graphs get every relation as before; on big ones this bounds the pairs examined to
# about n * NEAREST_K instead of n^2 / 2 (1,000 objects took 7.8 s, 2,000 took 30 s).
NEAREST_K = 16
# The neighbours are looked for among about this many times NEAREST_K objects around each
# (a square sized by the graph's average density), so sparse corners may have fewer.
NEIGHBOURHOOD = 3

SYMMETRIC = frozenset(p for p in PREDICATES if INVERSE[p] == p)
# The direction relations are emitted in: the first of each inverse pair in the vocabulary.
CANONICAL = frozenset(p for p in PREDICATES if PREDICATES.index(p) <= PREDICATES.index(INVERSE[p]))


@lru_cache(maxsize=1 << 16)  # called for every fact and every sort: 9 s of 80 at 10k objects
def id_key(object_id: str) -> tuple:
    """Natural sort key: ``o2`` before ``o10``."""
    parts = re.split(r"(\d+)", object_id)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def canonical(rel: Relation) -> tuple[str, str, str]:
    """(subject, predicate, object) in the canonical direction, so equal facts compare equal."""
    s, p, o = rel.subject, rel.predicate, rel.object
    if p not in CANONICAL:
        s, p, o = o, INVERSE[p], s
    if p in SYMMETRIC and id_key(o) < id_key(s):
        s, o = o, s
    return s, p, o


def relation_key(t: tuple[str, str, str]) -> tuple:
    s, p, o = t
    return id_key(s), PREDICATES.index(p), id_key(o)


class _Shape:
    """One object as geometry: extent, area and (for masks, decoded only when a pair needs its
    pixels) the pixels in its extent."""

    def __init__(self, obj: SceneObject, height: int, width: int):
        self.id, self.depth = obj.id, obj.depth
        self.label = obj.label.strip().lower()
        self.color = obj.color.strip().lower().replace("grey", "gray") if obj.color else None
        self.height, self.width = height, width
        self._rle = obj.mask
        area = obj.mask.area() if obj.mask is not None else 0
        self.has_mask = area > 0  # no mask, or an empty one: the box is all we know
        if not self.has_mask:
            self.x0, self.y0, self.x1, self.y1 = (float(v) for v in obj.box)
            self.area = (self.x1 - self.x0) * (self.y1 - self.y0)
        else:
            # the mask's tight box and area come from its runs: no decoding for far-apart pairs
            x, y, w, h = (int(v) for v in obj.mask.bbox())
            self.x0, self.y0, self.x1, self.y1 = x, y, x + w, y + h
            self.area = float(area)
        self.size = math.sqrt(self.area)

    @cached_property
    def crop(self) -> np.ndarray:
        """The mask's pixels within its extent (masked shapes only)."""
        return self._rle.crop(self.x0, self.y0, self.x1, self.y1)

    @cached_property
    def cx(self) -> float:
        if not self.has_mask:
            return (self.x0 + self.x1) / 2
        return self.x0 + float(np.nonzero(self.crop)[1].mean())

    @cached_property
    def _edges(self) -> tuple[int, np.ndarray, np.ndarray]:
        """(columns occupied, top row per column, row below the bottom pixel per column)."""
        cols = self.crop.any(axis=0)
        tops = np.where(cols, self.crop.argmax(axis=0), np.nan) + self.y0
        bottoms = np.where(cols, self.crop.shape[0] - self.crop[::-1].argmax(axis=0),
                           np.nan) + self.y0
        return int(np.count_nonzero(cols)), tops, bottoms

    @property
    def columns(self) -> float:
        """How many columns the object occupies."""
        return self._edges[0] if self.has_mask else self.x1 - self.x0

    def pixels(self) -> tuple[int, int, np.ndarray]:
        """(x0, y0, region) with the region's pixels; a box is rounded and clipped to the image
        the way ``masks.box_to_mask`` does it."""
        if self.has_mask:
            return int(self.x0), int(self.y0), self.crop
        x0, y0 = max(round(self.x0), 0), max(round(self.y0), 0)
        x1, y1 = min(round(self.x1), self.width), min(round(self.y1), self.height)
        return x0, y0, np.ones((max(y1 - y0, 0), max(x1 - x0, 0)), dtype=bool)

    def profile(self, lo: int, hi: int, edge: str) -> np.ndarray:
        """Per column in [lo, hi): the top row (edge="top") or the row below the bottom pixel
        (edge="bottom"); NaN where the object has no pixel in that column."""
        if not self.has_mask:
            return np.full(hi - lo, self.y0 if edge == "top" else self.y1, dtype=float)
        prof = self._edges[1] if edge == "top" else self._edges[2]
        out = np.full(hi - lo, np.nan)
        a, b = max(lo, int(self.x0)), min(hi, int(self.x1))
        if a < b:
            out[a - lo:b - lo] = prof[a - int(self.x0):b - int(self.x0)]
        return out


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    """Length of the overlap of two intervals; negative = the gap between them."""
    return min(a1, b1) - max(a0, b0)


def _intersection(a: _Shape, b: _Shape) -> float:
    if not (a.has_mask or b.has_mask):
        return max(_overlap(a.x0, a.x1, b.x0, b.x1), 0) * max(_overlap(a.y0, a.y1, b.y0, b.y1), 0)
    (ax, ay, ac), (bx, by, bc) = a.pixels(), b.pixels()
    x0, y0 = max(ax, bx), max(ay, by)
    x1, y1 = min(ax + ac.shape[1], bx + bc.shape[1]), min(ay + ac.shape[0], by + bc.shape[0])
    if x0 >= x1 or y0 >= y1:
        return 0.0
    return float(np.count_nonzero(ac[y0 - ay:y1 - ay, x0 - ax:x1 - ax]
                                  & bc[y0 - by:y1 - by, x0 - bx:x1 - bx]))


def _gap(a: _Shape, b: _Shape, limit: float) -> float:
    """Pixels between the two regions (0 = touching). Values above ``limit`` may be a lower
    bound only: the extents' gap is returned without looking at pixels."""
    dx = max(-_overlap(a.x0, a.x1, b.x0, b.x1), 0)
    dy = max(-_overlap(a.y0, a.y1, b.y0, b.y1), 0)
    box_gap = math.hypot(dx, dy)
    if not (a.has_mask or b.has_mask) or box_gap > limit:
        return box_gap
    import cv2

    (ax, ay, ac), (bx, by, bc) = a.pixels(), b.pixels()
    x0, y0 = min(ax, bx), min(ay, by)
    x1, y1 = max(ax + ac.shape[1], bx + bc.shape[1]), max(ay + ac.shape[0], by + bc.shape[0])
    not_a = np.ones((y1 - y0, x1 - x0), dtype=np.uint8)
    not_a[ay - y0:ay - y0 + ac.shape[0], ax - x0:ax - x0 + ac.shape[1]][ac] = 0
    if not_a.all() or not bc.any():
        return math.inf
    dist = cv2.distanceTransform(not_a, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    d = dist[by - y0:by - y0 + bc.shape[0], bx - x0:bx - x0 + bc.shape[1]][bc].min()
    return max(float(d) - 1.0, 0.0)  # adjacent pixels are 1 apart with nothing between


def _on_top_of(a: _Shape, b: _Shape) -> bool:
    """A rests on B: B is under (most of) A, A rises above B's surface there, and A's bottom
    meets that surface (within the contact gap / penetration allowance)."""
    h = a.y1 - a.y0
    max_gap = max(CONTACT_GAP_MIN_PX, CONTACT_GAP_FRACTION * h)
    # Cheap rejections on extents first (the centroid needs pixels): most pairs are nowhere
    # near resting on each other.
    if a.y1 > b.y1 or a.y1 < b.y0 - max_gap or not (b.x0 <= a.cx < b.x1):
        return False
    lo, hi = math.floor(max(a.x0, b.x0)), math.ceil(min(a.x1, b.x1))
    a_bot, b_top = a.profile(lo, hi, "bottom"), b.profile(lo, hi, "top")
    ok = ~(np.isnan(a_bot) | np.isnan(b_top))
    if np.count_nonzero(ok) < ON_TOP_MIN_SUPPORT * a.columns:
        return False
    surface = float(np.median(b_top[ok]))
    if a.y0 >= surface:  # A does not rise above B's surface: it is on B's face, not on top
        return False
    d = float(np.median(b_top[ok] - a_bot[ok]))  # > 0: hovering gap, < 0: sunk in
    return -ON_TOP_MAX_PENETRATION * min(h, b.y1 - b.y0) <= d <= max_gap


def _direction(a: _Shape, b: _Shape) -> tuple[str, str, str] | None:
    """left_of or above between a and b (either way round), or None. When both axes qualify
    (diagonal neighbours), the axis with the clearer separation wins."""
    ovx, ovy = _overlap(a.x0, a.x1, b.x0, b.x1), _overlap(a.y0, a.y1, b.y0, b.y1)
    wmin, hmin = min(a.x1 - a.x0, b.x1 - b.x0), min(a.y1 - a.y0, b.y1 - b.y0)
    sx, sy = -ovx / wmin, -ovy / hmin  # normalised separation: > 0 gap, < 0 overlap
    found = []
    if sx >= -LEFT_MAX_OVERLAP and sy <= ROW_MAX_GAP and a.x0 + a.x1 != b.x0 + b.x1:
        left, right = (a, b) if a.x0 + a.x1 < b.x0 + b.x1 else (b, a)
        found.append((sx, (left.id, "left_of", right.id)))
    if sy >= -ABOVE_MAX_OVERLAP and ovx > 0 and a.y0 + a.y1 != b.y0 + b.y1:
        top, bottom = (a, b) if a.y0 + a.y1 < b.y0 + b.y1 else (b, a)
        found.append((sy, (top.id, "above", bottom.id)))
    return max(found)[1] if found else None


def _sym(a: str, b: str, predicate: str) -> tuple[str, str, str]:
    return (a, predicate, b) if id_key(a) <= id_key(b) else (b, predicate, a)


def _pair(a: _Shape, b: _Shape) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    inter = _intersection(a, b)
    # Contact relations are exclusive per pair: inside, else on_top_of, else overlaps.
    small, big = (a, b) if (a.area, id_key(a.id)) <= (b.area, id_key(b.id)) else (b, a)
    if inter >= INSIDE_MIN_FRACTION * small.area:
        contact = (small.id, "inside", big.id)
    elif _on_top_of(a, b):
        contact = (a.id, "on_top_of", b.id)
    elif _on_top_of(b, a):
        contact = (b.id, "on_top_of", a.id)
    elif inter > OVERLAP_MIN_FRACTION * small.area:
        contact = _sym(a.id, b.id, "overlaps")
    else:
        contact = None
    if contact:
        out.append(contact)

    direction = _direction(a, b)
    # on_top_of already says "above"; saying both only lengthens the graph.
    if direction and not (contact and contact[1] == "on_top_of" and direction[1] == "above"):
        out.append(direction)

    near_limit = NEAR_GAP_FRACTION * small.size
    close = contact is not None or _gap(a, b, near_limit) <= near_limit
    if close and contact is None:  # contact already implies nearness
        out.append(_sym(a.id, b.id, "near"))
    if close and a.depth is not None and b.depth is not None \
            and abs(a.depth - b.depth) >= DEPTH_MARGIN:
        front, back = (a, b) if a.depth < b.depth else (b, a)
        out.append((front.id, "in_front_of", back.id))
    return out


def _groups(shapes: list[_Shape], key: Callable[[_Shape], str | None]) -> list[list[_Shape]]:
    """Groups of 2..MAX_GROUP shapes with the same non-empty ``key``."""
    groups: dict[str, list[_Shape]] = defaultdict(list)
    for shape in shapes:
        if key(shape):
            groups[key(shape)].append(shape)
    return [g for g in groups.values() if 2 <= len(g) <= MAX_GROUP]


def _group_relations(shapes: list[_Shape]) -> list[tuple[str, str, str]]:
    out = []
    for group in _groups(shapes, lambda s: s.label):
        for a, b in combinations(group, 2):
            big, small = (a, b) if a.area >= b.area else (b, a)
            if big.area >= LARGER_MIN_RATIO * small.area:
                out.append((big.id, "larger_than", small.id))
    for group in _groups(shapes, lambda s: s.color):
        out += [_sym(a.id, b.id, "same_color_as") for a, b in combinations(group, 2)]
    return out


def candidate_pairs(shapes: list[_Shape], k: int = NEAREST_K) -> list[tuple[int, int]]:
    """Index pairs (i < j) that may hold a relation: extents close enough for contact or
    nearness (a superset of what ``_pair`` can call close), or one among the other's ``k``
    nearest centres. Found on a grid (``spatial``): the work grows with n, not n^2."""
    n = len(shapes)
    if n <= k + 1:  # every pair is a neighbour pair
        return list(combinations(range(n), 2))
    x0, y0, x1, y1, size = (np.array([getattr(s, f) for s in shapes], dtype=float)
                            for f in ("x0", "y0", "x1", "y1", "size"))
    hgt = y1 - y0
    # What _pair can call close: gap <= half the smaller size (near), or <= max(2 px, 5% of the
    # upper object's height) (on_top_of); +1 px because a box is rounded to pixels. Boxes grown
    # by their own margin meet whenever that holds.
    margin = np.maximum(NEAR_GAP_FRACTION * size,
                        np.maximum(CONTACT_GAP_MIN_PX, CONTACT_GAP_FRACTION * hgt)) + 1.0
    cell = max(float(np.median(np.maximum(x1 - x0, hgt) + 2 * margin)), 1.0)
    found = intersecting_pairs(x0 - margin, y0 - margin, x1 + margin, y1 + margin, cell)
    i, j = found[:, 0], found[:, 1]
    gap = np.hypot(np.maximum(0, np.maximum(x0[i] - x1[j], x0[j] - x1[i])),
                   np.maximum(0, np.maximum(y0[i] - y1[j], y0[j] - y1[i])))
    limit = np.maximum(NEAR_GAP_FRACTION * np.minimum(size[i], size[j]),
                       np.maximum(CONTACT_GAP_MIN_PX,
                                  CONTACT_GAP_FRACTION * np.maximum(hgt[i], hgt[j]))) + 1.0
    close = found[gap <= limit]
    near = nearest_pairs((x0 + x1) / 2, (y0 + y1) / 2, k, expected=NEIGHBOURHOOD * k)
    both = np.unique(np.concatenate([close, near]), axis=0)
    return [(int(a), int(b)) for a, b in both]


def derive_relations(graph: SceneGraph) -> list[Relation]:
    """All geometric and attribute relations of ``graph``, each once, sorted by
    (subject, predicate in vocabulary order, object) with ids in natural order. Directions
    are stated between near neighbours only (``NEAREST_K``)."""
    h, w = graph.image.height, graph.image.width
    shapes = sorted((_Shape(o, h, w) for o in graph.objects), key=lambda s: id_key(s.id))
    facts: set[tuple[str, str, str]] = set()
    for i, j in candidate_pairs(shapes):
        facts.update(_pair(shapes[i], shapes[j]))
    facts.update(_group_relations(shapes))
    # built from checked ids and the vocabulary: no validation needed (100k relations: ~2 s)
    return [Relation.model_construct(subject=s, predicate=p, object=o)
            for s, p, o in sorted(facts, key=relation_key)]
