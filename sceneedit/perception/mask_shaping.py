"""Give every boxed object an object-shaped mask before any brick runs.

A graph from a detector or a hand annotation usually has boxes and no masks; ``SceneGraph.mask_of``
would then use the filled box, and a removal or recolour takes the background with the object.
``shape_masks`` segments each such object once, with SAM when the perceiver has it configured,
else with box-seeded GrabCut (``box_segment.py``), and records how in the object's provenance
(``provenance.mask_from``: an optional key; ``"box"`` when segmentation gave up). Objects that
already have a mask are never touched. ``shape_user_region`` does the same for what a user
marks: a rectangle drawn as ``--mask``, a box, or clicks.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InvalidInputError
from ..masks import RLE, box_to_mask, mask_box
from ..scene.model import Provenance, SceneGraph
from .api import Segmenter

# Provenance key saying where an object's mask came from (the segmenter's name, or "box").
MASK_FROM = "mask_from"
# backend recorded for an object that arrived without any provenance (a graph file).
INPUT_BACKEND = "input"


def segmenter_for(perceiver: Any = None) -> Segmenter:
    """SAM when it is configured -- the perceiver's own, or the checkpoint named by
    ``$SCENEEDIT_SAM_MODEL`` (loaded on first use) -- else box-seeded GrabCut."""
    seg = getattr(perceiver, "segmenter", None)
    if seg is not None and getattr(seg, "name", None) == "sam":
        return seg
    from .foundation.models import get_kind

    if os.environ.get(get_kind("sam").env_var):
        from .foundation.sam import SamSegmenter

        return SamSegmenter()
    from .box_segment import GrabCutSegmenter

    return GrabCutSegmenter()


def _segment(segmenter: Segmenter, image: np.ndarray, boxes: Sequence[Sequence[float]],
             points: Sequence[Sequence[tuple[float, float]]] | None = None
             ) -> list[tuple[np.ndarray, str]]:
    """(mask, how) per box: ``how`` is the segmenter's name, or "box" where it fell back to
    the box or returned nothing inside it."""
    h, w = image.shape[:2]
    masks = segmenter.segment(image, boxes, points=points)
    fell_back = getattr(segmenter, "last_fallbacks", None) or [False] * len(masks)
    out = []
    for box, m, fb in zip(boxes, masks, fell_back):
        m = np.asarray(m, bool) & box_to_mask(box, h, w)  # nothing outside the box it was given
        out.append((box_to_mask(box, h, w), "box") if fb or not m.any()
                   else (m, segmenter.name))
    return out


def unshaped(graph: SceneGraph) -> list[str]:
    """Ids of the objects with a box and no mask."""
    return [o.id for o in graph.objects if o.mask is None]


def shape_masks(graph: SceneGraph, image: np.ndarray,
                segmenter: Segmenter | None = None) -> SceneGraph:
    """``graph`` with a mask for every object that had only a box (see the module docstring).
    Returns ``graph`` itself when every object already has a mask."""
    todo = unshaped(graph)
    if not todo:
        return graph
    graph.check_matches(image)
    seg = segmenter if segmenter is not None else segmenter_for()
    objs = {oid: graph.get(oid) for oid in todo}
    shaped = dict(zip(todo, _segment(seg, image, [objs[oid].box for oid in todo])))
    objects = []
    for o in graph.objects:
        if o.id in shaped:
            m, how = shaped[o.id]
            prov = (o.provenance.model_dump() if o.provenance is not None
                    else {"backend": INPUT_BACKEND})
            o = o.model_copy(update={"mask": RLE.from_array(m),
                                     "provenance": Provenance(**{**prov, MASK_FROM: how})})
        objects.append(o)
    return graph.model_copy(update={"objects": objects})


def shaped_ids(graph: SceneGraph) -> dict[str, str]:
    """{id: how} for the objects whose mask ``shape_masks`` made (for ``--explain``)."""
    out = {}
    for o in graph.objects:
        how = getattr(o.provenance, MASK_FROM, None) if o.provenance is not None else None
        if how is not None:
            out[o.id] = str(how)
    return out


def is_box_like(mask: np.ndarray) -> bool:
    """Whether a user's mask is one filled rectangle (a box drawn as a mask)."""
    box = mask_box(mask)
    return box is not None and int(mask.sum()) == (box[2] - box[0]) * (box[3] - box[1])


def shape_user_region(image: np.ndarray, *, mask: np.ndarray | None = None,
                      box: Sequence[float] | None = None,
                      points: Sequence[tuple[float, float]] = (),
                      segmenter: Segmenter | None = None) -> tuple[np.ndarray, str]:
    """What the user marked, as an object-shaped mask, and how it was made.

    A free-form ``mask`` is the user's own shape and is kept ("as drawn"); a rectangle given
    as ``mask``, a ``box``, or clicks (``points``, (x, y) pixels; without a box they are boxed
    by the image) are segmented like a graph's boxes."""
    if mask is not None and box is None and not points:
        m = np.asarray(mask, bool)
        if not is_box_like(m):
            return m, "as drawn"
        box = mask_box(m)
    h, w = image.shape[:2]
    if box is None:
        box = [0, 0, w, h]
    box = [float(v) for v in box]
    if len(box) != 4 or not (box[0] < box[2] and box[1] < box[3]):
        raise InvalidInputError(f"box must be [x0, y0, x1, y1] with x0 < x1 and y0 < y1, "
                                f"got {box}")
    if not box_to_mask(box, h, w).any():
        raise InvalidInputError(f"the box {box} lies outside the {w}x{h} image")
    seg = segmenter if segmenter is not None else segmenter_for()
    (m, how), = _segment(seg, image, [box], [list(points)])
    return m, how
