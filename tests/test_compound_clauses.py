"""Compound instructions read clause by clause, as a person reads them: a later clause sees the
scene the earlier ones leave ("replace the giraffe with a zebra / add a saddle to the zebra"),
"add X to Y" places X on or in Y, the new object is its noun phrase without the clause hung on
it, and "one" stands for the object's noun. (ComplexBench-Edit's chain instructions, worded by
its authors, fail without these: the zebra names nothing in the original scene.)"""
from __future__ import annotations

import pytest

pytest.importorskip("spacy")

from sceneedit.ops import OP_REGISTRY  # noqa: E402
from sceneedit.reasoning.per_clause import one_edit_per_clause  # noqa: E402
from sceneedit.reasoning.referents import clause_scenes, named_targets  # noqa: E402
from sceneedit.reasoning.slots import slots  # noqa: E402
from sceneedit.scene import SceneGraph  # noqa: E402


def _graph(*labels):
    objects = [{"id": f"o{n}", "label": label, "box": [10 + 90 * n, 10, 90 + 90 * n, 90],
                "attributes": {"color": "brown"}} for n, label in enumerate(labels, 1)]
    return SceneGraph.from_dict({"format": "sceneedit.scene-graph/1",
                                 "image": {"width": 800, "height": 600}, "objects": objects})


@pytest.fixture(scope="module")
def zoo():
    return _graph("giraffe", "enclosure", "bear")


def test_a_replaced_object_goes_by_its_new_name_in_later_clauses(zoo):
    instruction = "Replace the giraffe with a black and white zebra.\nadd a saddle to the zebra"
    scenes = clause_scenes(zoo, instruction)
    assert [s.get("o1").label for _, s in scenes] == ["giraffe", "black and white zebra"]
    assert scenes[1][1].get("o1").color is None   # two colours: none of them; not the old one
    assert clause_scenes(zoo, "turn the bear into a white dog\nremove the dog")[1][1].get(
        "o3").color == "white"
    assert zoo.get("o1").label == "giraffe"           # the caller's graph is untouched
    specs = one_edit_per_clause(zoo, instruction, OP_REGISTRY.names)
    assert [(c.ops, c.targets, c.anchors) for c in specs] == [
        (["replace"], ["o1"], None), (["add"], None, ["o1"])]
    # the zebra is the giraffe's object for every clause after the replacement, not before
    assert named_targets(zoo, "change the bear to a brown dog\nmake the dog red") == ["o3"]
    assert named_targets(zoo, "make the dog red\nchange the bear to a brown dog") is None


def test_a_replacement_whose_object_is_unsettled_renames_nothing(zoo):
    two = _graph("bear", "bear")
    scenes = clause_scenes(two, "replace the bear with a dog\nremove the dog")
    assert all(o.label == "bear" for _, s in scenes for o in s.objects)


def test_the_command_acts_on_its_first_phrase_when_the_parse_gives_it_none(zoo):
    # the small parser makes "the giraffe" the subject of "standing"
    specs = one_edit_per_clause(zoo, "Replace the giraffe standing in the enclosure with a "
                                     "zebra.\nremove the bear", OP_REGISTRY.names)
    assert [c.targets for c in specs] == [["o1"], ["o3"]]


def test_an_attribute_phrase_acts_on_the_object_inside_it():
    room = _graph("bed", "book", "person")
    specs = one_edit_per_clause(room, "make the book red color\ndelete the person on the bed",
                                OP_REGISTRY.names)
    assert [(c.ops, c.targets) for c in specs] == [(["recolor"], ["o2"]), (["remove"], ["o3"])]


@pytest.mark.parametrize("instruction, what, relations, anchors", [
    ("add a life vest to the surfer", "life vest", ["on_top_of", "inside"], ["surfer"]),
    ("add a cat to loveseat with brown fabric", "cat", ["on_top_of", "inside"],
     ["loveseat with brown fabric"]),
    ("add a puppy lying on the cow's back", "puppy", ["on_top_of"], ["cow s back"]),
    ("add a small potted plant on the table", "small potted plant", ["on_top_of"], ["table"]),
    ("move the cup to the left of the plate", None, ["left_of"], ["plate"]),   # not "to"
])
def test_placing_words_and_the_new_object(instruction, what, relations, anchors):
    found = slots(instruction)
    assert found.texts.get("what", [None]) == [what]
    assert found.relations == relations and found.anchors == anchors


@pytest.mark.parametrize("instruction, new", [
    ("change the person's hat to blue one", "blue hat"),
    ("turn the chair into a wooden one", "wooden chair"),
    ("replace the mug with a red one", "red mug"),
    ("replace the mug with a teapot", "teapot"),
])
def test_one_stands_for_the_objects_noun(instruction, new):
    assert slots(instruction).texts["with"] == [new]
