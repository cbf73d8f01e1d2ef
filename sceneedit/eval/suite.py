"""The synthetic evaluation suite: generated scenes, templated instructions and gold plans.

Every referent is named by a phrase that picks out exactly one object of the ground-truth
graph ("the lamp", "the blue mug", "the thing that gives light"), so each gold plan is correct
and unique by construction. Categories cycle so that every op and every kind of reference is
covered evenly; the same ``n`` and ``seed`` always give the same items.

The ground-truth mask of an item is the union of the true masks of the objects its edits act
on where they stand (the target; both objects of a swap). An ``add`` has no such object, and a
moved or enlarged object also lands outside it: for those, preservation outside the mask also
counts the pixels of the new object (see docs/eval.md).
"""
from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np

from ..errors import ValidationError
from ..palette import COLOR_NAMES
from ..scene.model import SceneGraph, SceneObject
from ..synthetic import CATEGORIES, CATEGORY_NAMES, generate_scene
from .dataset import EvalItem, GoldPlan

CASES_PER_SCENE = 3
_COUNTABLE = ("apple", "ball", "star", "circle", "mug", "square", "ring", "hexagon")
# Materials the restyle brick knows (imageops.restyle.STYLES reads these words).
_MATERIALS = ("wood", "metal", "glass", "marble")
_PLACES = {"left_of": "to the left of", "right_of": "to the right of", "above": "above",
           "below": "below", "near": "next to"}
_IMPLICIT = {"lamp": "the thing that gives light", "mug": "the thing you would drink hot "
             "coffee from", "ball": "the toy a child could bounce", "book": "something you "
             "could read", "banana": "the fruit monkeys are famous for eating",
             "ring": "the shape with a hole in the middle", "star": "the shape with five points",
             "triangle": "the shape with three corners", "hexagon": "the shape with six sides"}


