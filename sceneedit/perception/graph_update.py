"""One refinement round's change to a graph: new instances are added, fragments of one object
are merged, a node that holds several instances is split, a wrongly named node is relabelled.

Ids are stable: a node that survives keeps its id (a merge keeps the lowest id of the merged
nodes; a split keeps the id on the piece that overlaps the old node most), and every new node
takes the next never-used ``o<N>`` (``IdSource``), so an id never comes back with another
meaning within one refinement history.

The decisions look only at masks (and labels, and scores for relabelling), so they hold for any
Detector/Segmenter pair.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..masks import RLE, iou, mask_box
from ..scene.attributes import dominant_color, geometry_attributes
from ..scene.lexicon import Lexicon
from ..scene.model import Provenance, SceneGraph, SceneObject
from ..scene.relations import id_key
from .needs import Need
from .vocabulary import GENERIC_LEXICON

# A detection is "the same object" as a node at this mask IoU or more.
SAME_IOU = 0.5
# "Mostly inside": this share of the smaller mask lies inside the other.
INSIDE = 0.8
# A piece of a split covers at most this share of the node it is cut from (more: it is the
# node itself, not a piece).
PIECE_MAX_COVER = 0.7
# Fragments to merge together make up at least this share of the detection.
MERGE_MIN_COVER = 0.6
# Two detections of one split are distinct instances only below this IoU with each other.
DISTINCT_IOU = 0.3
# A node without a score counts as this confident when a detection proposes another label.
UNSCORED_PRIOR = 0.5


@dataclass
class Found:
    """A detection of ``need`` with its mask in full-image coordinates."""

    need: Need
    label: str
    box: tuple[float, float, float, float]
    score: float
    mask: np.ndarray
    where: str = "full image"   # or "crop around o3"

    @property
    def area(self) -> int:
        return int(self.mask.sum())


class IdSource:
    """Hands out ``o<N>`` ids above every id ever seen (so merged-away ids are not reused)."""

    def __init__(self, ids: Iterable[str]):
        self.top = 0
        self.see(ids)

    def see(self, ids: Iterable[str]) -> None:
        for i in ids:
            m = re.fullmatch(r"o(\d+)", i)
            if m:
                self.top = max(self.top, int(m.group(1)))

    def next(self) -> str:
        self.top += 1
        return f"o{self.top}"


@dataclass
class Update:
    """What a round did, as sentences for people, and the ids it touched."""

    actions: list[str] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)


def object_attributes(label: str, mask: np.ndarray, image: np.ndarray,
                      keep: dict | None = None, lexicon: Lexicon = GENERIC_LEXICON) -> dict:
    """Attributes computed from pixels: colour, kind (when ``lexicon`` knows the label's),
    area fraction, size and position; other keys of ``keep`` are carried over."""
    h, w = mask.shape
    out = {k: v for k, v in (keep or {}).items()
           if k not in ("color", "kind", "area_fraction", "size", "position")}
    out["color"] = dominant_color(image[mask])
    kind = lexicon.kind_of(label)
    if kind is not None:
        out["kind"] = kind
    out.update(geometry_attributes(float(mask.sum()), mask_box(mask), w, h))
    return out


class _Work:
    """The graph being changed: node masks by id, in the graph's order."""

    def __init__(self, graph: SceneGraph):
        self.graph = graph
        self.objects: dict[str, SceneObject] = {o.id: o for o in graph.objects}
        self.masks: dict[str, np.ndarray] = {o.id: graph.mask_of(o.id) for o in graph.objects}
        self.area = {i: int(m.sum()) for i, m in self.masks.items()}

    def overlap(self, mask: np.ndarray) -> list[tuple[str, int]]:
        """(id, shared pixels) of nodes that share pixels with ``mask``, in id order."""
        out = []
        for i, m in self.masks.items():
            inter = int(np.logical_and(m, mask).sum())
            if inter:
                out.append((i, inter))
        return sorted(out, key=lambda t: id_key(t[0]))


def _prior(obj: SceneObject) -> float:
    return obj.score if obj.score is not None else UNSCORED_PRIOR


def apply_found(graph: SceneGraph, found: Sequence[Found], image: np.ndarray, ids: IdSource,
                round_no: int, backend: str) -> tuple[SceneGraph, Update]:
    """``graph`` changed by the detections of one round (split, merge, relabel, add; in that
    order), with attributes recomputed for every node it touched."""
    work = _Work(graph)
    upd = Update()
    pending = [f for f in found if f.area > 0]
    new: dict[str, tuple[Found, np.ndarray, str]] = {}  # id -> (why, mask, action)
    relabel: dict[str, Found] = {}
    removed: set[str] = set()

    # -- split: several distinct detections, each a part of one node ------------------------
    for node_id in list(work.masks):
        parts = [f for f in pending if _piece_of(work, node_id, f)]
        parts = _distinct(parts)
        if len(parts) < 2:
            continue
        keeper = max(parts, key=lambda f: (int(np.logical_and(f.mask, work.masks[node_id]).sum()),
                                           -f.box[1], -f.box[0]))
        ordered = [keeper] + [f for f in parts if f is not keeper]
        pieces = [node_id] + [ids.next() for _ in ordered[1:]]
        for pid, f in zip(pieces, ordered):
            new[pid] = (f, f.mask, "split")
        upd.actions.append(f"split {node_id} {work.objects[node_id].label} into "
                           + ", ".join(f"{p} {f.label}" for p, f in zip(pieces, ordered)))
        pending = [f for f in pending if not any(f is p for p in parts)]

    # -- merge: one detection covering several nodes (fragments of one object) --------------
    for f in list(pending):
        inside = [(i, inter) for i, inter in work.overlap(f.mask)
                  if i not in new and inter >= INSIDE * work.area[i]]
        if len(inside) < 2 or sum(t for _, t in inside) < MERGE_MIN_COVER * f.area:
            continue
        keep, *gone = sorted((i for i, _ in inside), key=id_key)
        union = f.mask.copy()
        for i, _ in inside:
            union |= work.masks[i]
        new[keep] = (f, union, "merged")
        removed.update(gone)
        upd.actions.append(f"merged {', '.join([keep] + gone)} into {keep} {f.label}")
        pending.remove(f)

    # -- relabel or add ----------------------------------------------------------------------
    # How many more instances each need wants, after the splits and merges above.
    kept = [o for o in graph.objects if o.id not in removed and o.id not in new]

    def have(need: Need) -> int:
        return sum(need.matches(o) for o in kept) + \
            sum(need.canonical(need.noun) == f.label for f, _, _ in new.values())

    still_needed = {f.need: f.need.count - have(f.need) for f in pending}
    for f in sorted(pending, key=lambda f: (-f.score, f.box[1], f.box[0])):
        overlaps = [(i, inter) for i, inter in work.overlap(f.mask) if i not in removed]
        best = max(overlaps, key=lambda t: _iou(work, t, f), default=None)  # first on ties
        if best and _iou(work, best, f) >= SAME_IOU:
            node = work.objects[best[0]]
            if best[0] in new or best[0] in relabel:
                continue
            if f.need.canonical(node.label) == f.label:  # already this object
                if f.need.color and node.color != f.need.color:
                    upd.actions.append(f"{node.id} {node.label} is the {f.label} detected for "
                                       f"{f.need.phrase!r}, but {node.color}")
                continue
            if f.score > _prior(node):
                relabel[best[0]] = f
                upd.actions.append(f"relabelled {node.id} {node.label} -> {f.label} "
                                   f"(score {f.score:.2f} > {_prior(node):.2f})")
            else:
                upd.actions.append(f"kept {node.id} {node.label} ({_prior(node):.2f}) over "
                                   f"{f.label} ({f.score:.2f})")
            continue
        # Mostly inside one node of the same label: a piece of it, not another instance.
        if any(inter >= INSIDE * f.area and f.need.matches(work.objects[i])
               for i, inter in overlaps):
            continue
        if still_needed.get(f.need, 0) <= 0:
            continue  # the instruction asks for no more of these: a lower-scored extra
        still_needed[f.need] -= 1
        nid = ids.next()
        new[nid] = (f, f.mask, "added")
        upd.actions.append(f"added {nid} {f.label} (score {f.score:.2f}, {f.where})")

    return _rebuild(graph, work, new, relabel, removed, image, round_no, backend, upd), upd


def _iou(work: _Work, overlap: tuple[str, int], f: Found) -> float:
    i, inter = overlap
    return inter / max(work.area[i] + f.area - inter, 1)


def _piece_of(work: _Work, node_id: str, f: Found) -> bool:
    inter = int(np.logical_and(f.mask, work.masks[node_id]).sum())
    return inter >= INSIDE * f.area and inter <= PIECE_MAX_COVER * work.area[node_id]


def _distinct(parts: list[Found]) -> list[Found]:
    """Drop detections that repeat an earlier (higher-scored) one."""
    out: list[Found] = []
    for f in sorted(parts, key=lambda f: (-f.score, f.box[1], f.box[0])):
        if all(iou(f.mask, g.mask) < DISTINCT_IOU for g in out):
            out.append(f)
    return out


def _rebuild(graph: SceneGraph, work: _Work, new: dict[str, tuple[Found, np.ndarray, str]],
             relabel: dict[str, Found], removed: set[str], image: np.ndarray, round_no: int,
             backend: str, upd: Update) -> SceneGraph:
    objects = []
    for obj in graph.objects:
        if obj.id in removed:
            continue
        if obj.id in new:
            f, mask, action = new.pop(obj.id)
            objects.append(_node(obj.id, f, mask, image, round_no, backend, action, obj))
        elif obj.id in relabel:
            f = relabel[obj.id]
            objects.append(obj.model_copy(update={
                "label": f.label, "score": round(f.score, 4),
                "attributes": object_attributes(f.label, work.masks[obj.id], image,
                                                obj.attributes, f.need.lexicon),
                "provenance": _provenance(backend, round_no, "relabelled", f)}))
        else:
            objects.append(obj)
            continue
        upd.touched.add(obj.id)
    for nid in sorted(new, key=id_key):
        f, mask, action = new[nid]
        objects.append(_node(nid, f, mask, image, round_no, backend, action, None))
        upd.touched.add(nid)
    return graph.model_copy(update={"objects": objects})


def _provenance(backend: str, round_no: int, action: str, f: Found) -> Provenance:
    return Provenance(backend=backend, round=round_no, action=action, phrase=f.need.phrase)


def _node(object_id: str, f: Found, mask: np.ndarray, image: np.ndarray, round_no: int,
          backend: str, action: str, old: SceneObject | None) -> SceneObject:
    box = mask_box(mask)
    return SceneObject(
        id=object_id, label=f.label, box=box, score=round(f.score, 4),
        mask=RLE.from_array(mask),
        attributes=object_attributes(f.label, mask, image, old.attributes if old else None,
                                     f.need.lexicon),
        depth=old.depth if old is not None else None,
        provenance=_provenance(backend, round_no, action, f))


__all__ = ["Found", "IdSource", "Update", "apply_found", "object_attributes"]
