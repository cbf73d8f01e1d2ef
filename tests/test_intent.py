"""What the wording of an instruction decides before the model reads it (reasoning/intent.py)
and how a replacement that names an object in the picture becomes a ``source`` edit."""
import pytest

from sceneedit.reasoning.intent import clause_ops, hinted_ops
from sceneedit.reasoning.referents import named_targets
from sceneedit.reasoning.normalize import normalize_edits
from sceneedit.scene import SceneGraph


@pytest.fixture(scope="module")
def kitchen(kitchen_graph_text):
    return SceneGraph.from_json(kitchen_graph_text)


@pytest.mark.parametrize("instruction, feedback, ops", [
    ("Put the teddy bear on top of the toy box and remove the kite.", None, {"move", "remove"}),
    ("Take the remote off the coffee table and put a bowl of popcorn on the table instead.",
     None, {"remove", "add"}),
    ("Make the animal on the bench black.", None, {"recolor"}),
    ("Make the larger tree orange, like in autumn.", None, {"recolor"}),
    ("Make the green star half its size.", None, {"resize"}),
    ("Replace the white pillow with a copy of the blue pillow.", None, {"replace"}),
    ("Swap the wine bottle and the candle, and make the flowers yellow.", None,
     {"swap", "recolor"}),
    ("Make the purple circle look like it is made of metal.", None, {"restyle"}),
    ("Make the lamp look striped.", None, {"restyle"}),
    ("Make the lamp look red.", None, {"recolor"}),
    ("What device can make the TV louder? Replace it with a floor lamp.", None, {"replace"}),
    ("Replace the green star with a ring.", "Keep the green star; add the ring to the left of "
     "it instead.", {"add"}),
    ("Remove all the squares.", "Don't touch the black one.", {"remove"}),
    ("I keep losing the thing I change channels with.", None, None),
    ("I keep losing the remote. Make it red so I can spot it.", None, {"recolor"}),
])
def test_ops_follow_the_verbs(instruction, feedback, ops):
    assert hinted_ops(instruction, feedback) == ops


@pytest.mark.parametrize("instruction, absent", [
    ("Remove the horse.", ["horse"]),
    ("Remove the purple mug.", ["purple mug"]),           # mugs exist, none purple
    ("Make the dog on the counter brown.", ["dog"]),
    ("Remove the blue mug.", []),
    ("Make the white mugs purple.", []),
    ("Replace the fruit richest in vitamin C with a kiwi.", []),   # a kind, not a name
    ("Remove the object on the edge of the counter.", []),
    ("Make the fridge green.", []),                       # a synonym of refrigerator
    ("Make the orange blue.", []),                        # the fruit
    ("Remove the banana peeler.", ["banana peeler"]),     # a compound's last word: no peeler
    # a part of an object in the scene (the lexicon's parts): the kettle is there
    ("Remove the kettle lid, then swap the mugs.", []),
    ("Remove the banana, make the kettle red.", []),      # stops at the comma
    ("Give the mug a wooden look.", []),                  # stops at the article
    ("Make the kettle shiny.", []),                       # a predicate, not a compound
])
def test_objects_named_outright_and_absent(kitchen, instruction, absent):
    assert _unmatched(kitchen, instruction) == absent


@pytest.mark.parametrize("with_text", ["banana", "o5", "yellow banana"])
def test_a_copy_of_an_object_in_the_picture_becomes_source(kitchen, with_text):
    edits = normalize_edits([{"op": "replace", "target": "o4", "with": with_text}], kitchen,
                            "Replace the orange with a copy of the banana.")
    assert edits == [{"op": "replace", "target": "o4", "source": "o5"}]


def test_copy_of_picks_the_instance_of_the_named_colour(kitchen):
    edits = normalize_edits([{"op": "replace", "target": "o3", "with": "mug"}], kitchen,
                            "Replace the kettle with a copy of the white mug.")
    assert edits == [{"op": "replace", "target": "o3", "source": "o7"}]


def test_feedback_can_ask_for_an_object_already_in_the_picture(kitchen):
    edits = normalize_edits([{"op": "replace", "target": "o3", "with": "mug"}], kitchen,
                            "Replace the kettle with a mug.",
                            "Don't make up a new mug; use the white mug that is already there.")
    assert edits == [{"op": "replace", "target": "o3", "source": "o7"}]


def test_a_replacement_asked_for_in_so_many_words_is_no_recolour(kitchen):
    edit = [{"op": "replace", "target": "o3", "with": "red kettle"}]
    # the model's habit ("replace with yellow" for "make it yellow") becomes a recolour ...
    assert normalize_edits(edit, kitchen, "Make the kettle red.")[0]["op"] == "recolor"
    # ... but not when the user asked for the replacement, or forbade recolouring
    assert normalize_edits(edit, kitchen, "Make the kettle red.",
                           "Replace it with a red kettle instead.") == edit
    assert normalize_edits(edit, kitchen, "Make the kettle red.", forbid={"recolor"}) == edit


