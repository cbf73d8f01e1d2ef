"""Templated benchmark cases on ``sceneedit.synthetic`` scenes, whose graphs are exact ground
truth: every gold is correct and unique by construction (see ``synthetic_cases``)."""
from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from sceneedit.errors import ValidationError
from sceneedit.palette import COLOR_NAMES
from sceneedit.scene.model import SceneGraph
from sceneedit.synthetic.categories import CATEGORIES as OBJECT_CATEGORIES, CATEGORY_NAMES

from .cases import CATEGORIES, Case, check_case

# ---- synthetic cases -----------------------------------------------------------------------------
# Templated on generated scenes. A referent is only ever named by a phrase that picks out exactly
# one object of the ground-truth graph (checked here), so every gold is unique by construction.
# Books are left out: they render slowly and gray ones often fail the generator's contrast check.
_COUNTABLE = ("apple", "ball", "star", "circle", "mug", "square", "ring", "hexagon")
_DIRECTIONS = {"left_of": "to the left of", "right_of": "to the right of", "above": "above",
               "below": "below"}
_PLACES = {**_DIRECTIONS, "near": "next to"}
_MATERIALS = ("wood", "metal", "glass", "stone", "gold")
# Common-sense descriptions and the categories each fits; used only when exactly one object of
# the scene fits. The fruit questions also need another fruit to compare with.
_IMPLICIT = (("the thing that gives light", {"lamp"}), ("something you could read", {"book"}),
             ("the toy a child could bounce", {"ball"}),
             ("the thing you would drink hot coffee from", {"mug"}),
             ("the fruit richest in vitamin C", {"orange", "lemon"}),
             ("the sourest fruit", {"lemon"}),
             ("the fruit monkeys are famous for eating", {"banana"}),
             ("the shape with a hole in the middle", {"ring"}),
             ("the shape with five points", {"star"}),
             ("the shape with three corners", {"triangle"}),
             ("the shape with six sides", {"hexagon"}))
_COMPARES_FRUIT = {"the fruit richest in vitamin C", "the sourest fruit"}
_MIN_AREA_RATIO = 1.4   # "the largest" only when it is clearly larger than the runner-up
_MIN_X_GAP = 40         # px between the leftmost and the runner-up's centres


