"""Scene graph: interchange round trips, derived relations, queries, text, diffs, rendering and
error messages."""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from sceneedit.errors import InvalidInputError, ValidationError
from sceneedit.masks import RLE, mask_box
from sceneedit.scene import PREDICATES, SceneGraph
from sceneedit.scene.query import extreme, find, related
from sceneedit.scene.render import CANVAS_GRAY, id_color

ROOT = Path(__file__).resolve().parents[1]
KITCHEN = ROOT / "examples" / "kitchen.graph.json"  # a copy of shared/examples (see test_plan)


def kitchen() -> SceneGraph:
    return SceneGraph.load(KITCHEN)


def graph(objects: list[dict], width: int = 100, height: int = 100, **extra) -> SceneGraph:
    return SceneGraph.from_dict({"format": "sceneedit.scene-graph/1",
                                 "image": {"width": width, "height": height},
                                 "objects": objects, **extra})


def obj(id_: str, box: list, label: str = "thing", **fields) -> dict:
    return {"id": id_, "label": label, "box": box, **fields}


def triples(g: SceneGraph) -> set[tuple[str, str, str]]:
    return {(r.subject, r.predicate, r.object) for r in g.all_relations()}


def uncompressed_rle(mask: np.ndarray) -> dict:
    """COCO's uncompressed form: column-major run lengths, starting with a run of zeros."""
    flat = mask.flatten(order="F").astype(np.int8)
    edges = np.flatnonzero(np.diff(flat)) + 1
    runs = np.diff(np.concatenate([[0], edges, [flat.size]])).tolist()
    if flat[0]:
        runs = [0] + runs
    return {"size": list(mask.shape), "counts": runs}


def l_mask() -> np.ndarray:
    """An L: a vertical bar on the left and a horizontal bar along the bottom of 100x100."""
    m = np.zeros((100, 100), dtype=bool)
    m[:, :10] = True
    m[90:, :] = True
    return m


# ---- interchange ------------------------------------------------------------------------------
def test_kitchen_round_trips_canonically():
    src = KITCHEN.read_text()
    g = SceneGraph.from_json(src)
    assert len(g.objects) == 8 and len(g.relations) == 4
    canon = json.dumps(json.loads(src), sort_keys=True)
    assert json.dumps(json.loads(g.to_json()), sort_keys=True) == canon
    assert json.dumps(g.to_dict(), sort_keys=True) == canon


def test_masks_in_both_rle_forms_round_trip_and_decode_alike():
    m = np.zeros((40, 60), dtype=bool)
    m[5:20, 10:30] = True
    m[25:38, 40:58] = True
    compressed = RLE.from_array(m).model_dump()
    assert isinstance(compressed["counts"], str)
    doc = {"format": "sceneedit.scene-graph/1", "image": {"width": 60, "height": 40},
           "objects": [obj("o1", [10, 5, 58, 38], mask=compressed),
                       obj("o2", [10, 5, 58, 38], mask=uncompressed_rle(m))]}
    g = SceneGraph.from_json(json.dumps(doc))
    assert json.dumps(json.loads(g.to_json()), sort_keys=True) == json.dumps(doc, sort_keys=True)
    assert isinstance(g.get("o2").mask.counts, list)
    for i in ("o1", "o2"):
        np.testing.assert_array_equal(g.get(i).mask.to_array(), m)
        np.testing.assert_array_equal(g.mask_of(i), m)
    assert g.get("o1").area == g.get("o2").area == m.sum()
    # identical masks: inside each other, reported once
    assert triples(g) == {("o1", "inside", "o2")}


