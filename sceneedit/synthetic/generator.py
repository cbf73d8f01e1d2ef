"""Seeded synthetic scenes with exact ground truth: the product's embedded default domain.

A scene is a textured background with a few objects from ``categories.CATEGORIES`` that never
touch (a gap of ``GAP`` px between their boxes) and that differ clearly in colour from the
background under them (``MIN_CONTRAST`` CIELAB dE for every part, at both shading extremes).
The same seed always gives the same pixels and graph. ``SyntheticScene.background`` is the scene
without its objects, the reference a ``remove`` edit is scored against; outside the object masks
it equals ``image`` exactly (both carry the same sensor noise).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ..errors import ValidationError
from ..masks import RLE, box_to_mask, mask_box
from ..palette import check_color
from ..scene.attributes import geometry_attributes, reading_order
from ..scene.model import ImageInfo, Provenance, SceneGraph, SceneObject
from .backgrounds import render_background
from .categories import CATEGORIES, CATEGORY_NAMES, Category, get_category
from .draw import MAX_SHADE, geometry_size, paint_parts, part_lab
from .geometry import Part

GAP = 8                  # px of free space kept around every object's box
MARGIN = 6               # px kept free along the image border
MIN_CONTRAST = 28.0      # dE between each part colour and (nearly) every background pixel near it
CONTRAST_PERCENTILE = 2  # ... "nearly": the 2nd percentile, so one noisy pixel does not veto
N_OBJECTS = (3, 7)       # random scenes hold this many objects (inclusive)
NOISE_SIGMA = 1.5        # sensor noise (sRGB units) shared by image and background
TRIES_PER_OBJECT = 40
BACKGROUND_TRIES = 12
REFERENCE_HEIGHT = 384   # category sizes are given for this canvas height


@dataclass
class SyntheticScene:
    image: np.ndarray        # HxWx3 uint8
    background: np.ndarray   # the same scene without objects
    graph: SceneGraph        # ground truth, ids o1..oN in reading order
    seed: int
    style: str               # background description, e.g. "wood oak"

    def mask(self, object_id: str) -> np.ndarray:
        return self.graph.mask_of(object_id)


@dataclass
class _Placed:
    category: Category
    color: str
    parts: list[Part]
    box: list[int]


# ---- free space ----------------------------------------------------------------------------------
def occupied_mask(graph: SceneGraph) -> np.ndarray:
    """Pixels taken by the graph's objects (their masks, or boxes where there is no mask)."""
    h, w = graph.image.height, graph.image.width
    occ = np.zeros((h, w), bool)
    for obj in graph.objects:
        occ |= obj.mask.to_array() if obj.mask is not None else box_to_mask(obj.box, h, w)
    return occ


def place_free_box(occupied: np.ndarray | SceneGraph, size: tuple[float, float],
                   rng: np.random.Generator, gap: int = GAP, margin: int = MARGIN,
                   within: Sequence[float] | None = None) -> list[int] | None:
    """A random ``size`` = (width, height) box whose pixels and ``gap`` px around them are free.

    ``occupied`` is a bool mask of taken pixels (or a graph, whose objects are taken). The box
    stays ``margin`` px inside the image and, if given, inside ``within`` = [x0, y0, x1, y1].
    Returns [x0, y0, x1, y1] (ints) or None when there is no room; uniform over free positions.
    """
    if isinstance(occupied, SceneGraph):
        occupied = occupied_mask(occupied)
    h, w = occupied.shape
    bw, bh = int(np.ceil(size[0])), int(np.ceil(size[1]))
    lo_x, lo_y, hi_x, hi_y = margin, margin, w - margin, h - margin
    if within is not None:
        lo_x, lo_y = max(lo_x, int(np.ceil(within[0]))), max(lo_y, int(np.ceil(within[1])))
        hi_x, hi_y = min(hi_x, int(np.floor(within[2]))), min(hi_y, int(np.floor(within[3])))
    if bw < 1 or bh < 1 or hi_x - lo_x < bw or hi_y - lo_y < bh:
        return None
    blocked = occupied.astype(np.uint8)
    if gap > 0:
        blocked = cv2.dilate(blocked, np.ones((2 * gap + 1, 2 * gap + 1), np.uint8))
    ii = cv2.integral(blocked, sdepth=cv2.CV_32S)
    # Sum of blocked pixels in the window whose top-left corner is (x, y), for every (x, y).
    sums = ii[bh:, bw:] - ii[:-bh, bw:] - ii[bh:, :-bw] + ii[:-bh, :-bw]
    valid = np.zeros_like(sums, bool)
    valid[lo_y:hi_y - bh + 1, lo_x:hi_x - bw + 1] = True
    free = np.flatnonzero(valid & (sums == 0))
    if len(free) == 0:
        return None
    y, x = divmod(int(free[rng.integers(len(free))]), sums.shape[1])
    return [x, y, x + bw, y + bh]


# ---- contrast ------------------------------------------------------------------------------------
def contrast_ok(parts: Sequence[Part], color: str, bg_lab: np.ndarray, box: Sequence[int],
                min_contrast: float = MIN_CONTRAST) -> bool:
    """Whether every part colour, shaded to either extreme, stays ``min_contrast`` dE away from
    the background around ``box`` (a part that blends in would make the object unperceivable)."""
    h, w = bg_lab.shape[:2]
    x0, y0 = max(box[0] - 3, 0), max(box[1] - 3, 0)
    x1, y1 = min(box[2] + 3, w), min(box[3] + 3, h)
    bg = bg_lab[y0:y1:2, x0:x1:2].reshape(-1, 3)
    for part in parts:
        base = part_lab(part, color)
        for shade in (1 - MAX_SHADE, 1.0, 1 + MAX_SHADE):
            lab = base * np.array([shade, 1.0, 1.0])
            de = np.sqrt(((bg - lab) ** 2).sum(axis=1))
            if np.percentile(de, CONTRAST_PERCENTILE) < min_contrast:
                return False
    return True


