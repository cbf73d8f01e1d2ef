"""What the user says about *which* objects may be edited, turned into planner constraints.

- A user mask ("edit here"): only objects that overlap the mask may be targets; every other
  object is protected (``Constraints.keep_ids`` narrows the decoding grammar itself).
- Feedback that rejects the previous choice ("not that one, the other mug", "wrong one"):
  the objects the previous plan changed are protected in the re-plan, so the planner cannot
  pick them again; the rest of the sentence goes to the LLM as feedback.
"""
from __future__ import annotations

import re

import numpy as np

from ..errors import InvalidInputError
from ..plan import Plan
from ..reasoning.constraints import Constraints
from ..scene.model import SceneGraph
from .verification import changed_ids

# An object is "under" the user's mask when this fraction of it is covered, or when it covers
# this fraction of the mask (a small scribble on a large object).
MASK_MIN_OVERLAP = 0.2
_REJECT = re.compile(r"\b(?:not (?:that|this|the same)(?: one)?|the other(?: one)?|"
                     r"wrong (?:one|object)|another one|a different one)\b", re.IGNORECASE)


def as_mask(mask: object, graph: SceneGraph) -> np.ndarray:
    """A user mask as an HxW bool array (bool, 0/1 or 0..255 gray or RGB, non-zero = inside),
    checked against the graph's image size."""
    m = np.asarray(mask)
    if m.ndim == 3:
        m = m.any(axis=2)
    h, w = graph.image.height, graph.image.width
    if m.shape != (h, w):
        raise InvalidInputError(f"the mask is {m.shape[1] if m.ndim == 2 else '?'}x{m.shape[0]} "
                                f"but the image is {w}x{h}; draw the mask on the image itself")
    m = m.astype(bool)
    if not m.any():
        raise InvalidInputError("the mask is empty: mark the region to edit with non-zero pixels")
    return m


def objects_under(graph: SceneGraph, mask: np.ndarray) -> list[str]:
    """Ids of the objects the mask marks (see ``MASK_MIN_OVERLAP``)."""
    out = []
    for o in graph.objects:
        m = graph.mask_of(o.id)
        both = (m & mask).sum()
        if both and (both >= MASK_MIN_OVERLAP * m.sum() or both >= MASK_MIN_OVERLAP * mask.sum()):
            out.append(o.id)
    return out


def constraints_from_mask(graph: SceneGraph, mask: object) -> Constraints:
    m = as_mask(mask, graph)
    under = objects_under(graph, m)
    if not under:
        raise InvalidInputError(
            "the mask covers no detected object; objects: "
            + ", ".join(f"{o.id} {o.label} at {[int(v) for v in o.box]}" for o in graph.objects))
    return Constraints(keep_ids=set(graph.ids) - set(under))


def rejects_previous(feedback: str | None) -> bool:
    return bool(feedback) and _REJECT.search(feedback) is not None


def constraints_from_revision(feedback: str | None, previous: Plan | None) -> Constraints:
    """Protect what the previous plan changed when the feedback rejects that choice."""
    if previous is None or not rejects_previous(feedback):
        return Constraints()
    return Constraints(keep_ids=changed_ids(previous))
