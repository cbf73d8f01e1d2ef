"""Edit success on the synthetic suite: does the re-perceived result equal the expected graph?

The expected graph follows from the input's true graph and the gold edits, each op declaring its
effect (``@op(expect=...)``): an object removed is gone; a recoloured one has its new colour
where it stood; a replaced one is the new kind where the old one stood; swapped objects trade
places; a resized one keeps its place and scales its area; a moved or added one stands in the
requested relation to its anchor; every other object is unchanged (same label, colour and
mask). Perception assigns fresh ids, so result objects are matched to expectations by a maximum
bipartite matching over the candidates each expectation admits. Success means every expectation
is met and the result holds no extra object. A moved object must also have left its old place (its centre outside its old box), so a plan that leaves it
where it stood never passes, even when it already stood in the requested relation.
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from ..masks import iou
from ..ops import OP_REGISTRY
from ..ops.expect import Expect, Expectations
from ..ops.resize import RESIZE_TOLERANCE
from ..scene.model import SceneGraph, SceneObject
from ..plugins import read_object_phrase
from .pipeline import MATCH_IOU

NEAR_GROW = 0.3  # a replacement's centre lies within the old box grown by this fraction


def _grown(box, k: float) -> list[float]:
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) * k, (y1 - y0) * k
    return [x0 - dx, y0 - dy, x1 + dx, y1 + dy]


def _centre_in(obj: SceneObject, box) -> bool:
    cx, cy = obj.center
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def expected_objects(truth: SceneGraph, edits: list[dict]) -> list[Expect]:
    """Every op's declared effect (``@op(expect=...)``), applied in order to the true graph."""
    state = Expectations.unchanged(truth, read_object_phrase)
    for k, e in enumerate(edits):
        OP_REGISTRY.get(e["op"]).expect(state, e, k)
    return list(state.objects.values())


def _admits(x: Expect, obj: SceneObject, result: SceneGraph) -> bool:
    if obj.label != x.label or (x.color is not None and obj.color != x.color):
        return False
    if x.mode == "same":
        return iou(result.mask_of(obj.id), x.mask) >= MATCH_IOU
    if x.mode == "near":
        return _centre_in(obj, _grown(x.box, NEAR_GROW))
    if x.mode == "resized":
        ratio = obj.area / max(float(x.mask.sum()), 1.0)
        return _centre_in(obj, _grown(x.box, max(x.scale, 1.0))) and \
            abs(ratio / x.scale ** 2 - 1) <= RESIZE_TOLERANCE
    # relation: checked once the anchor is matched. A moved object (it has a true box) must
    # have left its old place, so that an object already in the relation does not pass.
    return x.box is None or not _centre_in(obj, x.box)


@dataclass
class MatchResult:
    ok: bool
    problems: list[str]
    matched: dict[str, str]           # expectation key -> result object id


def match_expected(expected: list[Expect], result: SceneGraph) -> MatchResult:
    fixed = [x for x in expected if x.mode != "relation"]
    g = nx.Graph()
    g.add_nodes_from((f"x:{x.key}" for x in fixed), bipartite=0)
    g.add_nodes_from((f"r:{o.id}" for o in result.objects), bipartite=1)
    for x in fixed:
        for o in result.objects:
            if _admits(x, o, result):
                g.add_edge(f"x:{x.key}", f"r:{o.id}")
    pairs = nx.bipartite.maximum_matching(g, top_nodes=[f"x:{x.key}" for x in fixed])
    matched = {k[2:]: v[2:] for k, v in pairs.items() if k.startswith("x:")}
    used = set(matched.values())
    problems = []
    for x in expected:
        if x.mode != "relation":
            continue
        pred, anchor = x.relation
        a = matched.get(anchor)
        hits = [o for o in result.objects if o.id not in used and _admits(x, o, result)
                and a is not None and result.holds(o.id, pred, a)]
        if hits:
            matched[x.key] = hits[0].id
            used.add(hits[0].id)
        elif a is None:
            problems.append(f"missing: {x.describe()} (its anchor was not found)")
    for x in expected:
        if x.key not in matched and not any(x.describe() in p for p in problems):
            problems.append(f"missing: {x.describe()}")
    for o in result.objects:
        if o.id not in used:
            problems.append(f"unexpected: {o.color} {o.label} at {[round(v) for v in o.box]}")
    return MatchResult(not problems, problems, matched)


def edit_succeeded(truth: SceneGraph, edits: list[dict], result: SceneGraph) -> MatchResult:
    return match_expected(expected_objects(truth, edits), result)
