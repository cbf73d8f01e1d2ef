"""Relations on big graphs: the grid finds exactly the intersecting boxes; derived relations
agree with the all-pairs rules where they promise to; the LLM text of 10,000 objects is bounded."""
from __future__ import annotations

import time
from itertools import combinations

import numpy as np
import pytest

from sceneedit.scene.model import ImageInfo, SceneGraph, SceneObject
from sceneedit.scene.relations import NEAREST_K, _pair, _Shape, derive_relations, id_key
from sceneedit.scene.spatial import intersecting_pairs, nearest_pairs


@pytest.mark.parametrize("seed", range(6))
def test_intersecting_pairs_is_exactly_the_brute_force_answer(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    x0, y0 = rng.uniform(-50, 1000, n), rng.uniform(0, 800, n)
    x1, y1 = x0 + rng.uniform(0, 200, n), y0 + rng.uniform(0, 200, n)
    got = {tuple(p) for p in intersecting_pairs(x0, y0, x1, y1, float(rng.uniform(3, 300)))
           .tolist()}
    want = {(i, j) for i, j in combinations(range(n), 2)
            if x0[i] <= x1[j] and x0[j] <= x1[i] and y0[i] <= y1[j] and y0[j] <= y1[i]}
    assert got == want


def test_nearest_pairs_holds_each_points_nearest_neighbours():
    rng = np.random.default_rng(3)
    cx, cy = rng.uniform(0, 1000, 500), rng.uniform(0, 1000, 500)
    got = {tuple(p) for p in nearest_pairs(cx, cy, 4, expected=48).tolist()}
    d = np.hypot(cx[:, None] - cx, cy[:, None] - cy)
    np.fill_diagonal(d, np.inf)
    nearest = np.argsort(d, axis=1, kind="stable")[:, :4]
    want = {(min(i, j), max(i, j)) for i in range(500) for j in nearest[i].tolist()}
    assert want <= got and len(got) <= 4 * 500


def scattered(n: int, seed: int, side: int = 1200) -> SceneGraph:
    rng = np.random.default_rng(seed)
    objects = []
    for i in range(n):
        w, h = rng.integers(10, 90, 2)
        x, y = int(rng.integers(0, side - w)), int(rng.integers(0, side * 3 // 4 - h))
        objects.append(SceneObject(id=f"o{i + 1}", label=str(rng.choice(["cup", "box", "pen"])),
                                   box=[x, y, x + int(w), y + int(h)],
                                   score=round(float(rng.uniform(0.2, 1)), 2),
                                   depth=round(float(rng.uniform(0, 1)), 2) if i % 2 else None))
    return SceneGraph(image=ImageInfo(width=side, height=side * 3 // 4), objects=objects)


def test_big_graph_keeps_every_contact_near_and_depth_relation():
    g = scattered(150, seed=1)
    shapes = sorted((_Shape(o, g.image.height, g.image.width) for o in g.objects),
                    key=lambda s: id_key(s.id))
    every = {f for a, b in combinations(shapes, 2) for f in _pair(a, b)}
    now = {(r.subject, r.predicate, r.object) for r in derive_relations(g)}
    local = {"inside", "on_top_of", "overlaps", "near", "in_front_of"}
    assert {f for f in every if f[1] in local} == {f for f in now if f[1] in local}
    pair_facts = {f for f in now if f[1] not in ("larger_than", "same_color_as")}
    assert pair_facts <= every  # directions: a subset, between neighbours
    # every object still has a stated direction to some neighbour
    directed = {x for s, p, o in now if p in ("left_of", "above") for x in (s, o)}
    assert len(directed) >= 0.95 * len(g.objects)


def test_small_graph_relates_every_pair():
    g = scattered(NEAREST_K + 1, seed=2, side=3000)
    shapes = sorted((_Shape(o, g.image.height, g.image.width) for o in g.objects),
                    key=lambda s: id_key(s.id))
    every = {f for a, b in combinations(shapes, 2) for f in _pair(a, b)}
    now = {(r.subject, r.predicate, r.object) for r in derive_relations(g)}
    assert {f for f in now if f[1] not in ("larger_than", "same_color_as")} == every


def test_text_of_ten_thousand_objects_is_bounded_and_quick():
    g = scattered(10_000, seed=4, side=5000)
    t0 = time.perf_counter()
    text = g.to_text(max_chars=3000)
    seconds = time.perf_counter() - t0
    assert len(text) <= 3000 and text.startswith("Image 5000x3750, 10000 objects.")
    assert "more objects omitted" in text and "Relations:" in text
    assert seconds < 20, f"to_text took {seconds:.1f} s at 10,000 objects"