def _a(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def _new_object(label: str) -> str:
    """A replacement's text: a bare colour word ("orange") would read as a recolour, so a
    category named like a colour keeps its article."""
    return _a(label) if label in COLOR_NAMES else label


def _sentence(*clauses: str) -> str:
    text = " and ".join(clauses)
    return text[0].upper() + text[1:] + "."


class _Scene:
    """A synthetic graph with the helpers the templates share, and the case's rng."""

    def __init__(self, graph: SceneGraph, rng: random.Random):
        self.g, self.rng, self.objs = graph, rng, list(graph.objects)
        self.by_label: dict[str, list] = {}
        for o in self.objs:
            self.by_label.setdefault(o.label, []).append(o)

    def ref(self, o) -> str | None:
        """The shortest phrase naming exactly ``o``: "the lamp", "the blue mug", or None."""
        same = self.by_label[o.label]
        if len(same) == 1:
            return f"the {o.label}"
        return f"the {o.color} {o.label}" if [x.color for x in same].count(o.color) == 1 else None

    def referable(self) -> list:
        return [o for o in self.objs if self.ref(o)]

    def new_color(self, objs: Sequence) -> str:
        return self.rng.choice([c for c in COLOR_NAMES if c not in {o.color for o in objs}])

    def choice(self, seq: Sequence) -> Any:
        return self.rng.choice(list(seq))


def _clause(s: _Scene, o, ref: str, op: str, anchors: Sequence) -> tuple[str, dict]:
    """One instruction clause and its edit on ``o`` (for "add", ``o`` is the anchor)."""
    if op == "move" and not anchors:
        op = "recolor"
    if op == "remove":
        return f"remove {ref}", {"op": "remove", "target": o.id}
    if op == "recolor":
        c = s.new_color([o])
        return f"make {ref} {c}", {"op": "recolor", "target": o.id, "color": c}
    if op == "resize":
        k = s.choice((0.5, 2.0))
        return (f"make {ref} {'twice as big' if k == 2.0 else 'half its size'}",
                {"op": "resize", "target": o.id, "scale": k})
    if op == "restyle":
        m = s.choice(_MATERIALS)
        return (f"make {ref} look like it is made of {m}",
                {"op": "restyle", "target": o.id, "style": f"made of {m}"})
    rel = s.choice(_PLACES)
    if op == "add":
        what = s.choice(CATEGORY_NAMES)
        return (f"add {_a(what)} {_PLACES[rel]} {ref}",
                {"op": "add", "what": what, "anchor": o.id, "relation": rel})
    a = s.choice(anchors)
    return (f"move {ref} {_PLACES[rel]} {s.ref(a)}",
            {"op": "move", "target": o.id, "anchor": a.id, "relation": rel})


def _attribute(s: _Scene):
    cands = [o for o in s.referable() if len(s.by_label[o.label]) >= 2]
    if not cands:
        return None
    o = s.choice(cands)
    text, edit = _clause(s, o, s.ref(o), s.choice(("recolor", "remove", "restyle", "resize")), [])
    return _sentence(text), [edit], {}


def _beyond(x, a, pred: str) -> bool:
    """x's box lies wholly on the ``pred`` side of a's box."""
    return {"left_of": x.box[2] <= a.box[0], "right_of": x.box[0] >= a.box[2],
            "above": x.box[3] <= a.box[1], "below": x.box[1] >= a.box[3]}[pred]


def _other_side(x, a, pred: str) -> bool:
    """x's centre lies on the opposite side of a's centre (so no reader counts it)."""
    (xx, xy), (ax, ay) = x.center, a.center
    return {"left_of": xx > ax, "right_of": xx < ax, "above": xy > ay, "below": xy < ay}[pred]


def _relation(s: _Scene):
    found = []
    for label, group in s.by_label.items():
        for a in (a for a in s.objs if len(group) >= 2 and len(s.by_label[a.label]) == 1):
            for pred in _DIRECTIONS:
                hits = [x for x in group if s.g.holds(x.id, pred, a.id)]
                if len(hits) == 1 and _beyond(hits[0], a, pred) and \
                        all(_other_side(x, a, pred) for x in group if x is not hits[0]):
                    found.append((hits[0], f"the {label} {_DIRECTIONS[pred]} the {a.label}"))
    if not found:
        return None
    o, ref = s.choice(found)
    text, edit = _clause(s, o, ref, s.choice(("remove", "recolor", "resize")), [])
    return _sentence(text), [edit], {}


def _superlative(s: _Scene):
    groups = [(label, g) for label, g in s.by_label.items() if len(g) >= 2]
    for kind in ("fruit", "shape"):
        g = [o for o in s.objs if o.attributes.get("kind") == kind]
        if len(g) >= 2 and len({o.label for o in g}) > 1:
            groups.append((kind, g))
    if len(s.objs) >= 3:
        groups.append(("object", s.objs))
    found = []
    for noun, g in groups:
        for word, by_area, big in (("largest", True, True), ("smallest", True, False),
                                   ("leftmost", False, False), ("rightmost", False, True)):
            key = (lambda o: o.area) if by_area else (lambda o: o.center[0])
            best, second = sorted(g, key=key, reverse=big)[:2]
            if (max(key(best), key(second)) >= _MIN_AREA_RATIO * min(key(best), key(second))
                    if by_area else abs(key(best) - key(second)) >= _MIN_X_GAP):
                found.append((best, f"the {word} {noun}"))
    if not found:
        return None
    o, ref = s.choice(found)
    anchors = [a for a in s.referable() if a is not o]
    text, edit = _clause(s, o, ref, s.choice(("remove", "recolor", "move", "restyle")), anchors)
    return _sentence(text), [edit], {}


def _counting(s: _Scene):
    groups = [g for g in s.by_label.values() if 2 <= len(g) <= 3]
    if not groups:
        return None
    g = s.choice(groups)
    plural, how_many = g[0].label + "s", {2: "both", 3: "all three"}[len(g)]
    op = s.choice(("remove", "recolor", "resize", "restyle"))
    if op == "remove":
        return f"Remove {s.choice((how_many, 'all the'))} {plural}.", \
            [{"op": "remove", "target": o.id} for o in g], {}
    if op == "recolor":
        c = s.new_color(g)
        return f"Make every {g[0].label} {c}.", \
            [{"op": "recolor", "target": o.id, "color": c} for o in g], {}
    if op == "resize":
        return f"Make {how_many} {plural} twice as big.", \
            [{"op": "resize", "target": o.id, "scale": 2.0} for o in g], {}
    m = s.choice(_MATERIALS)
    return f"Make all the {plural} look like they are made of {m}.", \
        [{"op": "restyle", "target": o.id, "style": f"made of {m}"} for o in g], {}


def _implicit(s: _Scene):
    fruits = [o for o in s.objs if o.attributes.get("kind") == "fruit"]
    found = [(hits[0], desc) for desc, cats in _IMPLICIT
             if len(hits := [o for o in s.objs if o.label in cats]) == 1
             and (desc not in _COMPARES_FRUIT or len(fruits) >= 2)]
    if not found:
        return None
    o, desc = s.choice(found)
    op = s.choice(("replace", "replace", "recolor", "remove"))
    if op == "replace":
        # The known trap: the replacement is often something already in the picture.
        present = [lb for lb in s.by_label if lb != o.label]
        absent = [c for c in CATEGORY_NAMES if c not in s.by_label]
        what = s.choice(present if present and s.rng.random() < 0.6 else absent)
        tpl = s.choice(("Replace {d} with {w}.", "Find {d} and replace it with {w}."))
        return tpl.format(d=desc, w=_a(what)), [{"op": "replace", "target": o.id, "with": _new_object(what)}], {}
    text, edit = _clause(s, o, "it", op, [])  # "find X and make it red" parses unambiguously
    return _sentence(f"find {desc}", text), [edit], {}


def _compound(s: _Scene):
    refs = s.referable()
    if len(refs) < 2:
        return None
    a, b = s.rng.sample(refs, 2)
    others = [x for x in refs if x is not a and x is not b]
    ops = ("remove", "recolor", "resize", "restyle", "move", "add")
    if others and s.rng.random() < 0.35:
        c = s.choice(others)
        t2, e2 = _clause(s, c, s.ref(c), s.choice(("recolor", "resize", "restyle")), [])
        return _sentence(f"swap {s.ref(a)} and {s.ref(b)}", t2), \
            [{"op": "swap", "target": a.id, "other": b.id}, e2], {}
    t1, e1 = _clause(s, a, s.ref(a), s.choice(ops), others)
    t2, e2 = _clause(s, b, s.ref(b), s.choice(ops), others)
    return _sentence(t1, t2), [e1, e2], {}


def _source(s: _Scene):
    refs = s.referable()
    pairs = [(a, b) for a in refs for b in refs if a.label != b.label]
    if not pairs:
        return None
    a, b = s.choice(pairs)
    return f"Replace {s.ref(a)} with a copy of {s.ref(b)}.", \
        [{"op": "replace", "target": a.id, "source": b.id}], {}


def _impossible(s: _Scene):
    colors = {o.color for o in s.objs}
    # "the orange" next to an orange ball reads as "the orange one": not absent enough.
    options = [(f"the {c}", f"There is no {c} in the scene.") for c in CATEGORY_NAMES
               if c not in s.by_label and c not in colors]
    options += [(f"the {c} {label}", f"No {label} in the scene is {c}.")
                for label, g in s.by_label.items() for c in OBJECT_CATEGORIES[label].colors
                if c not in {o.color for o in g}]
    ref, why = s.choice(options)
    text = s.choice((f"Remove {ref}.", f"Make {ref} {s.choice(COLOR_NAMES)}.",
                     f"Replace {ref} with {_a(s.choice(CATEGORY_NAMES))}."))
    return text, [], {"unresolved": why}


def _feedback(s: _Scene):
    options = []
    for label, g in s.by_label.items():
        if len(g) == 2:
            options.append((f"Remove the {label}.", [{"op": "remove", "target": g[0].id}],
                            f"Not that one, the other {label}.",
                            [{"op": "remove", "target": g[1].id}]))
        kept = [o for o in g if s.ref(o)]
        if len(g) >= 2 and kept:
            k = s.choice(kept)
            options.append((f"Remove all the {label}s.",
                            [{"op": "remove", "target": o.id} for o in g],
                            f"Don't touch the {k.color} one.",
                            [{"op": "remove", "target": o.id} for o in g if o is not k]))
    for o in s.referable():
        c, what = s.new_color([o]), s.choice([n for n in CATEGORY_NAMES if n != o.label])
        options.append((f"Make {s.ref(o)} {c}.", [{"op": "recolor", "target": o.id, "color": c}],
                        f"Don't use recolor; replace it with {_a(c)} {o.label} instead.",
                        [{"op": "replace", "target": o.id, "with": f"{c} {o.label}"}]))
        rel = s.choice(_DIRECTIONS)
        options.append((f"Replace {s.ref(o)} with {_a(what)}.",
                        [{"op": "replace", "target": o.id, "with": _new_object(what)}],
                        f"Keep {s.ref(o)}; add the {what} {_DIRECTIONS[rel]} it instead.",
                        [{"op": "add", "what": what, "anchor": o.id, "relation": rel}]))
    if not options:
        return None
    text, prev, fb, gold = s.choice(options)
    return text, gold, {"feedback": fb, "previous_plan": {"edits": prev, "unresolved": None}}


_MAKERS = {"implicit": _implicit, "attribute": _attribute, "relation": _relation,
           "superlative": _superlative, "counting": _counting, "compound": _compound,
           "source": _source, "feedback": _feedback, "impossible": _impossible}


def _scene_spec(rng: random.Random) -> list[tuple[str, str | None]]:
    """A few instances of one countable category in distinct colours, sometimes a citrus and
    a non-citrus fruit (for the vitamin-C questions), then two or three other singletons."""
    cat = rng.choice(_COUNTABLE)
    colors = OBJECT_CATEGORIES[cat].colors
    spec: list[tuple[str, str | None]] = [(cat, c) for c in
                                          rng.sample(colors, min(rng.choice((2, 3)), len(colors)))]
    if rng.random() < 0.5:
        fruits = (rng.choice(("orange", "lemon")), rng.choice(("banana", "apple")))
        spec += [(f, None) for f in fruits if f != cat]
    used = {name for name, _ in spec}
    spec += [(n, None) for n in rng.sample([c for c in CATEGORY_NAMES if c not in used],
                                           rng.choice((2, 3)))]
    return spec


def synthetic_cases(n_scenes: int = 12, seed: int = 0) -> list[Case]:
    """Templated cases on ``n_scenes`` generated scenes: one per category where the scene
    allows it (up to 9 per scene). Deterministic for a seed; every gold is validated."""
    from sceneedit.synthetic import generate_scene

    cases = []
    for i in range(n_scenes):
        rng = random.Random(f"sceneedit-reasoning/{seed}/{i}")  # str seeds are stable across runs
        spec, attempt = _scene_spec(rng), 0
        while True:  # no room (or contrast) for them all: drop the last singleton, reseed
            try:
                scene = generate_scene(seed * 100_000 + i + 7919 * attempt, objects=spec)
                break
            except ValidationError:
                if attempt >= 8:
                    raise
                attempt, spec = attempt + 1, spec[:-1] if len(spec) > 3 else spec
        s = _Scene(scene.graph, rng)
        for category in CATEGORIES:
            made = _MAKERS[category](s)
            if made is not None:
                text, gold, extra = made
                cases.append(check_case(Case(
                    id=f"syn{seed}-{i:03d}-{category}", category=category, source="synthetic",
                    graph=scene.graph, instruction=text, gold=gold,
                    scene=f"synthetic/{seed}/{i}", **extra)))
    return cases