# ---- derived relations ------------------------------------------------------------------------
def test_directional_and_contact_relations_from_boxes():
    g = graph([
        obj("o1", [0, 50, 20, 70]),     # left of o2, same row
        obj("o2", [40, 50, 60, 70]),
        obj("o3", [40, 10, 60, 25]),    # above o2, far from it
        obj("o4", [70, 30, 90, 60]),    # resting on o5 (bottom 60 = o5's top)
        obj("o5", [65, 60, 95, 90]),
        obj("o6", [42, 52, 50, 60]),    # inside o2
        obj("o7", [15, 75, 35, 95]),    # overlaps o8
        obj("o8", [28, 80, 38, 99]),
    ])
    t = triples(g)
    for fact in [("o1", "left_of", "o2"), ("o3", "above", "o2"), ("o4", "on_top_of", "o5"),
                 ("o6", "inside", "o2"), ("o7", "overlaps", "o8")]:
        assert fact in t, fact
    # emitted once, in canonical direction only
    assert not {p for _, p, _ in t} & {"right_of", "below", "under", "contains", "behind",
                                       "smaller_than"}
    assert ("o4", "above", "o5") not in t          # on_top_of already says it
    assert ("o6", "overlaps", "o2") not in t and ("o2", "overlaps", "o6") not in t
    assert ("o3", "near", "o2") not in t           # 25 px apart, objects ~17 px big
    assert ("o5", "larger_than", "o4") in t          # same label, 900 vs 600 px
    assert ("o4", "larger_than", "o6") in t and ("o2", "larger_than", "o1") not in t
    rels = [(r.subject, r.predicate, r.object) for r in g.all_relations()]
    derived = g.with_derived_relations().relations
    assert rels == [(r.subject, r.predicate, r.object) for r in derived]
    assert g.holds("o2", "right_of", "o1") and g.holds("o5", "under", "o4")


def test_near_is_relative_and_symmetric_once():
    g = graph([obj("o2", [10, 10, 30, 30]), obj("o10", [34, 12, 54, 32]),   # 4 px apart
               obj("o3", [10, 70, 20, 80]), obj("o4", [45, 70, 55, 80])])   # 25 px apart
    t = triples(g)
    assert ("o2", "near", "o10") in t and ("o10", "near", "o2") not in t  # natural id order
    assert ("o3", "near", "o4") not in t and ("o4", "near", "o3") not in t
    assert g.holds("o10", "near", "o2")


def test_larger_than_only_within_a_label_and_depth_gives_in_front_of():
    g = graph([obj("o1", [10, 10, 40, 40], "mug", depth=0.2),
               obj("o2", [45, 20, 60, 35], "mug", depth=0.6),
               obj("o3", [70, 10, 99, 50], "plate")], width=100, height=60)
    t = triples(g)
    assert ("o1", "larger_than", "o2") in t
    assert not any(p == "larger_than" and "o3" in (s, o) for s, p, o in t)
    assert ("o1", "in_front_of", "o2") in t
    assert extreme(g, find(g, label="mug"), by="area") == "o1"


def test_same_color_as_emitted_once_per_pair_and_only_for_small_groups():
    objs = [obj(f"o{i}", [i * 9, 0, i * 9 + 5, 5], attributes={"color": "red"})
            for i in range(1, 4)]
    objs += [obj(f"o{i}", [i * 9, 50, i * 9 + 5, 55], attributes={"color": "white"})
             for i in range(4, 14)]  # ten white things: too many to pair up
    g = graph(objs, width=200)
    same = {(s, o) for s, p, o in triples(g) if p == "same_color_as"}
    assert same == {("o1", "o2"), ("o1", "o3"), ("o2", "o3")}
    assert find(g, color="white") == [f"o{i}" for i in range(4, 14)]


def test_l_shaped_mask_differs_from_its_box():
    """The box of an L contains what sits in its notch; the mask does not: there, o2 rests on
    the L's bottom bar and o3 floats apart from it."""
    objects = [obj("o1", [0, 0, 100, 100], "shelf"),
               obj("o2", [50, 60, 60, 90], "box"),     # bottom edge on the bar's top (y = 90)
               obj("o3", [40, 20, 50, 30], "ball")]    # in the notch, 30 px from both bars
    boxes = triples(graph(objects))
    assert ("o2", "inside", "o1") in boxes and ("o3", "inside", "o1") in boxes

    objects[0]["mask"] = RLE.from_array(l_mask()).model_dump()
    masks = triples(graph(objects))
    assert ("o2", "on_top_of", "o1") in masks
    assert not any(p == "inside" for _, p, _ in masks)
    assert not any("o3" in (s, o) and "o1" in (s, o) for s, _, o in masks)  # not even near
    # touching a mask at one side: near, not overlapping
    objects.append(obj("o4", [11, 40, 20, 50], "tag"))
    masks = triples(graph(objects))
    assert ("o1", "near", "o4") in masks and ("o1", "left_of", "o4") not in masks


