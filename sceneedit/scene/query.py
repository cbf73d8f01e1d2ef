"""Queries over a scene graph: a networkx view and small helpers for notebooks and the planner
("the red objects", "what is on the counter", "the leftmost mug")."""
from __future__ import annotations

from typing import Any, Literal

import networkx as nx

from ..errors import ValidationError
from .model import INVERSE, PREDICATES, SceneGraph

EXTREME_BY: tuple[str, ...] = ("area", "x", "y", "depth")


def to_networkx(graph: SceneGraph) -> nx.MultiDiGraph:
    """Nodes are object ids carrying label, box, attributes, area, depth, score and color; each
    relation is an edge keyed by its predicate, and its inverse edge is added too (``o3
    on_top_of o2`` also gives ``o2 under o3``), so neighbourhood queries need not care which
    direction was stored. Edges from the inverse carry ``inverse=True``."""
    g = nx.MultiDiGraph()
    for obj in graph.objects:
        g.add_node(obj.id, label=obj.label, box=list(obj.box), attributes=dict(obj.attributes),
                   area=obj.area, depth=obj.depth, score=obj.score, color=obj.color)
    for rel in graph.all_relations():
        g.add_edge(rel.subject, rel.object, key=rel.predicate, predicate=rel.predicate,
                   inverse=False)
        inv = INVERSE[rel.predicate]
        if not g.has_edge(rel.object, rel.subject, key=inv):  # a stored fact beats its echo
            g.add_edge(rel.object, rel.subject, key=inv, predicate=inv, inverse=True)
    return g


def check_predicate(predicate: str, field: str = "predicate") -> str:
    if predicate not in PREDICATES:
        raise ValidationError(field, f"unknown predicate {predicate!r}", PREDICATES)
    return predicate


def _norm(value: Any) -> Any:
    return value.strip().lower().replace("grey", "gray") if isinstance(value, str) else value


def _label_matches(label: str, wanted: str) -> bool:
    """The whole label or its head noun (last word): "mug" finds "coffee mug", not "mug tree"."""
    label, wanted = _norm(label), _norm(wanted)
    return label == wanted or label.rsplit(" ", 1)[-1] == wanted


def find(graph: SceneGraph, label: str | None = None, color: str | None = None,
         **attrs: Any) -> list[str]:
    """Ids (in graph order) of the objects matching every given criterion. Strings compare
    case-insensitively ("grey" = "gray"); ``attrs`` match ``attributes`` entries."""
    out = []
    for obj in graph.objects:
        if label is not None and not _label_matches(obj.label, label):
            continue
        if color is not None and _norm(obj.color) != _norm(color):
            continue
        if any(_norm(obj.attributes.get(k)) != _norm(v) for k, v in attrs.items()):
            continue
        out.append(obj.id)
    return out


def related(graph: SceneGraph, object_id: str, predicate: str) -> list[str]:
    """Ids (in graph order) of the objects X for which ``object_id predicate X`` holds, stored
    either way round: ``related(g, "o2", "under")`` finds what is on_top_of o2."""
    graph.get(object_id)
    check_predicate(predicate)
    inv = INVERSE[predicate]
    hits = set()
    for rel in graph.all_relations():
        if rel.subject == object_id and rel.predicate == predicate:
            hits.add(rel.object)
        if rel.object == object_id and rel.predicate == inv:
            hits.add(rel.subject)
    return [i for i in graph.ids if i in hits]


def extreme(graph: SceneGraph, ids: list[str],
            by: Literal["area", "x", "y", "depth"] = "area", largest: bool = True) -> str:
    """The id among ``ids`` with the largest (or smallest) area, box-centre x, box-centre y or
    depth: ``extreme(g, find(g, label="mug"), by="x", largest=False)`` is the leftmost mug,
    ``by="y", largest=True`` the lowest in the image, ``by="depth", largest=False`` the nearest.
    Ties go to the first id given."""
    if by not in EXTREME_BY:
        raise ValidationError("by", f"unknown measure {by!r}", EXTREME_BY)
    if not ids:
        raise ValidationError("ids", "no candidate objects to choose from")
    objs = [graph.get(i, "ids") for i in ids]
    if by == "depth" and any(o.depth is None for o in objs):
        missing = [o.id for o in objs if o.depth is None]
        raise ValidationError("by", f"objects without depth: {', '.join(missing)}")
    measure = {"area": lambda o: o.area, "x": lambda o: o.center[0],
               "y": lambda o: o.center[1], "depth": lambda o: o.depth}[by]
    pick = max if largest else min
    return pick(objs, key=measure).id
