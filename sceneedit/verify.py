"""Did an edit happen? Checks one edit against the graphs perceived before and after rendering.

Objects are matched across the two graphs by mask overlap (perception assigns fresh ids), so
this works with any perceiver. Used by the demo, the tests of every op, and later the Editor's
verification step.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .masks import iou
from .plan import (AddEdit, MoveEdit, RecolorEdit, RemoveEdit, ReplaceEdit, ResizeEdit,
                   RestyleEdit, SwapEdit, _Edit)
from .scene.model import SceneGraph, SceneObject

SAME_PLACE_IOU = 0.5       # an object "at the same place" overlaps the old mask this much
RESIZE_TOLERANCE = 0.35    # relative error allowed on the area ratio (masks are resampled)
RESTYLE_MIN_CHANGE = 10.0  # mean |delta| (0..255) inside the object a restyle must cause


@dataclass
class Verdict:
    ok: bool
    message: str

    def __bool__(self) -> bool:
        return bool(self.ok)


def _at(graph: SceneGraph, mask: np.ndarray, min_iou: float = SAME_PLACE_IOU
        ) -> SceneObject | None:
    """The object of ``graph`` that best overlaps ``mask`` (IoU >= min_iou), if any."""
    best = max(graph.objects, key=lambda o: iou(graph.mask_of(o.id), mask), default=None)
    if best is None or iou(graph.mask_of(best.id), mask) < min_iou:
        return None
    return best


def _covering(graph: SceneGraph, mask: np.ndarray) -> list[SceneObject]:
    """Objects whose mask mostly lies inside ``mask``'s bounding region (new objects)."""
    out = []
    for o in graph.objects:
        m = graph.mask_of(o.id)
        if m.sum() and (m & mask).sum() / m.sum() >= 0.6:
            out.append(o)
    return out


def _desc(o: SceneObject | None) -> str:
    return "nothing" if o is None else f"{o.label} ({o.color})"


def _category(what: str) -> tuple[str, str | None]:
    from .synthetic.draw import parse_object_phrase

    return parse_object_phrase(what)


def verify_edit(edit: _Edit, before: SceneGraph, after: SceneGraph, *, footprint: np.ndarray,
                image_before: np.ndarray | None = None, image_after: np.ndarray | None = None,
                new_masks: dict[str, np.ndarray] | None = None) -> Verdict:
    """Check that ``edit`` (with ids of ``before``) took effect in ``after``.

    ``footprint`` is the edit's footprint; ``new_masks`` the compiled workflow's ``mask_<id>``
    outputs (where moved / resized objects went).
    """
    new_masks = new_masks or {}
    if isinstance(edit, RemoveEdit):
        hit = _at(after, before.mask_of(edit.target))
        return Verdict(hit is None, f"{edit.target} gone" if hit is None else
                       f"{edit.target} still there: {_desc(hit)}")
    if isinstance(edit, RecolorEdit):
        hit = _at(after, before.mask_of(edit.target), 0.8)
        ok = hit is not None and hit.color == edit.color and \
            hit.label == before.get(edit.target).label
        return Verdict(ok, f"{edit.target} is now {_desc(hit)}, wanted colour {edit.color}")
    if isinstance(edit, ReplaceEdit):
        hits = _covering(after, footprint)
        if edit.source is not None:
            want, color = before.get(edit.source).label, before.get(edit.source).color
        else:
            want, color = _category(edit.with_)
        ok = any(h.label == want and (color is None or h.color == color) for h in hits)
        return Verdict(ok, f"at {edit.target}'s place: {', '.join(map(_desc, hits)) or 'nothing'};"
                       f" wanted {want}{f' ({color})' if color else ''}")
    if isinstance(edit, AddEdit):
        want, color = _category(edit.what)
        hits = [h for h in _covering(after, footprint) if h.label == want and
                (color is None or h.color == color)]
        anchor = _at(after, before.mask_of(edit.anchor))
        if not hits or anchor is None:
            return Verdict(False, f"no new {want} found" if not hits else "anchor lost")
        ok = any(after.holds(h.id, edit.relation, anchor.id) for h in hits)
        return Verdict(ok, f"new {want} {'is' if ok else 'is not'} {edit.relation} the anchor")
    if isinstance(edit, (MoveEdit, ResizeEdit)):
        old = before.get(edit.target)
        new_mask = new_masks.get(edit.target)
        hit = _at(after, new_mask) if new_mask is not None else None
        if hit is None or hit.label != old.label:
            return Verdict(False, f"{edit.target} not found at its new place ({_desc(hit)})")
        if isinstance(edit, ResizeEdit):
            ratio = after.mask_of(hit.id).sum() / max(before.mask_of(edit.target).sum(), 1)
            ok = abs(ratio / edit.scale ** 2 - 1) <= RESIZE_TOLERANCE
            return Verdict(ok, f"area ratio {ratio:.2f}, wanted {edit.scale ** 2:.2f}")
        anchor = _at(after, before.mask_of(edit.anchor))
        ok = anchor is not None and after.holds(hit.id, edit.relation, anchor.id)
        return Verdict(ok, f"{edit.target} {'is' if ok else 'is not'} {edit.relation} "
                       f"{edit.anchor} after the move")
    if isinstance(edit, SwapEdit):
        a, b = before.get(edit.target), before.get(edit.other)
        at_a = _at(after, before.mask_of(edit.target), 0.3)
        at_b = _at(after, before.mask_of(edit.other), 0.3)
        ok = at_a is not None and at_b is not None and at_a.label == b.label and \
            at_b.label == a.label
        return Verdict(ok, f"{edit.target}'s place holds {_desc(at_a)}, {edit.other}'s place "
                       f"holds {_desc(at_b)}")
    if isinstance(edit, RestyleEdit):
        if image_before is None or image_after is None:
            return Verdict(False, "restyle needs the images to verify")
        m = before.mask_of(edit.target)
        change = float(np.abs(image_after[m].astype(int) - image_before[m]).mean())
        hit = _at(after, m)
        ok = change >= RESTYLE_MIN_CHANGE and hit is not None
        return Verdict(ok, f"mean pixel change {change:.1f} inside {edit.target}; object still "
                       f"there: {hit is not None}")
    return Verdict(False, f"no check for op {edit.op!r}")
