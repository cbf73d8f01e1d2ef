"""What changed between two versions of a scene graph (objects are matched by id: ids are
stable across refinement rounds and edits)."""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from ..masks import iou
from .model import SceneGraph, SceneObject
from .relations import canonical, id_key, relation_key

# A box "moved" when a coordinate changes by more than this many pixels (re-detection jitter
# and rounding stay below it).
BOX_TOLERANCE_PX = 1.0
# A mask "changed" below this IoU with its previous version (re-encoding, a stray pixel: above).
MASK_MIN_IOU = 0.98
# Scores and depths are floats from JSON; smaller differences are noise, not edits.
FLOAT_TOLERANCE = 1e-6

Triple = tuple[str, str, str]


@dataclass
class GraphDiff:
    """``changed`` maps an id to {field: (old, new)} with fields ``label``, ``box``, ``mask``
    (old and new pixel areas; None where absent), ``attributes.<key>`` (None where absent),
    ``depth`` and ``score``. Relations are compared in canonical direction, derived ones
    included when a graph stores none."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    relations_added: list[Triple] = field(default_factory=list)
    relations_removed: list[Triple] = field(default_factory=list)
    image: tuple[list[int], list[int]] | None = None  # ([w, h] old, [w, h] new) when resized
    # id -> "label (color)" for the lines of __str__ (labels of removed objects are gone from
    # the new graph).
    names: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.relations_added
                    or self.relations_removed or self.image)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: tuples become lists."""
        return {
            "added": list(self.added), "removed": list(self.removed),
            "changed": {i: {f: list(v) for f, v in fields.items()}
                        for i, fields in self.changed.items()},
            "relations_added": [list(r) for r in self.relations_added],
            "relations_removed": [list(r) for r in self.relations_removed],
            "image": list(self.image) if self.image else None,
        }

    def lines(self) -> list[tuple[str, str]]:
        """(sign, text) per line of the readable form; sign is "+", "-", "~" or " " (a note)."""
        out: list[tuple[str, str]] = []
        if self.image:
            (w0, h0), (w1, h1) = self.image
            out.append(("~", f"image: {w0}x{h0} -> {w1}x{h1}"))
        out += [("+", f"{i} {self.names.get(i, '')}".rstrip()) for i in self.added]
        out += [("-", f"{i} {self.names.get(i, '')}".rstrip()) for i in self.removed]
        for i, fields in self.changed.items():
            for name, (old, new) in fields.items():
                shown = name.removeprefix("attributes.")
                if name == "mask":
                    old, new = (f"{v} px" if v is not None else None for v in (old, new))
                out.append(("~", f"{i} {shown}: {_show(old)} -> {_show(new)}"))
        # Relations of added/removed objects follow from those lines; listing them is noise.
        gone = set(self.added) | set(self.removed)
        hidden = 0
        for sign, rels in (("+", self.relations_added), ("-", self.relations_removed)):
            for s, p, o in rels:
                if s in gone or o in gone:
                    hidden += 1
                else:
                    out.append((sign, f"{s} {p} {o}"))
        if hidden:
            out.append((" ", f"({hidden} relations of added or removed objects not listed)"))
        return out

    def __str__(self) -> str:
        if self.is_empty:
            return "no changes"
        return "\n".join(f"{sign} {text}" for sign, text in self.lines())

    def _repr_html_(self) -> str:
        if self.is_empty:
            return "<p><i>no changes</i></p>"
        colors = {"+": "#1a7f37", "-": "#cf222e", "~": "#9a6700", " ": "#6e7781"}
        rows = "".join(f'<div style="color:{colors[sign]}">{html.escape(sign)} '
                       f"{html.escape(text)}</div>" for sign, text in self.lines())
        return f'<div style="font-family:monospace">{rows}</div>'


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _name(obj: SceneObject) -> str:
    return f"{obj.label} ({obj.color})" if obj.color else obj.label


def _mask_changed(a: SceneObject, b: SceneObject) -> bool:
    if a.mask is None or b.mask is None:
        return (a.mask is None) != (b.mask is None)
    if a.mask.size != b.mask.size:
        return True
    if a.mask.counts == b.mask.counts:  # same encoding: no need to decode
        return False
    ma, mb = a.mask.to_array(), b.mask.to_array()
    if not (ma.any() or mb.any()):  # both empty (IoU undefined)
        return False
    return iou(ma, mb) < MASK_MIN_IOU


def _changes(a: SceneObject, b: SceneObject) -> dict[str, tuple[Any, Any]]:
    out: dict[str, tuple[Any, Any]] = {}
    if a.label != b.label:
        out["label"] = (a.label, b.label)
    if max(abs(x - y) for x, y in zip(a.box, b.box)) > BOX_TOLERANCE_PX:
        out["box"] = (list(a.box), list(b.box))
    if _mask_changed(a, b):
        out["mask"] = tuple(int(o.area) if o.mask is not None else None for o in (a, b))
    for key in sorted(set(a.attributes) | set(b.attributes)):
        old, new = a.attributes.get(key), b.attributes.get(key)
        if old != new:
            out[f"attributes.{key}"] = (old, new)
    for name in ("depth", "score"):
        old, new = getattr(a, name), getattr(b, name)
        if (old is None) != (new is None) or (old is not None and abs(old - new) > FLOAT_TOLERANCE):
            out[name] = (old, new)
    return out


def diff_graphs(a: SceneGraph, b: SceneGraph) -> GraphDiff:
    """What turns ``a`` into ``b``; ids, fields and relations come in a stable order."""
    old, new = {o.id: o for o in a.objects}, {o.id: o for o in b.objects}
    d = GraphDiff(added=sorted(new.keys() - old.keys(), key=id_key),
                  removed=sorted(old.keys() - new.keys(), key=id_key))
    for i in sorted(old.keys() & new.keys(), key=id_key):
        fields = _changes(old[i], new[i])
        if fields:
            d.changed[i] = fields
    rels_a = {canonical(r) for r in a.all_relations()}
    rels_b = {canonical(r) for r in b.all_relations()}
    d.relations_added = sorted(rels_b - rels_a, key=relation_key)
    d.relations_removed = sorted(rels_a - rels_b, key=relation_key)
    size_a = [a.image.width, a.image.height]
    size_b = [b.image.width, b.image.height]
    if size_a != size_b:
        d.image = (size_a, size_b)
    d.names = {i: _name(o) for i, o in {**old, **new}.items()}
    return d