def test_occluding_masks_rest_overlap_and_stay_apart():
    """Real masks have holes where something is in front: the mug rests on the table through
    its hole, the picture in the wall's hole is only near it, the wall is above the table (not
    on it) and overlaps the mug it stands behind."""
    h, w = 120, 160
    table, mug, wall, picture = (np.zeros((h, w), dtype=bool) for _ in range(4))
    table[75:105, 25:135] = True
    mug[62:83, 75:86] = True
    table &= ~mug
    wall[:75] = True
    picture[12:38, 62:100] = True
    wall &= ~picture
    objects = [obj(f"o{i}", [int(v) for v in mask_box(m)], label,
                   mask=RLE.from_array(m).model_dump())
               for i, (label, m) in enumerate([("table", table), ("mug", mug), ("wall", wall),
                                               ("picture", picture)], 1)]
    t = triples(graph(objects, width=w, height=h))
    assert {("o2", "on_top_of", "o1"), ("o3", "above", "o1"), ("o2", "overlaps", "o3"),
            ("o3", "near", "o4"), ("o4", "above", "o1")} <= t
    assert not {p for s, p, o in t if {s, o} == {"o1", "o3"}} & {"on_top_of", "overlaps"}
    assert not any(p == "inside" for _, p, _ in t)


def test_derivation_is_deterministic_and_fast_on_200_objects(big_graph):
    first = big_graph.with_derived_relations().relations
    again = big_graph.model_copy().with_derived_relations().relations
    assert first == again and len(first) > 500
    keys = [(r.subject, r.predicate, r.object) for r in first]
    assert len(keys) == len(set(keys))


# ---- networkx and queries ---------------------------------------------------------------------
def test_networkx_view_has_inverse_edges_and_node_attributes():
    g = kitchen()
    nxg = g.to_networkx()
    assert set(nxg.nodes) == set(g.ids)
    assert nxg.nodes["o2"]["label"] == "counter" and nxg.nodes["o2"]["area"] == 450 * 220
    assert nxg.nodes["o2"]["attributes"] == {"color": "gray", "material": "stone"}
    assert nxg.has_edge("o3", "o2", key="on_top_of") and nxg.has_edge("o2", "o3", key="under")
    assert nxg.edges["o2", "o3", "under"]["inverse"] is True
    assert nxg.has_edge("o7", "o6", key="right_of") and nxg.has_edge("o2", "o8", key="below")
    assert nxg.number_of_edges() == 2 * len(g.relations)


def test_query_helpers():
    g = kitchen()
    assert find(g, label="mug") == ["o6", "o7"]
    assert find(g, label="MUG", color="white") == ["o7"]
    assert find(g, color="grey", material="stone") == ["o2"]
    assert find(g, label="spoon") == []
    mugs = graph([obj("o1", [0, 0, 9, 9], "coffee mug"), obj("o2", [20, 0, 29, 9], "mug tree")])
    assert find(mugs, label="mug") == ["o1"]  # the head noun, not any word
    assert related(g, "o2", "under") == ["o3"]
    assert related(g, "o3", "on_top_of") == ["o2"]
    assert related(g, "o2", "below") == ["o8"]
    assert extreme(g, find(g, label="mug"), by="x", largest=False) == "o6"   # leftmost mug
    assert extreme(g, g.ids, by="area") == "o2"
    assert extreme(g, find(g, color="white"), by="y", largest=False) == "o8"  # highest


# ---- text for the LLM -------------------------------------------------------------------------
def test_kitchen_text_reads_well():
    text = kitchen().to_text()
    lines = text.splitlines()
    assert lines[0] == "Image 640x480, 8 objects."
    assert "o2: counter (gray, material=stone) at bottom, large" in lines
    assert "o3: kettle (red) at center, small" in lines
    assert "o8: window (white) at top-right, medium" in lines
    assert lines[-4:] == ["o3 on_top_of o2", "o4 left_of o5", "o6 left_of o7", "o8 above o2"]
    derived = kitchen().model_copy(update={"relations": None}).to_text()
    assert "o8 above o2, o4, o5, o6, o7" in derived.splitlines()