# ---- scene assembly ------------------------------------------------------------------------------
def _place_one(rng: np.random.Generator, bg_lab: np.ndarray, taken: np.ndarray,
               category: str | None, color: str | None) -> _Placed | None:
    """Try to put one object (a given or random category and colour) somewhere free."""
    h, w = taken.shape
    unit = min(h, w) / REFERENCE_HEIGHT
    for attempt in range(TRIES_PER_OBJECT):
        cat = CATEGORIES[category] if category else \
            CATEGORIES[CATEGORY_NAMES[int(rng.integers(len(CATEGORY_NAMES)))]]
        col = color or cat.colors[int(rng.integers(len(cat.colors)))]
        parts = cat.build(float(rng.uniform(*cat.aspect)), rng)
        gw, gh = geometry_size(parts)
        # Shrink on later attempts: a crowded canvas may only have room for smaller objects.
        longest = rng.uniform(*cat.size) * unit * (0.85 ** (attempt // 10))
        bw, bh = (longest, longest * gh / gw) if gw >= gh else (longest * gw / gh, longest)
        box = place_free_box(taken, (bw, bh), rng)
        if box is not None and contrast_ok(parts, col, bg_lab, box):
            return _Placed(cat, col, parts, box)
    return None


def _layout(rng: np.random.Generator, bg_lab: np.ndarray,
            specs: Sequence[tuple[str | None, str | None]]) -> list[_Placed] | None:
    taken = np.zeros(bg_lab.shape[:2], bool)
    placed = []
    for category, color in specs:
        p = _place_one(rng, bg_lab, taken, category, color)
        if p is None:
            return None
        taken[p.box[1]:p.box[3], p.box[0]:p.box[2]] = True
        placed.append(p)
    return placed


def _normalise_specs(objects: Sequence) -> list[tuple[str, str | None]]:
    specs = []
    for i, spec in enumerate(objects):
        category, color = (spec, None) if isinstance(spec, str) else tuple(spec)
        specs.append((get_category(category, f"objects[{i}]").name,
                      None if color is None else check_color(color, f"objects[{i}].color")))
    return specs


def generate_scene(seed: int, n_objects: int | None = None, width: int = 512, height: int = 384,
                   background: str = "auto",
                   objects: Sequence[str | tuple[str, str | None]] | None = None
                   ) -> SyntheticScene:
    """A seeded scene and its ground-truth graph.

    ``objects`` asks for specific objects, e.g. ``[("apple", "red"), ("mug", None), "lamp"]``
    (None or a bare name: a typical colour); otherwise ``n_objects`` random ones (default: a
    seeded 3..7). ``background`` is "auto" or a style from ``backgrounds.STYLES``. Raises
    ValidationError when the objects cannot be fitted (too many, too large for the canvas).
    """
    if width < 64 or height < 64:
        raise ValidationError("size", f"a scene needs at least 64x64 pixels, got {width}x{height}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValidationError("seed", f"must be an integer >= 0, got {seed!r}")
    rng = np.random.default_rng(seed)
    if objects is not None:
        specs = _normalise_specs(objects)
    else:
        n = int(rng.integers(N_OBJECTS[0], N_OBJECTS[1] + 1)) if n_objects is None else n_objects
        if n < 0:
            raise ValidationError("n_objects", f"must be >= 0, got {n}")
        specs = [(None, None)] * n
    avoid = [part_lab(Part([]), c) for _, c in specs if c is not None]
    for _ in range(BACKGROUND_TRIES):
        bg_rgb, bg_lab, style = render_background(rng, width, height, background, avoid)
        placed = _layout(rng, bg_lab, specs)
        if placed is not None:
            break
    else:
        raise ValidationError("objects", f"could not place {len(specs)} objects with free space "
                                         f"and colour contrast in a {width}x{height} scene after "
                                         f"{BACKGROUND_TRIES} backgrounds; ask for fewer objects, "
                                         "a larger scene or another background style")
    image, masks = bg_rgb, []
    for p in placed:
        image, mask = paint_parts(image, p.parts, p.color, p.box, rng)
        masks.append(mask)
    noise = rng.normal(0.0, NOISE_SIGMA, image.shape)
    image = np.clip(np.round(image + noise), 0, 255).astype(np.uint8)
    bg_out = np.clip(np.round(bg_rgb + noise), 0, 255).astype(np.uint8)
    graph = _graph(placed, masks, width, height)
    return SyntheticScene(image=image, background=bg_out, graph=graph, seed=seed, style=style)


def _graph(placed: list[_Placed], masks: list[np.ndarray], width: int,
           height: int) -> SceneGraph:
    boxes = [mask_box(m) for m in masks]
    objs = []
    for rank, i in enumerate(reading_order(boxes, height)):
        p = placed[i]
        objs.append(SceneObject(
            id=f"o{rank + 1}", label=p.category.name, box=boxes[i],
            mask=RLE.from_array(masks[i]),
            attributes={"color": p.color, "kind": p.category.kind,
                        **geometry_attributes(float(masks[i].sum()), boxes[i], width, height)},
            provenance=Provenance(backend="synthetic", round=0)))
    graph = SceneGraph(image=ImageInfo(width=width, height=height), objects=objs)
    return graph.with_derived_relations()