def _a(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


class _Scene:
    def __init__(self, graph: SceneGraph, rng: random.Random):
        self.g, self.rng = graph, rng
        self.by_label: dict[str, list[SceneObject]] = {}
        for o in graph.objects:
            self.by_label.setdefault(o.label, []).append(o)

    def ref(self, o: SceneObject) -> str | None:
        same = self.by_label[o.label]
        if len(same) == 1:
            return f"the {o.label}"
        return f"the {o.color} {o.label}" if [x.color for x in same].count(o.color) == 1 else None

    def referable(self, exclude=()) -> list[SceneObject]:
        return [o for o in self.g.objects if self.ref(o) and o.id not in exclude]

    def pick(self, seq):
        seq = list(seq)
        return self.rng.choice(seq) if seq else None

    def new_color(self, objs) -> str:
        return self.rng.choice([c for c in COLOR_NAMES if c not in {o.color for o in objs}])

    def absent_category(self) -> str:
        return self.rng.choice([c for c in CATEGORY_NAMES if c not in self.by_label])


Case = tuple[str, list[dict], str]  # instruction, gold edits, CLIP text of the edited region


def _in_place(s: _Scene, o: SceneObject, ref: str, op: str) -> tuple[str, dict, str]:
    """A clause and its edit for an op that acts where ``o`` stands."""
    if op == "remove":
        return f"remove {ref}", {"op": "remove", "target": o.id}, "background"
    if op == "recolor":
        c = s.new_color([o])
        return f"make {ref} {c}", {"op": "recolor", "target": o.id, "color": c}, \
            f"a {c} {o.label}"
    if op == "replace":
        what = s.absent_category()
        # "an orange", not "orange": a bare colour word is read as a colour, not an object.
        return f"replace {ref} with {_a(what)}", {"op": "replace", "target": o.id,
                                                  "with": _a(what)}, _a(what)
    m = s.pick(_MATERIALS)
    return f"make {ref} look like it is made of {m}", \
        {"op": "restyle", "target": o.id, "style": f"made of {m}"}, f"a {o.label} made of {m}"


def _sentence(*clauses: str) -> str:
    text = " and ".join(clauses)
    return text[0].upper() + text[1:] + "."


def _single(op: str) -> Callable[[_Scene], Case | None]:
    def make(s: _Scene) -> Case | None:
        o = s.pick(s.referable())
        if o is None:
            return None
        text, edit, clip = _in_place(s, o, s.ref(o), op)
        return _sentence(text), [edit], clip
    return make


def _resize(s: _Scene) -> Case | None:
    o = s.pick(s.referable())
    if o is None:
        return None
    k = s.pick((0.5, 0.5, 2.0))
    words = "twice as big" if k == 2.0 else "half its size"
    return f"Make {s.ref(o)} {words}.", [{"op": "resize", "target": o.id, "scale": k}], \
        f"a {o.color} {o.label}"


def _move(s: _Scene) -> Case | None:
    refs = s.referable()
    if len(refs) < 2:
        return None
    o, a = s.rng.sample(refs, 2)
    # A move into a relation that already holds would be satisfied by doing nothing.
    rel = s.pick(r for r in ("left_of", "right_of", "above", "below")
                 if not s.g.holds(o.id, r, a.id))
    if rel is None:
        return None
    return f"Move {s.ref(o)} {_PLACES[rel]} {s.ref(a)}.", \
        [{"op": "move", "target": o.id, "anchor": a.id, "relation": rel}], \
        f"a {o.color} {o.label}"


def _add(s: _Scene) -> Case | None:
    a = s.pick(s.referable())
    if a is None:
        return None
    what, rel = s.pick(CATEGORY_NAMES), s.pick(_PLACES)
    return f"Add {_a(what)} {_PLACES[rel]} {s.ref(a)}.", \
        [{"op": "add", "what": _a(what), "anchor": a.id, "relation": rel}], _a(what)


def _swap(s: _Scene) -> Case | None:
    pairs = [(a, b) for a in s.referable() for b in s.referable() if a.label < b.label]
    if not pairs:
        return None
    a, b = s.pick(pairs)
    return f"Swap {s.ref(a)} and {s.ref(b)}.", [{"op": "swap", "target": a.id,
                                                 "other": b.id}], f"a {a.label} and a {b.label}"


def _implicit(s: _Scene) -> Case | None:
    found = [(s.by_label[lb][0], d) for lb, d in _IMPLICIT.items() if len(s.by_label.get(lb, []))
             == 1]
    if not found:
        return None
    o, desc = s.pick(found)
    op = s.pick(("remove", "recolor", "replace"))
    text, edit, clip = _in_place(s, o, "it", op)
    return _sentence(f"find {desc}", text), [edit], clip


def _attribute(s: _Scene) -> Case | None:
    """A referent only its colour tells apart from another object of the same kind."""
    o = s.pick([o for o in s.referable() if len(s.by_label[o.label]) >= 2])
    if o is None:
        return None
    text, edit, clip = _in_place(s, o, s.ref(o), s.pick(("remove", "recolor", "restyle")))
    return _sentence(text), [edit], clip


def _counting(s: _Scene) -> Case | None:
    g = s.pick([g for g in s.by_label.values() if 2 <= len(g) <= 3])
    if g is None:
        return None
    plural, how_many = g[0].label + "s", {2: "both", 3: "all three"}[len(g)]
    if s.rng.random() < 0.5:
        return f"Remove {how_many} {plural}.", [{"op": "remove", "target": o.id} for o in g], \
            "background"
    c = s.new_color(g)
    return f"Make every {g[0].label} {c}.", \
        [{"op": "recolor", "target": o.id, "color": c} for o in g], f"a {c} {g[0].label}"


def _compound(s: _Scene) -> Case | None:
    refs = s.referable()
    if len(refs) < 2:
        return None
    a, b = s.rng.sample(refs, 2)
    ops = ("remove", "recolor", "replace", "restyle")
    t1, e1, c1 = _in_place(s, a, s.ref(a), s.pick(ops))
    t2, e2, c2 = _in_place(s, b, s.ref(b), s.pick(ops))
    return _sentence(t1, t2), [e1, e2], f"{c1}; {c2}"


MAKERS: dict[str, Callable[[_Scene], Case | None]] = {
    "remove": _single("remove"), "recolor": _single("recolor"), "replace": _single("replace"),
    "restyle": _single("restyle"), "resize": _resize, "move": _move, "add": _add,
    "swap": _swap, "implicit": _implicit, "attribute": _attribute, "counting": _counting,
    "compound": _compound,
}


def _scene_spec(rng: random.Random) -> list[tuple[str, str | None]]:
    """Two or three instances of one countable category in distinct colours, then two or three
    singletons of other categories."""
    cat = rng.choice(_COUNTABLE)
    colors = CATEGORIES[cat].colors
    spec: list[tuple[str, str | None]] = [(cat, c) for c in
                                          rng.sample(colors, min(rng.choice((2, 3)), len(colors)))]
    others = [c for c in CATEGORY_NAMES if c != cat]
    return spec + [(n, None) for n in rng.sample(others, rng.choice((2, 3)))]


def _scene(seed: int, i: int, rng: random.Random):
    spec = _scene_spec(rng)
    for attempt in range(8):
        try:
            return generate_scene(seed * 100_000 + i + 7919 * attempt, objects=spec)
        except ValidationError:
            spec = spec[:-1] if len(spec) > 3 else spec
    raise ValidationError("synthetic suite", f"could not generate scene {i} for seed {seed}")


def gt_mask(truth: SceneGraph, edits: list[dict]) -> np.ndarray:
    """Union of the true masks of the objects the edits act on where they stand."""
    h, w = truth.image.height, truth.image.width
    mask = np.zeros((h, w), bool)
    for e in edits:
        for key in ("target", "other"):
            if e.get(key) and e["op"] != "add":
                mask |= truth.mask_of(e[key])
    return mask


def synthetic_items(n: int, seed: int = 0, per_scene: int = CASES_PER_SCENE) -> list[EvalItem]:
    """``n`` items on ``ceil(n / per_scene)`` generated scenes, categories in rotation."""
    if n < 1:
        raise ValidationError("synthetic", f"need at least one item, got {n}")
    names = list(MAKERS)
    items: list[EvalItem] = []
    i, cursor = 0, 0
    while len(items) < n:
        rng = random.Random(f"sceneedit-eval/{seed}/{i}")  # str seeds are stable across runs
        scene = _scene(seed, i, rng)
        s = _Scene(scene.graph, rng)
        for _ in range(min(per_scene, n - len(items))):
            for k in range(len(names)):  # the next category in rotation this scene allows
                category = names[(cursor + k) % len(names)]
                case = MAKERS[category](s)
                if case is not None:
                    break
            else:
                break
            cursor = (cursor + k + 1) % len(names)
            text, edits, clip = case
            items.append(EvalItem(
                id=f"syn{seed}-{i:03d}-{category}", instruction=text, category=category,
                clip_text=clip, gold=GoldPlan(scene.graph, edits),
                image_array=scene.image, mask_array=gt_mask(scene.graph, edits)))
        i += 1
    return items
