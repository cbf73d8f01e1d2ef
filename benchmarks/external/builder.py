"""Expand a compact, hand-written object spec into a full interchange scene graph.

A case's objects are written as one string, objects separated by ``;``, each
``label[@place] [key=value ...]`` (underscores stand for spaces in labels and values):

    "monitor@gold state=on; monitor@R2 state=on; monitor@L state=off; laptop@L2^2"

Places (the first object, index 0, is the default anchor):

* ``gold``: the dataset's gold box (RefCOCOS);
* ``L|R|A|B`` [slot] [``^k``]: left of / right of / above / below object ``k`` (default 0), in
  the ``slot``-th position outward (default 1): slot 1 is adjacent (near), slot 2 one further
  out. Objects of one anchor and direction share a size, shrunk so that all fit in the image;
  the other extent is the anchor's, centred on it;
* ``on^k``: resting on top of object k (half its width, bottom edge just inside its top);
  ``in^k``: inside object k (half its size, centred);
* frame words ``left right center top bottom top-left top-right bottom-left bottom-right``:
  that cell of a 3x3 grid of the image;
* ``x0,y0,x1,y1``: an explicit box;
* any of these may end in ``*s`` to scale the box about its centre (``R*0.5``).

Objects without a place are laid out in a row across the middle of the image, left to right
in the order written (ComplexBench-Edit), or in free slots beside the first object (RefCOCOS:
right, left, below, above, outward). ``depth=`` sets the object's depth; every other key is an
attribute. Relations are not written: sceneedit derives them from the boxes
(``sceneedit/scene/relations.py``). Layout is pure arithmetic, so a spec always expands to the
same graph.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sceneedit.scene.model import GRAPH_FORMAT

__all__ = ["BuildError", "ObjectSpec", "build_graph", "parse_objects"]

FRAME = {"top-left": (0, 0), "top": (1, 0), "top-right": (2, 0), "left": (0, 1),
         "center": (1, 1), "right": (2, 1), "bottom-left": (0, 2), "bottom": (1, 2),
         "bottom-right": (2, 2)}
DIRS = {"L": (-1, 0), "R": (1, 0), "A": (0, -1), "B": (0, 1)}
AUTO_ORDER = ("R", "L", "B", "A")
# A gap of a tenth of the anchor's size keeps neighbours apart but "near" (relations.py counts
# a gap of up to half the smaller object's size as near).
GAP_FRACTION = 0.1
MIN_SIDE = 3.0
_PLACE = re.compile(r"^(?:(?P<gold>gold)|(?P<dir>[LRAB])(?P<slot>\d*)(?:\^(?P<danchor>\d+))?|"
                    r"(?P<rel>on|in)(?:\^(?P<ranchor>\d+))?|(?P<frame>[a-z-]+)|"
                    r"(?P<box>-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+))(?:\*(?P<scale>[\d.]+))?$")


class BuildError(ValueError):
    """A spec that does not parse or does not fit its image."""


@dataclass
class ObjectSpec:
    label: str
    place: dict[str, Any] | None
    attributes: dict[str, Any] = field(default_factory=dict)
    depth: float | None = None


def _value(text: str) -> Any:
    text = text.replace("_", " ")
    if text in ("true", "false"):
        return text == "true"
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text


def parse_objects(spec: str) -> list[ObjectSpec]:
    """Parse an objects string (grammar in the module docstring)."""
    out = []
    for i, part in enumerate(p.strip() for p in spec.split(";")):
        if not part:
            continue
        head, *pairs = part.split()
        label, _, place = head.partition("@")
        m = _PLACE.match(place) if place else None
        if place and (m is None or (m["frame"] and m["frame"] not in FRAME)):
            raise BuildError(f"object {i} ({part!r}): cannot read the place {place!r}")
        obj = ObjectSpec(label.replace("_", " "), m.groupdict() if m else None)
        for pair in pairs:
            key, eq, val = pair.partition("=")
            if not eq or not key or not val:
                raise BuildError(f"object {i} ({part!r}): {pair!r} is not key=value")
            if key == "depth":
                obj.depth = float(val)
            else:
                obj.attributes[key] = _value(val)
        out.append(obj)
    if not out:
        raise BuildError("no objects")
    return out


def _scale(box: list[float], s: float) -> list[float]:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    hw, hh = (box[2] - box[0]) * s / 2, (box[3] - box[1]) * s / 2
    return [cx - hw, cy - hh, cx + hw, cy + hh]


class _Layout:
    def __init__(self, objs: list[ObjectSpec], width: int, height: int,
                 gold: list[float] | None):
        self.objs, self.w, self.h, self.gold = objs, width, height, gold
        self.boxes: dict[int, list[float]] = {}
        # (anchor, direction) -> the outermost slot used, so one group shares one size
        self.slots: dict[tuple[int, str], int] = defaultdict(int)
        for o in objs:
            p = o.place or {}
            if p.get("dir"):
                key = (int(p["danchor"] or 0), p["dir"])
                self.slots[key] = max(self.slots[key], int(p["slot"] or 1))

    def box(self, i: int, stack: tuple[int, ...] = ()) -> list[float]:
        if i in self.boxes:
            return self.boxes[i]
        if i in stack or not 0 <= i < len(self.objs):
            raise BuildError(f"object {i}: anchor {'cycle' if i in stack else 'out of range'}")
        p = self.objs[i].place
        if p is None:
            raise BuildError(f"object {i} ({self.objs[i].label}) has no place")
        if p["gold"]:
            if self.gold is None:
                raise BuildError(f"object {i}: '@gold' in a case without a gold box")
            box = [float(v) for v in self.gold]
        elif p["dir"]:
            box = self._beside(int(p["danchor"] or 0), p["dir"], int(p["slot"] or 1), stack + (i,))
        elif p["rel"]:
            a = self.box(int(p["ranchor"] or 0), stack + (i,))
            aw, ah = a[2] - a[0], a[3] - a[1]
            cx = (a[0] + a[2]) / 2
            if p["rel"] == "in":
                box = _scale(a, 0.5)
            else:
                bw, bh = aw / 2, min(ah / 2, max(a[1], MIN_SIDE * 2))
                bottom = a[1] + 0.1 * bh
                box = [cx - bw / 2, bottom - bh, cx + bw / 2, bottom]
        elif p["frame"]:
            cx, cy = FRAME[p["frame"]]
            cw, ch = self.w / 3, self.h / 3
            box = _scale([cx * cw, cy * ch, (cx + 1) * cw, (cy + 1) * ch], 0.7)
        else:
            box = [float(v) for v in p["box"].split(",")]
        if p["scale"]:
            box = _scale(box, float(p["scale"]))
        return self._store(i, box)

    def _store(self, i: int, box: list[float]) -> list[float]:
        box = [max(0.0, box[0]), max(0.0, box[1]), min(float(self.w), box[2]),
               min(float(self.h), box[3])]
        if box[2] - box[0] < MIN_SIDE or box[3] - box[1] < MIN_SIDE:
            raise BuildError(f"object {i} ({self.objs[i].label}) does not fit: {box}")
        self.boxes[i] = box
        return box

    def _beside(self, k: int, d: str, slot: int, stack: tuple[int, ...]) -> list[float]:
        a = self.box(k, stack)
        n = self.slots[(k, d)]
        horizontal = d in "LR"
        lo, hi = (a[0], a[2]) if horizontal else (a[1], a[3])
        limit = self.w if horizontal else self.h
        ext = hi - lo
        gap = GAP_FRACTION * min(a[2] - a[0], a[3] - a[1]) + 1
        room = lo if DIRS[d][0] + DIRS[d][1] < 0 else limit - hi
        ext = min(ext, (room - gap * n) / n)
        if ext < MIN_SIDE:
            raise BuildError(f"no room for {n} object(s) {d} of object {k} ({a})")
        if DIRS[d][0] + DIRS[d][1] < 0:
            far = lo - gap * slot - ext * (slot - 1)
            span = (far - ext, far)
        else:
            near = hi + gap * slot + ext * (slot - 1)
            span = (near, near + ext)
        if horizontal:
            return [span[0], a[1], span[1], a[3]]
        return [a[0], span[0], a[2], span[1]]

    def auto(self, beside_first: bool) -> None:
        """Place the objects written without a place (before any relative box is computed)."""
        free = [i for i, o in enumerate(self.objs) if o.place is None]
        if not beside_first:
            cell = self.w / max(1, len(free))
            for j, i in enumerate(free):
                self._store(i, [cell * (j + 0.1), self.h * 0.35, cell * (j + 0.9), self.h * 0.75])
            return
        a = self.box(0)
        room = {"L": a[0], "R": self.w - a[2], "A": a[1], "B": self.h - a[3]}
        extent = {"L": a[2] - a[0], "R": a[2] - a[0], "A": a[3] - a[1], "B": a[3] - a[1]}
        for i in free:
            # the side with the most room per object, full-size slots first
            def fit(d: str) -> tuple[float, int]:
                return (min(1.0, room[d] / (extent[d] * (self.slots[(0, d)] + 1))),
                        -AUTO_ORDER.index(d))
            d = max(AUTO_ORDER, key=fit)
            self.slots[(0, d)] += 1
            self.objs[i].place = {"dir": d, "slot": str(self.slots[(0, d)]), "danchor": "0",
                                  "gold": None, "rel": None, "frame": None, "box": None,
                                  "scale": None}


def build_graph(spec: str, width: int, height: int, gold_box: list[float] | None = None,
                beside_first: bool = False) -> dict[str, Any]:
    """The scene-graph document (``sceneedit.scene-graph/1``) of an objects string; ids are
    ``o1``, ``o2``, ... in the order written. Raises BuildError naming the object."""
    objs = parse_objects(spec)
    if objs[0].place is None and beside_first:
        objs[0].place = {"frame": "center", "gold": None, "dir": None, "rel": None,
                         "box": None, "scale": None}
    lay = _Layout(objs, width, height, gold_box)
    lay.auto(beside_first)
    for i in range(len(objs)):
        lay.box(i)
    out = []
    for i, o in enumerate(objs):
        box = lay.boxes[i]
        obj: dict[str, Any] = {"id": f"o{i + 1}", "label": o.label,
                               "box": box if (o.place or {}).get("gold") else
                               [round(v) for v in box], "score": 0.9}
        if o.attributes:
            obj["attributes"] = o.attributes
        if o.depth is not None:
            obj["depth"] = o.depth
        out.append(obj)
    return {"format": GRAPH_FORMAT, "image": {"width": width, "height": height}, "objects": out}