def test_text_is_bounded_and_says_what_it_left_out(big_graph):
    full = big_graph.to_text(max_chars=10**7)
    assert len(full.splitlines()) > 200 and "omitted" not in full
    for limit in (4000, 1500, 300):
        text = big_graph.to_text(max_chars=limit)
        assert len(text) <= limit
        assert "more objects omitted" in text
        assert text == big_graph.to_text(max_chars=limit)
    # low-value relations go before any object does
    slightly_short = big_graph.to_text(max_chars=len(full) - 1)
    assert "omitted relations: " in slightly_short and " near " not in slightly_short
    assert "more objects omitted" not in slightly_short
    assert all(f"\n{o.id}: " in slightly_short for o in big_graph.objects)
    # the highest-scoring object survives truncation
    best = max(big_graph.objects, key=lambda o: o.score)
    assert f"\n{best.id}: " in big_graph.to_text(max_chars=1500)
    assert len(big_graph.to_text(max_chars=40)) <= 40


# ---- diffs ------------------------------------------------------------------------------------
def test_diff_of_edited_graphs():
    a = kitchen()
    data = a.to_dict()
    data["objects"] = [o for o in data["objects"] if o["id"] != "o3"]
    data["relations"] = [r for r in data["relations"] if "o3" not in (r["subject"], r["object"])]
    o4 = next(o for o in data["objects"] if o["id"] == "o4")
    o4["attributes"]["color"] = "red"
    o4["box"] = [330.5, 215, 370, 252]                      # sub-pixel jitter: not a move
    o6 = next(o for o in data["objects"] if o["id"] == "o6")
    o6["box"] = [480, 205, 520, 252]
    data["objects"].append({"id": "o9", "label": "apple", "box": [300, 220, 325, 250],
                            "attributes": {"color": "red"}})
    data["relations"].append({"subject": "o9", "predicate": "on_top_of", "object": "o2"})
    data["relations"].append({"subject": "o7", "predicate": "right_of", "object": "o6"})  # same
    b = SceneGraph.from_dict(data)

    d = a.diff(b)
    assert d.added == ["o9"] and d.removed == ["o3"]
    assert d.changed == {"o4": {"attributes.color": ("orange", "red")},
                         "o6": {"box": ([470, 205, 510, 252], [480, 205, 520, 252])}}
    assert d.relations_added == [("o9", "on_top_of", "o2")]
    assert d.relations_removed == [("o3", "on_top_of", "o2")]
    lines = str(d).splitlines()
    assert "+ o9 apple (red)" in lines and "- o3 kettle (red)" in lines
    assert "~ o4 color: orange -> red" in lines
    assert json.loads(json.dumps(d.to_dict()))["changed"]["o4"] == {
        "attributes.color": ["orange", "red"]}
    assert "o9 apple" in d._repr_html_() and not d.is_empty
    assert a.diff(kitchen()).is_empty and str(a.diff(a)) == "no changes"


def test_diff_reports_mask_label_depth_changes():
    m = np.zeros((50, 50), dtype=bool)
    m[10:30, 10:30] = True
    grown = m.copy()
    grown[30:34, 10:30] = True
    base = [obj("o1", [10, 10, 30, 30], "cup", mask=RLE.from_array(m).model_dump(), depth=0.5)]
    a = graph(base, 50, 50)
    same_pixels = graph([{**base[0], "mask": uncompressed_rle(m)}], 50, 50)
    assert a.diff(same_pixels).is_empty  # another encoding of the same mask
    b = graph([{**base[0], "label": "<b>bowl</b>", "mask": RLE.from_array(grown).model_dump(),
                "depth": 0.3}], 50, 50)
    d = a.diff(b)
    assert d.changed["o1"]["mask"] == (400, 480)
    assert d.changed["o1"]["label"] == ("cup", "<b>bowl</b>")
    assert d.changed["o1"]["depth"] == (0.5, 0.3)
    assert "&lt;b&gt;bowl" in d._repr_html_() and "<b>bowl" not in d._repr_html_()