def test_a_new_object_stays_a_new_object(kitchen):
    edits = [{"op": "replace", "target": "o6", "with": "teapot"}]
    assert normalize_edits(edits, kitchen, "Replace the blue mug with a teapot.") == edits


def test_an_edit_written_twice_is_kept_once(kitchen):
    twice = [{"op": "remove", "target": "o5"}, {"op": "recolor", "target": "o3", "color": "red"},
             {"op": "recolor", "target": "o3", "color": "red"}]
    assert normalize_edits(twice, kitchen, "Remove the banana and make the kettle red.") == \
        twice[:2]


@pytest.mark.parametrize("instruction, ids", [
    ("Remove the banana and make the kettle red.", ["o3", "o5"]),
    ("Make the white mug green.", ["o7"]),
    ("Make both mugs yellow.", ["o6", "o7"]),
    ("Move the orange to the left of the kettle.", ["o4"]),   # the kettle is where to
    ("Make the white mug look like it is made of wood.", ["o7"]),   # "it" is the mug
    # described, not named: only common sense knows, so no restriction
    ("Replace the fruit richest in vitamin C with a kiwi.", None),
    ("What can boil water? Remove it.", None),
    ("Remove the appliance that keeps the milk cold.", None),
])
def test_referents_named_outright_bound_the_targets(kitchen, instruction, ids):
    pytest.importorskip("spacy")
    assert named_targets(kitchen, instruction) == ids


@pytest.mark.parametrize("instruction", [
    # the milk is part of the description of the refrigerator, not a referent
    "Remove the appliance that keeps the milk cold.",
    # a question describes; its phrases are reference points (held-out laundry-room case)
    "What do I use to press the wrinkles out of a shirt? Make it blue.",
    # ("Remove the liquid I pour in ..." is no longer listed: "liquid" names no label, so the
    # planner asks the model over the labels plus "none of these" - see test_planner)
    "Make the thing my toast is sitting on blue.",
])
def test_a_described_object_is_never_reported_absent(kitchen, instruction):
    assert _unmatched(kitchen, instruction) == []


def test_a_whole_label_with_a_kind_word_is_a_name():
    room = SceneGraph.from_dict({
        "format": "sceneedit.scene-graph/1", "image": {"width": 400, "height": 300},
        "objects": [{"id": "o1", "label": "toy box", "box": [10, 100, 120, 200]},
                    {"id": "o2", "label": "teddy bear", "box": [20, 60, 60, 100]},
                    {"id": "o3", "label": "ball", "box": [200, 150, 230, 180]}]})
    # "toy" names a kind, but "the toy box" is this object's whole label
    pytest.importorskip("spacy")
    assert named_targets(room, "Remove the toy box.") == ["o1"]
    assert named_targets(room, "Put the teddy bear on top of the toy box.") == ["o2"]  # where to
    assert named_targets(room, "Move the toy a child hugs onto the box.") is None


def _unmatched(graph, instruction: str) -> list[str]:
    """The command's object phrases that name nothing in the graph (the parse + lexicon; the
    planner then asks the model about them), as bare phrases."""
    pytest.importorskip("spacy")
    from sceneedit.language import parse
    from sceneedit.reasoning.object_phrase import _bare, unmatched

    return [_bare(p).lower() for p in unmatched(graph, parse(instruction))]


@pytest.mark.parametrize("clause, ops, text", [
    ("change the laptop to silver tablet", {"replace"}, "silver tablet"),
    ("change the cake to double layer cake", {"replace"}, "double layer cake"),  # not a resize
    ("turn the sofa into a bed", {"replace"}, "bed"),
    ("change the door to iron", {"restyle"}, "iron"),
    ("change the toothbrush to metallic", {"restyle"}, "metallic"),     # lexicon adjective
    ("change the mug to light blue", {"recolor"}, "light blue"),
    ("change the size of the cup to double", {"resize"}, "double"),     # the attribute says
    ("change the material of the chair to wool", {"restyle"}, "wool"),
])
def test_the_result_of_a_make_verb_decides_the_op_and_spells_the_field(clause, ops, text):
    from sceneedit.reasoning.intent import make_result
    from sceneedit.reasoning.slots import slots
    assert clause_ops(clause) == ops and make_result(clause)[1] == text
    field = {"replace": "with", "restyle": "style"}.get(next(iter(ops)))
    if field:
        assert slots(clause).texts == {field: [text]}


def test_a_place_after_a_make_verb_is_no_result():
    from sceneedit.reasoning.intent import make_result
    assert make_result("turn the lamp to the left") is None
    assert make_result("move the cup to the plate") is None     # no make verb
