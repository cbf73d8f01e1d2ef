"""Referents fixed by geometry: superlatives ("the rightmost fruit", "the shortest pencil", "the
chair on the far right") and relations ("the apple to the right of the lemon", "the food on the
plate", "the object between the notebook and the keyboard").

Measured on the reasoning benchmark: the 1.5B model reads boxes badly — a quarter of its relation
answers and two thirds of its superlative answers were right. The graph already holds the boxes
and relations, so these phrases are resolved here, exactly, and the planner's grammar is limited
to the objects they pick. Everything is conservative: a phrase whose head or anchor names
nothing in the graph, or whose condition no object meets, resolves to None and the model
decides as before.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from ..palette import COLOR_NAMES
from ..perception.vocabulary import singular
from ..scene.model import SceneGraph, SceneObject
from .intent import FUNCTION_WORDS, GENERIC_WORDS, PLACE_WORDS, NamedPhrase, objects_named

# superlative word -> (measure, largest?)
_SUPERLATIVES: dict[str, tuple[str, bool]] = {
    "leftmost": ("x", False), "rightmost": ("x", True),
    "topmost": ("y", False), "highest": ("y", False),
    "bottommost": ("y", True), "lowest": ("y", True),
    "largest": ("area", True), "biggest": ("area", True), "larger": ("area", True),
    "bigger": ("area", True), "smallest": ("area", False), "smaller": ("area", False),
    "tiniest": ("area", False), "tallest": ("height", True), "shortest": ("length", False),
    "longest": ("length", True),
}
_MEASURES: dict[str, Callable[[SceneObject], float]] = {
    "x": lambda o: o.center[0], "y": lambda o: o.center[1], "area": lambda o: o.area,
    "height": lambda o: o.box[3] - o.box[1],
    "length": lambda o: max(o.box[2] - o.box[0], o.box[3] - o.box[1]),
}
# Kind words and the labels they cover, for graphs whose objects carry no ``kind`` attribute.
KINDS: dict[str, frozenset[str]] = {
    "fruit": frozenset("apple orange banana lemon lime pear peach kiwi grape strawberry cherry "
                       "mango pineapple watermelon plum apricot".split()),
    "shape": frozenset("circle square triangle star hexagon ring rectangle oval diamond "
                       "pentagon heart".split()),
    "animal": frozenset("dog cat bird duck horse cow sheep squirrel rabbit fish pigeon".split()),
    "vehicle": frozenset("car bus truck bicycle motorcycle van scooter train".split()),
    "utensil": frozenset("fork knife spoon spatula ladle whisk chopstick".split()),
    "tool": frozenset("hammer wrench screwdriver saw drill pliers".split()),
}
_ANY = {"object", "thing", "item", "one"}
_RELATIONS = (  # longest first: "to the left of" before "left of"
    ("to the left of", "left_of"), ("left of", "left_of"), ("to the right of", "right_of"),
    ("right of", "right_of"), ("on top of", "on_top_of"), ("next to", "near"),
    ("beside", "near"), ("close to", "near"), ("near", "near"), ("in front of", "in_front_of"),
    ("behind", "behind"), ("under", "below"), ("below", "below"), ("beneath", "below"),
    ("above", "above"), ("inside", "inside"), ("on", "on_top_of"), ("in", "inside"),
)
_REL_RE = "|".join(re.escape(p) for p, _ in _RELATIONS)
_VERBISH = r"(?:(?:that|which|who) (?:is|are) |sitting |lying |standing |placed |right )?"


def head_words(text: str, limit: int = 4) -> list[str]:
    out = []
    for w in re.findall(r"[a-z'-]+", text)[:limit]:
        if w in FUNCTION_WORDS or w in ("the", "a", "an"):
            break
        out.append(w)
    return out


def head_objects(graph: SceneGraph, words: list[str], *, any_kind: bool = False
                 ) -> list[SceneObject] | None:
    """The objects a head phrase ("red object", "fruit", "pencil", "wooden chairs") covers, or
    None when it names nothing this graph can answer. ``any_kind``: a kind word this module
    has no list for ("the food on the plate") covers every object — for relations, whose
    condition does the narrowing."""
    content = [w for w in words if w not in COLOR_NAMES]
    if not content:   # "the orange": a colour word as the noun
        content = words[:1]   # ("the orange yellow": the second is the requested colour)
    # a colour before the noun describes it; one after is the requested colour ("dog red")
    colors = [w for w in words[:words.index(content[-1])] if w in COLOR_NAMES]
    noun = singular(content[-1])
    if noun in _ANY:
        found = list(graph.objects)
    elif noun in KINDS or any(o.attributes.get("kind") == noun for o in graph.objects):
        found = [o for o in graph.objects if o.attributes.get("kind") == noun
                 or singular(o.label.split()[-1]) in KINDS.get(noun, ())]
    else:
        found = objects_named(NamedPhrase(tuple(content), None), graph)
        if not found and any_kind and noun in GENERIC_WORDS:
            found = list(graph.objects)
    if colors:
        found = [o for o in found if o.color == colors[0]]
    return found or None


def superlative_referents(graph: SceneGraph, clause: str) -> list[str] | None:
    """"the rightmost fruit" -> [the id of the rightmost fruit]; None when the clause has no
    superlative over something in the graph."""
    m = re.search(r"\bthe (" + "|".join(_SUPERLATIVES) + r") ([a-z' -]+)", clause)
    side = None
    if not m:
        side = re.search(r"\bthe ([a-z' -]+?) (?:on|at|to) the (?:far|very) (left|right)\b",
                         clause)
        if not side:
            return None
    if m:
        measure, largest = _SUPERLATIVES[m.group(1)]
        words = head_words(m.group(2))
    else:
        measure, largest = "x", side.group(2) == "right"
        words = head_words(side.group(1))
    found = head_objects(graph, words)
    if not found:
        return None
    key = _MEASURES[measure]
    pick = max if largest else min
    return [pick(found, key=key).id]


def _gap(a: SceneObject, b: SceneObject) -> float:
    """Distance between two boxes (0 when they touch or overlap)."""
    dx = max(0.0, max(a.box[0], b.box[0]) - min(a.box[2], b.box[2]))
    dy = max(0.0, max(a.box[1], b.box[1]) - min(a.box[3], b.box[3]))
    return (dx * dx + dy * dy) ** 0.5


def _rests_on(h: SceneObject, a: SceneObject) -> bool:
    """h sits on a: its bottom edge lies in a's top band, or it lies within a (food on a
    plate), with horizontal overlap, and it is the smaller."""
    x_overlap = min(h.box[2], a.box[2]) - max(h.box[0], a.box[0])
    if x_overlap <= 0 or h.area >= a.area:
        return False
    hh = h.box[3] - h.box[1]
    near_top = a.box[1] - 0.25 * hh <= h.box[3] <= a.box[1] + 0.5 * hh
    cx, cy = h.center
    within = a.box[0] <= cx <= a.box[2] and a.box[1] <= cy <= a.box[3]
    return near_top or within


def _holds(graph: SceneGraph, h: SceneObject, predicate: str, a: SceneObject) -> bool:
    if predicate == "on_top_of":
        return graph.holds(h.id, "on_top_of", a.id) or _rests_on(h, a)
    if predicate == "inside":
        return graph.holds(h.id, "inside", a.id) or _rests_on(h, a)
    if predicate in ("left_of", "right_of"):
        sign = 1 if predicate == "right_of" else -1
        return sign * (h.center[0] - a.center[0]) > 0
    if predicate in ("above", "below"):
        sign = 1 if predicate == "below" else -1
        return sign * (h.center[1] - a.center[1]) > 0
    return graph.holds(h.id, predicate, a.id)


def _anchor_objects(graph: SceneGraph, text: str) -> list[SceneObject] | None:
    words = head_words(text)
    if words and all(w in PLACE_WORDS for w in words):   # "the edge of the bathtub"
        m = re.match(r"[a-z ]*? of (?:the |a )?(.*)", text)
        words = head_words(m.group(1)) if m else []
    return head_objects(graph, words) if words else None


def relation_referents(graph: SceneGraph, clause: str) -> list[str] | None:
    """"the apple to the right of the lemon" -> [that apple]; "between the A and the B" -> the
    object between them. Several objects meeting the condition: the one closest to the anchor,
    unless the head is plural."""
    m = re.search(r"\bthe ([a-z' -]+?) between the ([a-z' -]+?) and the ([a-z' -]+)", clause)
    if m:
        return _between(graph, m.group(1), m.group(2), m.group(3))
    m = re.search(rf"\bthe ([a-z' -]+?) {_VERBISH}({_REL_RE}) the ([a-z' -]+)", clause)
    if not m:
        return None
    words = head_words(m.group(1))
    heads = head_objects(graph, words, any_kind=True)
    anchors = _anchor_objects(graph, m.group(3))
    if not heads or not anchors:
        return None
    predicate = dict(_RELATIONS)[m.group(2)]
    heads = [h for h in heads if all(h.id != a.id for a in anchors)]
    if predicate != "near":
        heads = [h for h in heads if any(_holds(graph, h, predicate, a) for a in anchors)]
    if not heads:
        return None
    plural = words and words[-1].endswith("s") and singular(words[-1]) != words[-1]
    if plural and predicate != "near":
        return [h.id for h in heads]
    return [min(heads, key=lambda h: min(_gap(h, a) for a in anchors)).id]


def _between(graph: SceneGraph, head: str, first: str, second: str) -> list[str] | None:
    heads = head_objects(graph, head_words(head), any_kind=True)
    a, b = _anchor_objects(graph, first), _anchor_objects(graph, second)
    if not heads or not a or not b:
        return None
    (ax, ay), (bx, by) = a[0].center, b[0].center
    inside = [h for h in heads if h.id not in (a[0].id, b[0].id)
              and min(ax, bx) <= h.center[0] <= max(ax, bx)]
    if not inside:
        return None
    mid = ((ax + bx) / 2, (ay + by) / 2)
    return [min(inside, key=lambda h: (h.center[0] - mid[0]) ** 2
                + (h.center[1] - mid[1]) ** 2).id]


def spatial_referents(graph: SceneGraph, clause: str, *, destinations: bool = False
                      ) -> list[str] | None:
    """The objects a clause's superlative or relational phrase picks, or None. With
    ``destinations`` (a move or add clause) a relation phrase says where to, not which, so
    only superlatives count."""
    clause = clause.lower().replace("grey", "gray")
    found = superlative_referents(graph, clause)
    if found is None and not destinations:
        found = relation_referents(graph, clause)
    return found