# ---- rendering --------------------------------------------------------------------------------
def test_render_tints_mask_pixels():
    m = np.zeros((60, 80), dtype=bool)
    m[20:50, 30:70] = True
    g = graph([obj("o1", [30, 20, 70, 50], "box", mask=RLE.from_array(m).model_dump()),
               obj("o2", [2, 2, 20, 15], "cup")], width=80, height=60)
    out = g.render(show_labels=False)
    assert out.shape == (60, 80, 3) and out.dtype == np.uint8
    expected = np.round(CANVAS_GRAY * 0.55 + np.array(id_color("o1")) * 0.45)
    np.testing.assert_array_equal(out[35, 50], expected)
    assert (out[55, 5] == CANVAS_GRAY).all()           # outside everything: untouched
    assert tuple(out[2, 10]) == id_color("o2")          # box edge in the id's colour
    plain = g.render(show_masks=False, show_boxes=False, show_labels=False)
    assert (plain == CANVAS_GRAY).all()
    photo = np.full((60, 80, 3), 10, dtype=np.uint8)
    assert (g.render(photo, show_boxes=False, show_labels=False)[55, 5] == 10).all()
    with pytest.raises(ValidationError, match="80x60 image but the image is 10x10"):
        g.render(np.zeros((10, 10, 3), dtype=np.uint8))
    assert id_color("o1") != id_color("o2") and id_color("x") == id_color("x")


def test_html_has_image_and_escapes_labels():
    g = graph([obj("o1", [10, 10, 50, 50], "<b>", attributes={"note": "a & b"}),
               obj("o2", [60, 10, 90, 50], "cup")], width=1000, height=100)
    page = g._repr_html_()
    assert "<img" in page and "data:image/png;base64," in page
    assert "&lt;b&gt;" in page and "<b></td>" not in page and "a &amp; b" in page
    assert "o1 left_of o2" in page


# ---- errors -----------------------------------------------------------------------------------
def test_unknown_id_lists_valid_ids():
    g = kitchen()
    with pytest.raises(ValidationError, match="o1 \\(refrigerator\\)") as exc:
        related(g, "o99", "near")
    assert "o99" in str(exc.value) and "o8 (window)" in exc.value.choices
    with pytest.raises(ValidationError, match="o42"):
        extreme(g, ["o1", "o42"])
    doc = kitchen().to_dict()
    doc["relations"].append({"subject": "o1", "predicate": "near", "object": "o77"})
    with pytest.raises(ValidationError, match="o77.*o1, o2"):
        SceneGraph.from_dict(doc)


def test_bad_predicate_lists_predicates():
    with pytest.raises(ValidationError) as exc:
        related(kitchen(), "o1", "next_to")
    assert exc.value.choices == sorted(PREDICATES)
    doc = kitchen().to_dict()
    doc["relations"][0]["predicate"] = "next_to"
    with pytest.raises(ValidationError, match="next_to.*left_of") as exc:
        SceneGraph.from_dict(doc)
    assert "same_color_as" in exc.value.choices


@pytest.mark.parametrize("objects, width, message", [
    ([obj("o1", [0, 0, 5, 5]), obj("o1", [5, 5, 9, 9])], 10, "'o1' is not unique"),
    ([obj("o1", [6, 0, 5, 5])], 10, "x0 < x1"),
    ([obj("o1", [0, 0, 5, 5], mask=RLE.from_array(np.ones((10, 12), bool)).model_dump())], 10,
     r"mask.size \[10, 12\] does not match"),
])
def test_invalid_graphs_raise_validation_errors(objects, width, message):
    with pytest.raises(ValidationError, match=message):
        graph(objects, width=width, height=10)


def test_malformed_json_and_bad_arguments():
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        SceneGraph.from_json('{"format": "sceneedit.scene-graph/1", ')
    g = kitchen()
    with pytest.raises(ValidationError, match="area, depth, x, y"):
        extreme(g, g.ids, by="height")
    with pytest.raises(ValidationError, match="o1"):
        extreme(g, g.ids, by="depth")
    with pytest.raises(ValidationError, match="alpha"):
        g.render(alpha=2)


# ---- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def big_graph() -> SceneGraph:
    rng = random.Random(7)
    objects = []
    for i in range(1, 201):
        x, y = rng.randint(0, 600), rng.randint(0, 440)
        w, h = rng.randint(5, 40), rng.randint(5, 40)
        objects.append(obj(f"o{i}", [x, y, x + w, y + h], rng.choice(["mug", "plate", "apple"]),
                           score=round(rng.uniform(0.3, 1.0), 3),
                           attributes={"color": rng.choice(["red", "blue", "white"])}))
    return graph(objects, width=640, height=480)
