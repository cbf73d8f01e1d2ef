"""Incremental graph update: after an edit, re-perceive only the region the edit could have
changed and merge the result into the previous graph.

Why this is sound: the executor restores every pixel outside the edit's footprint byte for byte,
so an object whose mask lies wholly outside the footprint is exactly as it was and keeps its
entry (same id, same mask). Only the footprint's neighbourhood is cropped and perceived again.

The crop is grown until its border runs through background only (every old object it meets is
taken in whole, with a margin), because perceivers model the background from what touches the
border; an object cut by the crop's edge would look like background. Re-detected objects take
the id they had: a moved, resized or replaced object is found at the new mask the workflow
reports for it (``mask_<id>``), an unchanged one at its old mask; anything else is new and gets
a fresh id.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..masks import RLE, iou, mask_box
from ..scene.attributes import geometry_attributes
from ..scene.model import ImageInfo, SceneGraph, SceneObject
from ..scene.relations import id_key

# Background pixels kept around the footprint and around every object the crop takes in; the
# synthetic domain keeps 8 px between objects, so 6 px keeps the border in the background.
CROP_MARGIN = 6
# A re-detected object takes an id whose (old or new) mask it overlaps at least this much.
SAME_OBJECT_IOU = 0.5


@dataclass
class RegionUpdate:
    """The merged graph and what the update did (for traces and tests)."""

    graph: SceneGraph
    crop: tuple[int, int, int, int] | None   # [x0, y0, x1, y1] re-perceived; None: nothing
    kept: list[str]                          # ids copied unchanged
    redetected: list[str]                    # ids found again in the crop (possibly changed)
    added: list[str]                         # fresh ids
    dropped: list[str]                       # ids no longer found


def _intersects(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def crop_box(footprint: np.ndarray, graph: SceneGraph,
             margin: int = CROP_MARGIN) -> tuple[int, int, int, int] | None:
    """The region to re-perceive: the footprint's box, grown until no old object crosses its
    border (each one met is taken in whole, plus ``margin``). None for an empty footprint."""
    box = mask_box(footprint)
    if box is None:
        return None
    h, w = footprint.shape
    x0, y0, x1, y1 = box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin
    changed = True
    while changed:
        changed = False
        for o in graph.objects:
            bx0, by0, bx1, by1 = o.box
            if _intersects((x0, y0, x1, y1), o.box) and not (
                    x0 <= bx0 - margin and y0 <= by0 - margin and
                    bx1 + margin <= x1 and by1 + margin <= y1):
                x0, y0 = min(x0, bx0 - margin), min(y0, by0 - margin)
                x1, y1 = max(x1, bx1 + margin), max(y1, by1 + margin)
                changed = True
    return (max(0, int(np.floor(x0))), max(0, int(np.floor(y0))),
            min(w, int(np.ceil(x1))), min(h, int(np.ceil(y1))))


def perceive_region(perceiver, image: np.ndarray, crop: tuple[int, int, int, int]
                    ) -> list[tuple[SceneObject, np.ndarray]]:
    """Objects the perceiver finds inside ``crop``, in full-image coordinates, with their
    full-size masks. Objects touching a crop edge that is not an image edge are cut off by the
    crop and are left out (the old graph's entry stands for them)."""
    x0, y0, x1, y1 = crop
    h, w = image.shape[:2]
    sub = perceiver.perceive(np.ascontiguousarray(image[y0:y1, x0:x1]))
    out = []
    for o in sub.objects:
        m = sub.mask_of(o.id)
        bx0, by0, bx1, by1 = mask_box(m) or [0, 0, 0, 0]
        cut = (bx0 == 0 and x0 > 0) or (by0 == 0 and y0 > 0) or \
              (bx1 == x1 - x0 and x1 < w) or (by1 == y1 - y0 and y1 < h)
        if cut or not m.any():
            continue
        full = np.zeros((h, w), bool)
        full[y0:y1, x0:x1] = m
        box = [bx0 + x0, by0 + y0, bx1 + x0, by1 + y0]
        attributes = dict(o.attributes)
        # size / position words are relative to the frame: recompute them for the whole image
        attributes.update(geometry_attributes(int(full.sum()), box, w, h))
        obj = o.model_copy(update={"box": box, "mask": RLE.from_array(full),
                                   "attributes": attributes})
        out.append((obj, full))
    return out


def _assign_ids(found: list[tuple[SceneObject, np.ndarray]],
                candidates: Mapping[str, np.ndarray]) -> list[str | None]:
    """Greedy by overlap: each found object takes the candidate id it overlaps most (at least
    ``SAME_OBJECT_IOU``); each id is given once."""
    pairs = sorted(((iou(m, cm), i, cid) for i, (_, m) in enumerate(found)
                    for cid, cm in candidates.items()), reverse=True)
    ids: list[str | None] = [None] * len(found)
    taken: set[str] = set()
    for score, i, cid in pairs:
        if score < SAME_OBJECT_IOU:
            break
        if ids[i] is None and cid not in taken:
            ids[i] = cid
            taken.add(cid)
    return ids


def update_graph(perceiver, graph: SceneGraph, image: np.ndarray, footprint: np.ndarray, *,
                 new_masks: Mapping[str, np.ndarray] | None = None,
                 removed: Sequence[str] = (), first_fresh: int = 0) -> RegionUpdate:
    """The graph of ``image`` (an edit of the image ``graph`` describes, changed only inside
    ``footprint``), re-perceiving only around the footprint.

    ``new_masks``: where the workflow put objects (``mask_<id>`` outputs: moved, resized,
    replaced, swapped); ``removed``: ids the plan removed (their old place does not keep them);
    ``first_fresh``: new objects are numbered from at least this (a session passes its
    high-water mark, so an id once removed is never reused).
    """
    graph.check_matches(image)
    new_masks = dict(new_masks or {})
    crop = crop_box(footprint, graph)
    if crop is None:
        return RegionUpdate(graph, None, list(graph.ids), [], [], [])
    touched = [o.id for o in graph.objects if (graph.mask_of(o.id) & footprint).any()]
    found = [(o, m) for o, m in perceive_region(perceiver, image, crop) if (m & footprint).any()]
    # the workflow's new masks first: a moved object is where it went, not where it was
    candidates = {oid: m for oid, m in new_masks.items() if oid in graph}
    ids = _assign_ids(found, candidates)
    rest = [i for i, oid in enumerate(ids) if oid is None]
    old = {oid: graph.mask_of(oid) for oid in touched
           if oid not in candidates and oid not in removed}
    for i, oid in zip(rest, _assign_ids([found[i] for i in rest], old)):
        ids[i] = oid
    objects = [o for o in graph.objects if o.id not in touched]
    kept = [o.id for o in objects]
    # fresh ids count on from every id the graph ever had here, so a removed object's id is
    # never given to a newcomer (history and diffs stay unambiguous)
    fresh = max(int(graph.next_id()[1:]), first_fresh)
    redetected, added = [], []
    for (obj, _), oid in zip(found, ids):
        if oid is None:
            oid, fresh = f"o{fresh}", fresh + 1
            added.append(oid)
        else:
            redetected.append(oid)
        objects.append(obj.model_copy(update={"id": oid}))
    dropped = [oid for oid in touched if oid not in redetected]
    objects.sort(key=lambda o: id_key(o.id))
    merged = SceneGraph(image=ImageInfo(width=graph.image.width, height=graph.image.height),
                        objects=objects).with_derived_relations()
    return RegionUpdate(merged, crop, kept, redetected, added, dropped)
