import json

import pytest

from sceneedit.errors import InvalidInputError, ValidationError
from sceneedit.palette import COLOR_NAMES
from sceneedit.ops import OP_REGISTRY
from sceneedit.plan import OPS, PLACEMENT_RELATIONS, SCALE_RANGE, Plan, parse_edit
from sceneedit.scene import PREDICATES, SceneGraph


def canon(text: str) -> str:
    return json.dumps(json.loads(text), sort_keys=True)


def test_kitchen_plan_round_trips_byte_identically(kitchen_plan_text, kitchen_graph_text):
    plan = Plan.from_json(kitchen_plan_text)
    assert canon(plan.to_json()) == canon(kitchen_plan_text)
    graph = SceneGraph.from_json(kitchen_graph_text)
    assert plan.validate_against(graph) is graph
    assert [e.op for e in plan.edits] == ["replace", "recolor"]


def test_every_op_of_the_spec_parses_and_round_trips():
    # every op declares its example edits, one per shape (replace: with / source)
    edits = [e for spec in OP_REGISTRY for e in spec.examples]
    assert {"op": "replace", "target": "o3", "source": "o7"} in edits
    assert sorted({e["op"] for e in edits}) == sorted(OPS)
    for e in edits:
        assert parse_edit(e).model_dump(by_alias=True) == e


def test_plan_with_embedded_graph_round_trips(kitchen_graph_text):
    doc = {"format": "sceneedit.plan/1", "instruction": "remove the kettle",
           "graph": json.loads(kitchen_graph_text), "edits": [{"op": "remove", "target": "o3"}],
           "unresolved": None}
    plan = Plan.from_dict(doc)
    assert canon(plan.to_json()) == json.dumps(doc, sort_keys=True)
    assert plan.validate_against().get("o3").label == "kettle"


def test_unknown_keys_are_kept_not_fatal():
    doc = {"format": "sceneedit.plan/1", "instruction": "x", "edits": [
        {"op": "remove", "target": "o1", "why": "because"}], "unresolved": None, "extra": 1}
    assert json.loads(Plan.from_dict(doc).to_json()) == doc


@pytest.mark.parametrize("edit, field, choices", [
    ({"op": "recolor", "target": "o1", "color": "mauve"}, "edit.color", COLOR_NAMES),
    ({"op": "teleport", "target": "o1"}, "edit.op", OPS),
    ({"op": "add", "what": "cat", "anchor": "o1", "relation": "beside"}, "edit.relation",
     PREDICATES),
    ({"op": "resize", "target": "o1", "scale": SCALE_RANGE[1] * 2}, "edit.scale", None),
    ({"op": "resize", "target": "o1", "scale": 1.0}, "edit.scale", None),
    ({"op": "replace", "target": "o1"}, "edit", None),
    ({"op": "replace", "target": "o1", "with": "lamp", "source": "o2"}, "edit", None),
    ({"op": "remove"}, "edit.target", None),
])
def test_bad_edits_name_the_field_and_list_choices(edit, field, choices):
    with pytest.raises(ValidationError) as info:
        parse_edit(edit)
    assert info.value.field == field
    if choices is not None:
        assert info.value.choices == sorted(choices)
        assert all(c in str(info.value) for c in choices)


@pytest.mark.parametrize("edits, field, needle", [
    ([{"op": "remove", "target": "o42"}], "edits.0.target", "o42"),
    ([{"op": "replace", "target": "o3", "source": "o99"}], "edits.0.source", "o99"),
    ([{"op": "swap", "target": "o3", "other": "o3"}], "edits.0", "twice"),
    ([{"op": "remove", "target": "o3"}, {"op": "recolor", "target": "o3", "color": "red"}],
     "edits.1.target", "removed by edits.0"),
    ([{"op": "move", "target": "o3", "anchor": "o2", "relation": "larger_than"}],
     "edits.0.relation", "does not say where"),
])
def test_validation_against_graph(kitchen_graph_text, edits, field, needle):
    graph = SceneGraph.from_json(kitchen_graph_text)
    with pytest.raises(ValidationError) as info:
        Plan(instruction="x", edits=edits).validate_against(graph)
    assert info.value.field == field
    assert needle in str(info.value)
    if "unknown object id" in str(info.value):
        assert "o3 (kettle)" in str(info.value)  # valid ids are listed with labels
    if field.endswith("relation"):
        assert info.value.choices == sorted(PLACEMENT_RELATIONS)


def test_malformed_documents():
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        Plan.from_json("{not json")
    with pytest.raises(ValidationError, match="format"):
        Plan.from_dict({"format": "other/1", "instruction": "x", "edits": []})
    with pytest.raises(ValidationError, match="plan.edits.0.color"):
        Plan.from_dict({"format": "sceneedit.plan/1", "instruction": "x",
                        "edits": [{"op": "recolor", "target": "o1", "color": 3}]})
    with pytest.raises(ValidationError, match="unresolved"):
        Plan.from_dict({"format": "sceneedit.plan/1", "instruction": "x", "unresolved": "no",
                        "edits": [{"op": "remove", "target": "o1"}]})
    with pytest.raises(ValidationError, match="no scene graph"):
        Plan(instruction="x").validate_against()


def test_repository_examples_match_the_shared_spec_examples():
    from conftest import EXAMPLES, ROOT

    shared = ROOT.parent / "shared" / "examples"
    if not shared.is_dir():
        pytest.skip("shared/ is not beside this checkout")
    for name in ("kitchen.graph.json", "kitchen.plan.json"):
        assert (EXAMPLES / name).read_bytes() == (shared / name).read_bytes()


@pytest.mark.parametrize("edit, field, needle", [
    ({"op": "replace", "target": "o6", "with": "mug"}, "edits.0.with", "changes nothing"),
    ({"op": "replace", "target": "o6", "with": "purple"}, "edits.0.with", "is a colour"),
    ({"op": "restyle", "target": "o6", "style": "yellow"}, "edits.0.style", "use recolor"),
])
def test_edits_that_cannot_mean_what_was_asked(kitchen_graph_text, edit, field, needle):
    graph = SceneGraph.from_json(kitchen_graph_text)
    with pytest.raises(ValidationError) as info:
        Plan(instruction="x", edits=[edit]).validate_against(graph)
    assert info.value.field == field and needle in str(info.value)
    # while real replacements and styles pass
    Plan(instruction="x", edits=[{"op": "replace", "target": "o6", "with": "teapot"},
                                 {"op": "restyle", "target": "o7", "style": "striped"}]
         ).validate_against(graph)
