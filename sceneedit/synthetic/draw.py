"""Drawing one synthetic object into an image, and reading an object phrase ("a red apple").

Objects are rasterised with hard edges (sub-pixel polygon fill, no blending with the
background): the returned mask is then exactly the set of pixels that changed, which makes
ground truth exact and lets a ``remove`` edit be scored pixel for pixel against the scene's
background. Shading is a gentle lighting gradient (at most ``MAX_SHADE`` of CIELAB L*) so the
palette name of every part stays stable (see ``palette.name_pixels``).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import cv2
import numpy as np

from ..errors import ValidationError
from ..io import check_image_array as check_image
from ..palette import COLOR_NAMES, PALETTE, check_color, lab_to_srgb, srgb_to_lab
from .categories import ALIASES, CATEGORY_NAMES, get_category
from .geometry import Part

MAX_SHADE = 0.09          # lighting gradient: L* varies by at most +-9% across an object
_SUBPIXEL_SHIFT = 4       # cv2.fillPoly fixed-point bits: vertices at 1/16 px precision


# ---- geometry -> pixels ------------------------------------------------------------------------
def _extent_points(parts: Sequence[Part]) -> np.ndarray:
    """Points bounding what is drawn (a clipped part cannot reach beyond its clip polygon)."""
    return np.concatenate([p for part in parts
                           for p in (part.polys if part.clip is None else [part.clip])])


def geometry_size(parts: Sequence[Part]) -> tuple[float, float]:
    """Width and height of a part list in its own unit space (its aspect, before fitting)."""
    pts = _extent_points(parts)
    span = pts.max(axis=0) - pts.min(axis=0)
    return float(span[0]), float(span[1])


def _fit(parts: Sequence[Part], box: Sequence[float]) -> list[Part]:
    """Scale uniformly and centre the geometry in ``box`` (continuous pixel coordinates)."""
    pts = _extent_points(parts)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    x0, y0, x1, y1 = box
    scale = min((x1 - x0) / max(hi[0] - lo[0], 1e-9), (y1 - y0) / max(hi[1] - lo[1], 1e-9))
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    mid = (lo + hi) / 2
    return [part.map(lambda p: (p - mid) * scale + centre) for part in parts]


def _fill(polys: Sequence[np.ndarray], shape: tuple[int, int], origin: np.ndarray) -> np.ndarray:
    """Union of filled polygons; pixel (i, j) covers [j, j+1) x [i, i+1), so its centre is
    at (j + 0.5, i + 0.5), which is cv2's integer coordinate j."""
    canvas = np.zeros(shape, np.uint8)
    for p in polys:
        fixed = np.round((p - origin - 0.5) * (1 << _SUBPIXEL_SHIFT)).astype(np.int32)
        cv2.fillPoly(canvas, [fixed], 1, lineType=cv2.LINE_8, shift=_SUBPIXEL_SHIFT)
    return canvas.astype(bool)


def _part_mask(part: Part, shape: tuple[int, int], origin: np.ndarray) -> np.ndarray:
    m = _fill(part.polys, shape, origin)
    if part.holes:
        m &= ~_fill(part.holes, shape, origin)
    if part.clip is not None:
        m &= _fill([part.clip], shape, origin)
    return m


def part_lab(part: Part, color: str) -> np.ndarray:
    """The CIELAB colour a part is painted in (before shading)."""
    body = srgb_to_lab(np.array(PALETTE[color]))
    if part.color is None:
        return body
    if isinstance(part.color, float):
        return body + np.array([part.color, 0.0, 0.0])
    return srgb_to_lab(np.array(part.color))


