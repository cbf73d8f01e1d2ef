"""What an op's verification looks at (``Check``) and the helpers the checks share.

Objects are matched across the graphs perceived before and after rendering by mask overlap
(perception assigns fresh ids), so the checks work with any perceiver.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..masks import iou
from ..scene.model import SceneGraph, SceneObject

SAME_PLACE_IOU = 0.5       # an object "at the same place" overlaps the old mask this much


@dataclass
class Verdict:
    ok: bool
    message: str

    def __bool__(self) -> bool:
        return bool(self.ok)


@dataclass
class Check:
    """Everything a verification may look at. ``footprint``: the edit's footprint;
    ``new_masks``: the compiled workflow's ``mask_<id>`` outputs (where moved / resized objects
    went); ``category``: a new-object phrase -> (label, colour or None), given by the domain;
    ``read_text``: the text an image shows, as (string, mask) per reading, given by a layer
    that may read text (the editor passes OCR), or None."""

    before: SceneGraph
    after: SceneGraph
    footprint: np.ndarray
    image_before: np.ndarray | None = None
    image_after: np.ndarray | None = None
    new_masks: dict[str, np.ndarray] = field(default_factory=dict)
    category: Callable[[str], tuple[str, str | None]] | None = None
    read_text: Callable[[np.ndarray], list[tuple[str, np.ndarray]]] | None = None


def at(graph: SceneGraph, mask: np.ndarray, min_iou: float = SAME_PLACE_IOU
       ) -> SceneObject | None:
    """The object of ``graph`` that best overlaps ``mask`` (IoU >= min_iou), if any."""
    best = max(graph.objects, key=lambda o: iou(graph.mask_of(o.id), mask), default=None)
    if best is None or iou(graph.mask_of(best.id), mask) < min_iou:
        return None
    return best


def covering(graph: SceneGraph, mask: np.ndarray) -> list[SceneObject]:
    """Objects whose mask mostly lies inside ``mask``'s bounding region (new objects)."""
    out = []
    for o in graph.objects:
        m = graph.mask_of(o.id)
        if m.sum() and (m & mask).sum() / m.sum() >= 0.6:
            out.append(o)
    return out


def desc(o: SceneObject | None) -> str:
    return "nothing" if o is None else f"{o.label} ({o.color})"


def at_new_place(oid: str, c: Check) -> tuple[SceneObject | None, Verdict | None]:
    """The object found where the workflow put ``oid`` (its ``mask_<id>`` output), or a failed
    verdict when nothing of its kind is there."""
    new_mask = c.new_masks.get(oid)
    hit = at(c.after, new_mask) if new_mask is not None else None
    if hit is None or hit.label != c.before.get(oid).label:
        return hit, Verdict(False, f"{oid} not found at its new place ({desc(hit)})")
    return hit, None
