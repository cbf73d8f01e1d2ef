"""Where does a new or moved object go? A box from an anchor object and a relation.

Placement keeps the relation true (a box "left_of" the anchor ends left of it), stays inside the
image, and slides along the free axis or shrinks to stay clear of other objects; it fails with a
clear error when the image has no room on that side.
"""
from __future__ import annotations

from ..errors import ValidationError
from ..scene.model import SceneGraph

# Relations an object can be *placed* by (add / move); the others (larger_than, same_color_as,
# ...) describe a scene but do not say where something goes. Declared here, below the plan, so
# that bricks need not import the plan (the plan's edits come from ops that declare bricks).
PLACEMENT_RELATIONS: tuple[str, ...] = (
    "left_of", "right_of", "above", "below", "on_top_of", "near", "inside", "in_front_of")

MIN_GAP = 6           # px between a placed object and its anchor (objects must not merge)
TOUCH_GAP = 3         # px for "on_top_of": resting on, yet still a separate object
MIN_SIZE = 8          # px: smaller placements are refused rather than drawn as specks
SHRINK_STEPS = (1.0, 0.85, 0.7, 0.55, 0.4)


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0) * max(h, 0)


def _candidate(rel: str, a, w: float, h: float) -> tuple[list[float], str]:
    """The first box for ``rel`` and the axis it may slide along ("x", "y" or "")."""
    ax0, ay0, ax1, ay1 = a
    cx = (ax0 + ax1) / 2
    gap = max(MIN_GAP, 0.1 * min(w, h))
    if rel == "left_of":
        return [ax0 - gap - w, ay1 - h, ax0 - gap, ay1], "y"
    if rel == "right_of":
        return [ax1 + gap, ay1 - h, ax1 + gap + w, ay1], "y"
    if rel == "above":
        return [cx - w / 2, ay0 - gap - h, cx + w / 2, ay0 - gap], "x"
    if rel == "below":
        return [cx - w / 2, ay1 + gap, cx + w / 2, ay1 + gap + h], "x"
    if rel == "on_top_of":
        return [cx - w / 2, ay0 - TOUCH_GAP - h, cx + w / 2, ay0 - TOUCH_GAP], ""
    if rel == "inside":
        w, h = min(w, 0.6 * (ax1 - ax0)), min(h, 0.6 * (ay1 - ay0))
        cy = (ay0 + ay1) / 2
        return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], ""
    if rel == "in_front_of":
        return [cx - w / 2, ay1 + 0.25 * h - h, cx + w / 2, ay1 + 0.25 * h], "x"
    raise ValidationError("relation", f"{rel!r} cannot place an object", PLACEMENT_RELATIONS)


def _inside_image(box, width: int, height: int, free_axis: str) -> list[float] | None:
    """Shift ``box`` into the image along ``free_axis`` only (the other axis carries the
    relation); None when it still does not fit."""
    x0, y0, x1, y1 = box
    if free_axis == "x":
        dx = max(0 - x0, 0) - max(x1 - width, 0)
        x0, x1 = x0 + dx, x1 + dx
    elif free_axis == "y":
        dy = max(0 - y0, 0) - max(y1 - height, 0)
        y0, y1 = y0 + dy, y1 + dy
    if x0 < 0 or y0 < 0 or x1 > width or y1 > height:
        return None
    return [x0, y0, x1, y1]


def _beside(box, anchor, axis: str) -> bool:
    """Sliding must not carry a box past its anchor: its centre stays within the anchor's
    extent along the free axis, or "above the mug" would end up beside it."""
    if axis == "x":
        return anchor[0] <= (box[0] + box[2]) / 2 <= anchor[2]
    if axis == "y":
        return anchor[1] <= (box[1] + box[3]) / 2 <= anchor[3]
    return True


def _slides(box, axis: str, step: float, limit: int) -> list[list[float]]:
    out = [box]
    for k in range(1, limit + 1):
        for sign in (-1, 1):
            d = sign * k * step
            out.append([box[0] + d, box[1], box[2] + d, box[3]] if axis == "x"
                       else [box[0], box[1] + d, box[2], box[3] + d])
    return out


def place_box(graph: SceneGraph, anchor: str, relation: str, width: float, height: float,
              ignore: set[str] | frozenset[str] = frozenset()) -> list[int]:
    """Place a ``width`` x ``height`` box by ``relation`` to ``anchor`` (see module doc)."""
    if relation not in PLACEMENT_RELATIONS:
        raise ValidationError("relation", f"{relation!r} cannot place an object",
                              PLACEMENT_RELATIONS)
    a = graph.get(anchor, "anchor").box
    W, H = graph.image.width, graph.image.height
    others = [o.box for o in graph.objects if o.id != anchor and o.id not in ignore]
    rels = ["right_of", "left_of", "below", "above"] if relation == "near" else [relation]
    best: tuple[float, list[float]] | None = None
    for scale in SHRINK_STEPS:
        w, h = width * scale, height * scale
        if min(w, h) < MIN_SIZE:
            break
        for rel in rels:
            box, axis = _candidate(rel, a, w, h)
            step = max(4.0, (w if axis == "x" else h) / 4)
            for cand in (_slides(box, axis, step, 12) if axis else [box]):
                cand = _inside_image(cand, W, H, axis)
                if cand is None or not _beside(cand, a, axis):
                    continue
                clash = sum(_overlap(cand, o) for o in others)
                if rel not in ("inside", "in_front_of", "on_top_of"):
                    clash += _overlap(cand, a)
                if clash == 0:
                    return [round(v) for v in cand]
                if best is None or clash < best[0]:
                    best = (clash, cand)
    if best is None:
        raise ValidationError("relation", f"no room in the {W}x{H} image to place a "
                              f"{width:.0f}x{height:.0f} object {relation} {anchor}")
    return [round(v) for v in best[1]]