def paint_parts(image: np.ndarray, parts: Sequence[Part], color: str, box: Sequence[float],
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``parts`` into ``box`` and paint them (in order) with a lighting gradient.

    Returns (new image, bool mask of exactly the changed pixels). Pixels outside the image are
    dropped, so a box that crosses the border gives a cut-off object.
    """
    h, w = image.shape[:2]
    placed = _fit(parts, box)
    cx0, cy0 = max(int(np.floor(box[0])), 0), max(int(np.floor(box[1])), 0)
    cx1, cy1 = min(int(np.ceil(box[2])), w), min(int(np.ceil(box[3])), h)
    out = image.copy()
    mask = np.zeros((h, w), bool)
    if cx1 <= cx0 or cy1 <= cy0:
        return out, mask
    shape, origin = (cy1 - cy0, cx1 - cx0), np.array([cx0, cy0], float)
    # Light from the upper left (give or take 30 degrees): brighter there, darker opposite.
    theta = rng.uniform(np.pi / 4 - 0.5, np.pi / 4 + 0.5)
    strength = rng.uniform(0.5, 1.0) * MAX_SHADE
    ys, xs = np.mgrid[cy0:cy1, cx0:cx1] + 0.5
    bx = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    radius = max(np.hypot(box[2] - box[0], box[3] - box[1]) / 2, 1.0)
    along = ((xs - bx[0]) * np.cos(theta) + (ys - bx[1]) * np.sin(theta)) / radius
    factor = 1.0 - strength * np.clip(along, -1.0, 1.0)
    crop = out[cy0:cy1, cx0:cx1]
    local = np.zeros(shape, bool)
    for part in placed:
        m = _part_mask(part, shape, origin)
        if not m.any():
            continue
        lab = np.repeat(part_lab(part, color)[None, :], int(m.sum()), axis=0)
        lab[:, 0] = np.clip(lab[:, 0] * factor[m], 0, 100)
        crop[m] = lab_to_srgb(lab)
        local |= m
    mask[cy0:cy1, cx0:cx1] = local
    return out, mask


def draw_object(image: np.ndarray, category: str, color: str | None, box: Sequence[float],
                rng: np.random.Generator | int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Draw a ``category`` object of palette colour ``color`` fitted inside ``box``.

    ``category`` may be a name or synonym ("floor lamp"); ``color`` None picks the category's
    first typical colour. Any palette colour is accepted (a user may ask for a blue banana);
    random scenes use only the typical ones. Returns (a modified copy, bool mask of exactly the
    painted pixels). The input image is not changed.
    """
    check_image(image)
    cat = get_category(category)
    color = cat.colors[0] if color is None else check_color(color)
    if len(box) != 4 or not (box[0] < box[2] and box[1] < box[3]):
        raise ValidationError("box", f"expected [x0, y0, x1, y1] with x0 < x1 and y0 < y1, "
                                     f"got {list(box)}")
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng or 0)
    aspect = float(np.clip((box[2] - box[0]) / (box[3] - box[1]), *cat.aspect))
    return paint_parts(image, cat.build(aspect, rng), color, box, rng)


# ---- phrases -----------------------------------------------------------------------------------
_COLOR_WORDS = {**{c: c for c in COLOR_NAMES}, "grey": "gray", "violet": "purple",
                "magenta": "pink", "navy": "blue", "teal": "cyan", "turquoise": "cyan"}
# Shade words before a colour ("light blue") modify it; "light" alone is a lamp.
_SHADE_WORDS = {"light", "dark", "pale", "bright", "deep"}


def _singulars(word: str) -> list[str]:
    """The word and its plausible singular forms (mugs, boxes, cherries, leaves)."""
    out = [word]
    if word.endswith("ies"):
        out.append(word[:-3] + "y")
    if word.endswith("es"):
        out.append(word[:-2])
    if word.endswith("s"):
        out.append(word[:-1])
    return out


def parse_object_phrase(text: str, field: str = "what") -> tuple[str, str | None]:
    """Read one object from free text: "a red apple" -> ("apple", "red"), "floor lamp" ->
    ("lamp", None), "two blue mugs" -> ("mug", "blue"), "an orange" -> ("orange", None),
    "an orange ball" -> ("ball", "orange"), "a light blue cup" -> ("mug", "blue").

    The category is the last category word (nouns come last in English noun phrases); a
    colour word anywhere else in the phrase is its colour. Raises ValidationError (listing the
    categories) when no category is named, or when two different ones are.
    """
    words = re.findall(r"[a-z]+", str(text).lower())
    words = [w for i, w in enumerate(words)
             if not (w in _SHADE_WORDS and i + 1 < len(words) and words[i + 1] in _COLOR_WORDS)]
    found: list[tuple[int, int, str]] = []  # (start, end, category) spans, multi-word first
    taken: set[int] = set()
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            if taken & set(range(i, i + n)):
                continue
            *head, last = words[i:i + n]
            for form in _singulars(last):
                phrase = " ".join([*head, form])
                if phrase in ALIASES:
                    found.append((i, i + n, ALIASES[phrase]))
                    taken |= set(range(i, i + n))
                    break
    if not found:
        raise ValidationError(field, f"no known object in {text!r}", CATEGORY_NAMES)
    found.sort()
    category = found[-1][2]
    # A category word that is also a colour ("orange") and is not the head noun is a colour.
    others = {c for _, _, c in found[:-1] if not (c in _COLOR_WORDS and c != category)}
    others.discard(category)
    if others:
        raise ValidationError(field, f"{text!r} names several objects "
                                     f"({', '.join(sorted(others | {category}))}); "
                                     "describe one object", CATEGORY_NAMES)
    head = range(found[-1][0], found[-1][1])
    colors = [_COLOR_WORDS[w] for i, w in enumerate(words) if w in _COLOR_WORDS and i not in head]
    return category, (colors[-1] if colors else None)
