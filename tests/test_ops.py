"""Every op end to end on synthetic scenes: compile -> execute -> re-perceive. The edit must be
visible to the classical perceiver, and every pixel outside the footprint must be unchanged."""
import numpy as np
import pytest

from sceneedit.compiler import FOOTPRINT_MARGIN, compile_plan
from sceneedit.masks import dilate
from sceneedit.perception import ClassicalPerceiver
from sceneedit.plan import Plan
from sceneedit.render import render_plan
from sceneedit.scene.query import find
from sceneedit.synthetic import generate_scene
from sceneedit.verify import verify_edit

OBJECTS = [("apple", "red"), ("banana", None), ("mug", "blue"), ("lamp", "yellow"),
           ("book", "green"), ("star", "purple")]
SEEDS = [1, 2, 3]


@pytest.fixture(scope="module", params=SEEDS)
def case(request):
    scene = generate_scene(request.param, objects=OBJECTS)
    graph = ClassicalPerceiver().perceive(scene.image)
    ids = {label: find(graph, label=label)[0] for label, _ in OBJECTS}
    return scene, graph, ids


def _edits(ids):
    return {
        "remove": [{"op": "remove", "target": ids["lamp"]}],
        "recolor": [{"op": "recolor", "target": ids["mug"], "color": "green"}],
        "replace_with": [{"op": "replace", "target": ids["book"], "with": "an orange"}],
        "replace_source": [{"op": "replace", "target": ids["star"], "source": ids["apple"]}],
        "add": [{"op": "add", "what": "a blue ring", "anchor": ids["mug"], "relation": "above"}],
        "move": [{"op": "move", "target": ids["apple"], "anchor": ids["lamp"],
                  "relation": "right_of"}],
        "resize": [{"op": "resize", "target": ids["lamp"], "scale": 0.6}],
        "swap": [{"op": "swap", "target": ids["mug"], "other": ids["star"]}],
        "restyle": [{"op": "restyle", "target": ids["book"], "style": "striped"}],
        "compound": [{"op": "remove", "target": ids["banana"]},
                     {"op": "recolor", "target": ids["star"], "color": "orange"},
                     {"op": "move", "target": ids["mug"], "anchor": ids["book"],
                      "relation": "left_of"}],
    }


@pytest.mark.parametrize("name", ["remove", "recolor", "replace_with", "replace_source", "add",
                                  "move", "resize", "swap", "restyle", "compound"])
def test_op_takes_effect_and_preserves_everything_else(case, name):
    scene, graph, ids = case
    plan = Plan(instruction=name, edits=_edits(ids)[name])
    out = render_plan(plan, scene.image, graph, seed=0)
    changed = (out.image != scene.image).any(axis=2)
    assert changed.any(), "the edit changed nothing"
    # preservation: every changed pixel lies inside the footprint
    assert not changed[~out.footprint].any()
    # and the footprint is what the op touched, grown by the documented margin -- not the image
    assert out.footprint.mean() < 0.25
    after = ClassicalPerceiver().perceive(out.image)
    masks = {k[5:]: v for k, v in out.run.outputs.items() if k.startswith("mask_")}
    for i, edit in enumerate(plan.edits):
        verdict = verify_edit(edit, graph, after, footprint=out.run.outputs[f"footprint_{i}"],
                              image_before=scene.image, image_after=out.image, new_masks=masks)
        assert verdict, f"{name} edit {i}: {verdict.message}"


def test_footprint_is_the_touched_masks_grown_by_the_margin(case):
    scene, graph, ids = case
    plan = Plan(instruction="r", edits=[{"op": "recolor", "target": ids["mug"], "color": "red"}])
    out = render_plan(plan, scene.image, graph)
    assert np.array_equal(out.footprint, dilate(graph.mask_of(ids["mug"]), FOOTPRINT_MARGIN))


def test_compilation_is_deterministic(case):
    scene, graph, ids = case
    for edits in _edits(ids).values():
        plan = Plan(instruction="x", edits=edits)
        assert compile_plan(plan, graph, seed=5).to_json() == \
            compile_plan(plan, graph, seed=5).to_json()


def test_rendering_is_deterministic(case):
    scene, graph, ids = case
    plan = Plan(instruction="x", edits=_edits(ids)["compound"])
    a = render_plan(plan, scene.image, graph, seed=3).image
    b = render_plan(plan, scene.image, graph, seed=3).image
    assert np.array_equal(a, b)


def test_plan_without_edits_returns_the_input(case):
    scene, graph, _ = case
    plan = Plan(instruction="remove the unicorn", unresolved="there is no unicorn")
    out = render_plan(plan, scene.image, graph)
    assert np.array_equal(out.image, scene.image) and not out.footprint.any()


def test_impossible_placement_is_a_clear_error():
    from sceneedit.errors import WorkflowError

    scene = generate_scene(0, objects=[("mug", "blue")])
    graph = scene.graph
    # a box as large as the image cannot go to the left of anything
    oid = graph.objects[0].id
    plan = Plan(instruction="x", edits=[{"op": "add", "what": "lamp", "anchor": oid,
                                         "relation": "left_of"}])
    big = graph.model_copy(deep=True)
    big.objects[0].box = [1, 1, graph.image.width - 1, graph.image.height - 1]
    big.objects[0].mask = None
    with pytest.raises(WorkflowError, match="no room"):
        render_plan(plan, scene.image, big)


def test_unknown_object_to_draw_names_what_can_be_drawn(case):
    from sceneedit.errors import WorkflowError

    scene, graph, ids = case
    plan = Plan(instruction="x", edits=[{"op": "replace", "target": ids["mug"],
                                         "with": "a unicorn"}])
    with pytest.raises(WorkflowError, match="no known object.*Valid choices: apple"):
        render_plan(plan, scene.image, graph)
