"""The evidence that ranks the objects an object phrase can name (see ``ranking.py``): colour,
attributes, place and size, relations. Each adds log-odds to a candidate with a reason."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..language import Lexicon
from ..scene.model import SceneGraph, SceneObject
from .phrases import Description, fold, named_by, relation_spans, words_of

COLOUR = 2.5      # a stated colour is rarely wrong, but a detector's colour can be
ATTRIBUTE = 2.0   # per attribute whose words the phrase uses (value, or key for yes/no)
POSITION = 3.0    # the extreme candidate of a position word; linearly less for the others
RELATION = 3.0    # the relation holds with an anchor the phrase names
EXCLUDED = 4.0    # "except the red one"
SIZE_MEASURES = frozenset({"area", "height", "length"})
# Words after a relation word where its anchor may be ("on the edge of the bathtub")
ANCHOR_REACH = 7
# Totals within this of the best are "close": the model is asked, and the grammar keeps them.
CLOSE = 1.5


@dataclass
class Candidate:
    id: str
    label: str
    score: float = 0.0
    evidence: list[str] = field(default_factory=list)
    refuted: bool = False   # a relation the phrase states does not hold for it

    def add(self, amount: float, reason: str) -> None:
        if amount:
            self.score += amount
            self.evidence.append(f"{reason} {amount:+.1f}")


def _measure(objs: Sequence[SceneObject], measure: str) -> list[float]:
    if measure == "depth":
        if all(o.depth is not None for o in objs):
            return [o.depth for o in objs]
        # no depth: lower in the frame is nearer (a ground-plane photo's perspective)
        return [-o.box[3] for o in objs]
    if measure == "center":
        mx = sum(o.center[0] for o in objs) / len(objs)
        my = sum(o.center[1] for o in objs) / len(objs)
        return [abs(o.center[0] - mx) + abs(o.center[1] - my) for o in objs]
    return [{"x": lambda o: o.center[0], "y": lambda o: o.center[1], "area": lambda o: o.area,
             "height": lambda o: o.box[3] - o.box[1],
             "length": lambda o: max(o.box[2] - o.box[0], o.box[3] - o.box[1])}[measure](o)
            for o in objs]


def _order(graph: SceneGraph, cands: list[Candidate], measure: str, end: str) -> list[Candidate]:
    values = _measure([graph.get(c.id) for c in cands], measure)
    pairs = sorted(zip(values, range(len(cands))), reverse=end == "max")
    return [cands[i] for _, i in pairs]


def _anchor_after(lex: Lexicon, graph: SceneGraph, words: list[str], start: int, stop: int
                  ) -> tuple[str | None, list[SceneObject], int]:
    """The first word (or two-word name) after a preposition that names objects of the graph,
    or a position word ("on the left"), and the index after it; (None, [], start) when neither
    comes before ``stop``."""
    for i in range(start, min(stop, start + ANCHOR_REACH)):
        w = words[i]
        if w in lex.positions:
            return w, [], i + 1
        if w in lex.parts or w in ("the", "a", "an", "of"):
            continue   # "on the edge of the bathtub": the bathtub
        pair = f"{w} {words[i + 1]}" if i + 1 < stop else None
        for name, head, after in ((pair, words[i + 1] if pair else None, i + 2), (w, w, i + 1)):
            if name and (found := named_by(lex, graph, name, fold(head))):
                return name, found, after
    return None, [], start


def _between(graph: SceneGraph, cands: list[Candidate], a: SceneObject, b: SceneObject
             ) -> dict[str, float]:
    """How well each candidate lies between the two anchors: 1 on the line joining their
    centres, falling to 0 at half that line's length away from it; candidates that do not
    project onto the line, or lie farther, are left out."""
    (ax, ay), (bx, by) = a.center, b.center
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy or 1.0
    out: list[tuple[str, float]] = []
    for c in cands:
        cx, cy = graph.get(c.id).center
        t = ((cx - ax) * dx + (cy - ay) * dy) / length2
        away = abs((cx - ax) * dy - (cy - ay) * dx) / length2   # in units of the line's length
        if 0 < t < 1 and away < 0.5:
            out.append((c.id, 1 - 2 * away))
    return dict(out)


def _gap(a: SceneObject, b: SceneObject) -> float:
    """Distance between two boxes (0 when they touch or overlap)."""
    dx = max(0.0, max(a.box[0], b.box[0]) - min(a.box[2], b.box[2]))
    dy = max(0.0, max(a.box[1], b.box[1]) - min(a.box[3], b.box[3]))
    return math.hypot(dx, dy)


def relation_evidence(lex: Lexicon, graph: SceneGraph, cands: list[Candidate],
                       d: Description, destination: bool = False) -> None:
    """Relations to an anchor. ``destination``: the relation says where the object goes ("move
    the fruit to the left of the plate"), so its words are used up and rank nothing."""
    spans = relation_spans(lex, d.words)
    for n, (start, end, prep) in enumerate(spans):
        stop = spans[n + 1][0] if n + 1 < len(spans) else len(d.words)
        anchor, objs, after = _anchor_after(lex, graph, d.words, end, stop)
        if destination and anchor is not None:
            d.used.update(range(start, after))
            continue
        if anchor is None or anchor in lex.positions:
            continue   # "on the left": a place, read by the position evidence
        if lex.relation_preps[prep] == ("between",):
            second, others, _ = _anchor_after(lex, graph, d.words, after + 1, stop)
            if not others:
                continue
            d.used.update(range(start, stop))
            a, b = objs[0], next((o for o in others if o.id != objs[0].id), others[0])
            inside = _between(graph, [c for c in cands if c.id not in (a.id, b.id)], a, b)
            for c in cands:
                if c.id not in (a.id, b.id):
                    c.add(RELATION * inside[c.id] if c.id in inside else -RELATION / 2,
                          f"between {a.id} and {b.id}")
            continue
        d.used.update(range(start, stop))
        sign = d.polarity(range(start, end))
        predicates = lex.relation_preps[prep]
        if predicates[0].startswith("distance_"):
            def distance(c: Candidate) -> float:
                return min((_gap(graph.get(c.id), a) for a in objs if a.id != c.id),
                           default=math.inf)
            ordered = sorted(cands, key=distance, reverse=predicates[0] == "distance_max")
            for r, c in enumerate(ordered):
                c.add(sign * RELATION * (1 - r / max(1, len(ordered) - 1)), f"{prep} {anchor}")
            continue
        for c in cands:
            # the word's first predicate is its meaning ("on": on_top_of); the others are
            # what it also covers ("the bottle on the shelf" may lie inside it): half as strong
            held = [(k, p, a.id) for k, p in enumerate(predicates) for a in objs
                    if a.id != c.id and graph.holds(c.id, p, a.id)]
            if held:
                k, p, a = held[0]
                c.add(sign * RELATION / (2 if k else 1), f"{p} {a}")
            elif predicates != ("near",):   # "near" is left out of crowded graphs: no news
                c.add(-sign * RELATION / 2, f"not {predicates[0]} {anchor}")
                # "the third zebra in a line of zebras": a relation within its own kind picks
                # in a group, and the geometry misreads groups more often than a phrase
                # names nothing
                c.refuted = c.refuted or (sign > 0 and all(a.label != c.label for a in objs))


def position_evidence(lex: Lexicon, graph: SceneGraph, cands: list[Candidate],
                       d: Description) -> None:
    """Place and size words order the candidates the other evidence still leaves in the running
    ("the largest red object": the largest of the red ones). The extreme gets ``POSITION``, the
    others less, quadratically, so that the first of four is still clear of the second."""
    best = max(c.score for c in cands)
    cands = [c for c in cands if c.score >= best - CLOSE]
    if len(cands) < 2:
        return
    # "the white top", "wearing=white top": a garment here, not a place
    attr_words = {fold(w) for c in cands for k, v in graph.get(c.id).attributes.items()
                  for w in [k.lower(), *words_of(str(v))]}
    # a size word after the noun is a result ("make both rings twice as big"), not which ones
    found = [(i, w) for i, w in d.free() if w in lex.positions and fold(w) not in attr_words
             and (i <= d.head or lex.positions[w][0] not in SIZE_MEASURES)]
    ordinal = next(((i, w) for i, w in d.free() if w in lex.ordinals), None)
    if ordinal is not None:
        direction = next((lex.positions[w] for _, w in found
                          if lex.positions[w][0] in ("x", "y", "depth")), ("x", "min"))
        ordered = _order(graph, cands, *direction)
        k = lex.ordinals[ordinal[1]]
        if -len(ordered) <= k < len(ordered):
            ordered[k].add(d.polarity([ordinal[0]]) * POSITION,
                           f"{ordinal[1]} by {direction[0]}")
        return
    by_measure: dict[tuple[str, str], tuple[int, str]] = {}
    for i, w in found:
        by_measure.setdefault(lex.positions[w], (i, w))
    for (measure, end), (i, w) in by_measure.items():
        ordered = _order(graph, cands, measure, end)
        for r, c in enumerate(ordered):
            c.add(d.polarity([i]) * POSITION * (1 - r / (len(ordered) - 1)) ** 2, w)


def attribute_evidence(lex: Lexicon, graph: SceneGraph, cands: list[Candidate],
                        d: Description) -> None:
    matched: set[int] = set()
    for c in cands:
        obj = graph.get(c.id)
        for key, value in obj.attributes.items():
            if key == "color" or key.startswith("_"):
                continue
            at_key = d.positions(fold(key.lower()))
            text = str(value).lower()
            if text in lex.absent_words or value is False:
                if at_key:   # "no hat" / "not holding anything" for hat=no / holding=nothing
                    c.add(-d.polarity(at_key) * ATTRIBUTE, f"no {key}")
            elif text in lex.present_words or value is True:
                if at_key:
                    c.add(d.polarity(at_key) * ATTRIBUTE, key)
            else:
                at_values = [d.positions(fold(w)) for w in words_of(text)]
                if at_values and all(at_values):
                    at = [i for ps in at_values for i in ps]
                    c.add(d.polarity(at) * ATTRIBUTE, f"{key}={value}")
                    matched.update(at)   # "the second row": a row, not an order
    d.used.update(matched)


def colour_evidence(lex: Lexicon, graph: SceneGraph, cands: list[Candidate],
                     d: Description, head: str) -> None:
    stated = [(i, lex.colour(w)) for i, w in d.free() if lex.colour(w) and w != head]
    if not stated:
        return
    for c in cands:
        obj = graph.get(c.id)
        if obj.color is None:
            continue
        same = [i for i, colour in stated if colour == obj.color]
        if same:
            c.add(d.polarity(same) * COLOUR, f"colour {obj.color}")
        elif all(d.negated[i] for i, _ in stated):
            c.add(COLOUR / 2, f"colour {obj.color}")   # "not blue", and it is not
        else:
            c.add(-COLOUR, f"colour {obj.color}")
