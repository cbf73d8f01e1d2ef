"""Referents settled by the wording before the model writes edits: superlatives and relations
(reasoning/spatial.py), feedback on a previous plan and their combination
(reasoning/referents.py), and the fields an instruction spells out (reasoning/slots.py)."""
import json

import pytest

from sceneedit.reasoning.referents import bounded_targets, feedback_kept, feedback_targets
from sceneedit.reasoning.schema import plan_schema
from sceneedit.reasoning.slots import slots
from sceneedit.reasoning.ranking import rank_clause
from sceneedit.scene import SceneGraph


def _obj(i, label, box, color=None, **attrs):
    if color:
        attrs["color"] = color
    return {"id": f"o{i}", "label": label, "box": box, "attributes": attrs}


@pytest.fixture(scope="module")
def table():
    """A breakfast table: fruits, a plate with toast, pencils of three lengths, two mugs by a
    kettle and a cat on a bench."""
    return SceneGraph.from_dict({
        "format": "sceneedit.scene-graph/1", "image": {"width": 800, "height": 600},
        "objects": [
            _obj(1, "table", [0, 300, 800, 600], "brown"),
            _obj(2, "plate", [80, 300, 240, 380], "white"),
            _obj(3, "toast", [120, 310, 200, 360], "brown"),
            _obj(4, "apple", [300, 250, 360, 310], "red"),
            _obj(5, "orange", [380, 240, 450, 310], "orange"),
            _obj(6, "apple", [600, 260, 640, 300], "green"),
            _obj(7, "pencil", [560, 360, 670, 372], "yellow"),
            _obj(8, "pencil", [560, 382, 620, 394], "green"),
            _obj(9, "pencil", [560, 404, 700, 416], "red"),
            _obj(10, "mug", [460, 218, 494, 262], "blue"),
            _obj(11, "mug", [540, 222, 570, 262], "red"),
            _obj(12, "kettle", [578, 190, 630, 262], "gray"),
            _obj(13, "bench", [20, 100, 260, 200], "black"),
            _obj(14, "cat", [100, 60, 150, 110], "white"),
            _obj(15, "notebook", [300, 100, 350, 130], "blue"),
            _obj(16, "stapler", [380, 105, 420, 125], "red"),
            _obj(17, "keyboard", [450, 100, 560, 130], "black"),
        ],
    })


@pytest.mark.parametrize("clause, expected", [
    ("make the rightmost fruit cyan", ["o6"]),          # a kind word covers apples and oranges
    ("remove the leftmost apple", ["o4"]),
    ("remove the shortest pencil", ["o8"]),             # length, whatever the orientation
    # red objects: apple o4 (3600 px), pencil o9 (1680), mug o11 (1200), stapler o16 (800)
    ("make the largest red object blue", ["o4"]),
    ("remove the mug on the far right", ["o11"]),
    ("make the smallest shape pink", None),             # no shape in the scene: the model decides
])
def test_superlatives_pick_by_geometry(table, clause, expected):
    ranking = rank_clause(table, clause)
    assert (ranking and ranking.ids) == expected


@pytest.mark.parametrize("clause, expected", [
    ("make the apple to the right of the orange gray", ["o6"]),
    ("replace the food on the plate with pancakes", ["o3"]),      # "food": any object on it
    ("swap the mug next to the kettle with the plate", ["o11"]),  # the closest of the two
    ("make the animal on the bench black", ["o14"]),
    ("make the object between the notebook and the keyboard blue", ["o16"]),
    ("make the orange to the left of the apple yellow", ["o5"]),  # a colour word as the noun
    ("remove the horse next to the kettle", None),                # no horse: not settled
    ("remove the shape with a hole in the middle", None),         # a place, not an anchor
])
def test_relations_pick_by_geometry(table, clause, expected):
    ranking = rank_clause(table, clause)
    assert (ranking and ranking.ids) == expected


def test_a_relation_in_a_move_clause_is_where_to_not_which(table):
    assert rank_clause(table, "move the leftmost apple next to the kettle", {"move"}).ids == \
        ["o4"]
    # both mugs stay candidates: "next to the kettle" is where the mug goes
    assert rank_clause(table, "move the mug next to the kettle", {"move"}).ids == ["o10", "o11"]


def test_compound_instructions_combine_spatial_and_named_referents(table):
    assert bounded_targets(table, "Remove the leftmost apple and make the kettle red.") == \
        ["o4", "o12"]
    # one clause only common sense can resolve: nothing is settled
    assert bounded_targets(table, "Remove the rightmost apple and paint the thing I write "
                                  "with blue.") is None


def test_feedback_points_at_the_other_or_the_named_colour(table):
    assert feedback_targets(table, "Not that one, the green one.", ["o4"]) == ["o6"]
    assert feedback_targets(table, "Not that one, the other apple.", ["o4"]) == ["o6"]
    assert feedback_targets(table, "I meant all of the mugs.", ["o10"]) == ["o10", "o11"]
    assert feedback_targets(table, "Make it brighter.", ["o4"]) is None
    assert feedback_kept(table, "Don't touch the red one.", ["o7", "o8", "o9"]) == {"o9"}
    assert feedback_kept(table, "Not that one, the red one.", ["o7"]) == set()
    assert bounded_targets(table, "Remove the apple.", "Not that one, the green one.",
                           ["o4"]) == ["o6"]


@pytest.mark.parametrize("instruction, feedback, texts, relations", [
    ("Replace the thing that wakes me up with a small potted plant.", None,
     {"with": ["small potted plant"]}, []),
    ("Replace the shape with three corners with a hexagon.", None, {"with": ["hexagon"]}, []),
    ("Replace the apple with a copy of the mug.", None, {}, []),
    ("Add a garden gnome in front of the bench and paint the birdhouse blue.", None,
     {"what": ["garden gnome"]}, ["in_front_of"]),
    ("Move the soft toy onto the nightstand.", None, {}, ["on_top_of"]),
    ("Make the blue cushion look like it is made of velvet.", None,
     {"style": ["made of velvet"]}, []),
    ("Replace the kite with a hot air balloon.",
     "Keep the kite; add the balloon to the left of it instead.",
     {"what": ["hot air balloon"]}, ["left_of"]),
    ("Make the pen red.", "Don't use recolor; replace it with a red pen instead.",
     {"with": ["red pen"]}, []),
    ("Move the lamp and add a star above the square.", None, {"what": ["star"]}, []),
    ("Remove the mug and make the lamp look striped.", None, {"style": ["striped"]}, []),
])
def test_slots_copy_what_the_wording_spells_out(instruction, feedback, texts, relations):
    found = slots(instruction, feedback)
    assert found.texts == texts
    assert found.relations == relations   # [] when some placing clause names no relation


def test_slots_become_enums_in_the_decoding_schema():
    schema = plan_schema(["o1", "o2"], ["replace", "move"], None,
                         slots("Replace the cup with a teapot and move the pot onto the mat."))
    shapes = schema["properties"]["edits"]["items"]["anyOf"]
    with_shape = next(s for s in shapes if "with" in s["properties"])
    move_shape = next(s for s in shapes if s["properties"]["op"] == {"const": "move"})
    assert with_shape["properties"]["with"] == {"enum": ["teapot"]}
    assert move_shape["properties"]["relation"] == {"enum": ["on_top_of"]}
    free = plan_schema(["o1"], ["replace"])["properties"]["edits"]["items"]["anyOf"][0]
    assert free["properties"]["with"]["type"] == "string"


# ---- described referents: labels scored by likelihood (reasoning/described.py) -----------

class ScoringLLM:
    """A model whose label likelihoods are given (per label, summed over the two prompts the
    scorer asks), and whose plan answers are given in turn."""

    def __init__(self, label_scores, *answers):
        # a stand-in for the model; the planner still parses every instruction (spaCy, the
        # language extra that the llm extra installs)
        pytest.importorskip("spacy")
        self.label_scores = label_scores
        self.answers = list(answers)
        self.scored, self.schemas = [], []

    def format_chat(self, messages, add_generation_prompt=True):
        text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
        return text + ("<|im_start|>assistant\n" if add_generation_prompt else "")

    def score(self, prefix, continuations):
        self.scored.append((prefix, list(continuations)))
        return [self.label_scores.get(c.strip().split(".")[0], -50.0) / 2 for c in continuations]

    def generate_json(self, prompt, schema, max_tokens=512, temperature=0.0, seed=0):
        self.schemas.append(schema)
        return self.answers.pop(0)


def test_description_turns_the_describing_part_into_a_question():
    from sceneedit.reasoning.described import description
    assert description("Replace the thing that wakes me up every morning with a small potted "
                       "plant.") == "What is the thing that wakes me up every morning?"
    assert description("What do I squeeze onto my toothbrush? Replace it with a bar of soap.") \
        == "What do i squeeze onto my toothbrush?"
    assert description("Find the fruit richest in vitamin C and make it purple.") == \
        "What is the fruit richest in vitamin c?"
    assert description("Move the thing I point and click with to the left of the keyboard.") \
        == "What is the thing i point and click with?"


def test_candidates_drop_named_objects_and_keep_the_named_kind(table):
    from sceneedit.reasoning.described import applies, candidates
    # the plate and toast are reference points, the kettle is the new object
    labels = candidates(table, "Replace the thing my toast sits on, next to the plate, with a "
                               "kettle.")
    assert "toast" not in labels and "plate" not in labels and "kettle" not in labels
    assert "table" in labels and "bench" in labels
    assert candidates(table, "Replace the fruit richest in vitamin C with a kiwi.") == \
        ["apple", "orange"]
    assert applies("Remove the thing that wakes me up.")
    assert not applies("Remove all the fruits.")             # plural: one label would be wrong
    assert not applies("Clear the tools off the bench.")
    assert not applies("Remove the thing I write with and make the apple red.")  # compound


def test_the_best_scoring_label_bounds_the_plan_targets(table):
    from sceneedit.reasoning.planner import Planner
    llm = ScoringLLM({"orange": -1.0, "apple": -3.0},
                     json.dumps({"reasoning": "r", "edits": [{"op": "replace", "target": "o5",
                                                                "with": "kiwi"}],
                                 "unresolved": None, "missing": []}))
    result = Planner(llm).plan(table, "Replace the fruit richest in vitamin C with a kiwi.")
    assert result.referent_scores == {"apple": -3.0, "orange": -1.0}
    assert [e.target for e in result.plan.edits] == ["o5"]
    edit_shapes = llm.schemas[0]["properties"]["edits"]["items"]["anyOf"]
    assert {json.dumps(s["properties"]["target"]) for s in edit_shapes} == {'{"enum": ["o5"]}'}
    # both prompts end each label with the template's end-of-turn marker or bare
    listed, bare = llm.scored
    assert listed[1] == [" apple.<|im_end|>", " orange.<|im_end|>"]
    assert bare[1] == [" apple", " orange"] and "vitamin c?" in bare[0]


def test_named_referents_skip_scoring(table):
    from sceneedit.reasoning.planner import Planner
    llm = ScoringLLM({}, json.dumps({"reasoning": "r", "edits": [{"op": "remove",
                                                                   "target": "o12"}],
                                     "unresolved": None, "missing": []}))
    result = Planner(llm).plan(table, "Remove the kettle.")
    assert llm.scored == [] and result.referent_scores is None


def test_material_adjectives_pick_by_the_material_attribute():
    from sceneedit.reasoning.referents import named_targets as referent_candidates
    room = SceneGraph.from_dict({
        "format": "sceneedit.scene-graph/1", "image": {"width": 400, "height": 300},
        "objects": [_obj(1, "chair", [10, 10, 60, 90], "brown", material="wood"),
                    _obj(2, "chair", [100, 10, 150, 90], "white", material="plastic"),
                    _obj(3, "chair", [200, 10, 250, 90], "brown", material="wood"),
                    _obj(4, "glass", [300, 10, 320, 40], "white")]})
    assert referent_candidates(room, "Make the wooden chairs black.") == ["o1", "o3"]
    assert referent_candidates(room, "Make the metal chairs black.") == ["o1", "o2", "o3"]
    assert referent_candidates(room, "Remove the glass.") == ["o4"]   # a label, not a material


def test_placement_anchors_bound_the_anchor_field(table):
    from sceneedit.reasoning.referents import anchor_targets
    found = slots("Move the rightmost fruit to the left of the plate.")
    assert (found.relations, found.anchors) == (["left_of"], ["plate"])
    assert anchor_targets(table, found) == ["o2"]
    assert anchor_targets(table, slots("Add a star above the red mug.")) == ["o11"]
    # "of it" in feedback: the object the previous plan edited
    fb = slots("Replace the kettle with a lamp.", "Keep the kettle; add the lamp left of it.")
    assert anchor_targets(table, fb, ["o12"]) == ["o12"] and anchor_targets(table, fb) is None
    assert anchor_targets(table, slots("Move the cat next to the horse.")) is None
    schema = plan_schema(table.ids, ["move"], ["o6"], found, ["o2"])
    move = schema["properties"]["edits"]["items"]["anyOf"][0]["properties"]
    assert move["anchor"] == {"enum": ["o2"]} and move["target"] == {"enum": ["o6"]}


# ---- one edit per clause (reasoning/per_clause.py) ------------------------------------------

def test_a_compound_of_one_object_clauses_gets_one_edit_per_clause(table):
    import jsonschema

    from sceneedit.plan import OPS
    from sceneedit.reasoning.per_clause import one_edit_per_clause
    specs = one_edit_per_clause(table, "Remove the kettle, make the cat red and move the "
                                       "leftmost apple onto the plate.", OPS)
    assert [(s.ops, s.targets, s.anchors) for s in specs] == [
        (["remove"], ["o12"], None), (["recolor"], ["o14"], None),
        (["move"], ["o4"], ["o2"])]
    schema = plan_schema(table.ids, OPS, None, None, None, specs)
    jsonschema.Draft202012Validator.check_schema(schema)

    def answer(edits):
        return {"reasoning": "r", "edits": edits, "unresolved": None, "missing": []}
    right = [{"op": "remove", "target": "o12"}, {"op": "recolor", "target": "o14", "color": "red"},
             {"op": "move", "target": "o4", "anchor": "o2", "relation": "on_top_of"}]
    jsonschema.validate(answer(right), schema)
    jsonschema.validate(answer([]), schema)   # unresolved stays possible
    for wrong in ([right[0]] * 3, right[:2], right[1:] + right[:1],
                  right[:2] + [{**right[2], "anchor": "o1"}]):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(answer(wrong), schema)


@pytest.mark.parametrize("instruction", [
    "Remove both mugs and make the cat red.",        # a clause with several edits
    "Remove the mugs and make the cat red.",
    "Remove the thing I write with and make the cat red.",   # only common sense finds it
    "Remove the kettle.",                            # one clause: the general schema
])
def test_other_instructions_keep_the_general_schema(table, instruction):
    from sceneedit.plan import OPS
    from sceneedit.reasoning.per_clause import one_edit_per_clause
    assert one_edit_per_clause(table, instruction, OPS) is None


def test_a_swap_clause_targets_its_first_object_and_pairs_it_with_the_last(table):
    from sceneedit.plan import OPS
    from sceneedit.reasoning.per_clause import one_edit_per_clause
    specs = one_edit_per_clause(table, "Swap the kettle and the cat, and make the plate red.",
                                OPS)
    assert [(s.ops, s.targets) for s in specs] == [(["swap"], ["o12"]), (["recolor"], ["o2"])]


def test_the_last_phrase_of_a_swap_bounds_the_other_field(table):
    from sceneedit.reasoning.referents import swap_partners
    assert swap_partners(table, "Swap the mug next to the kettle with the plate.") == ["o2"]
    assert swap_partners(table, "Swap the cat and the blue mug, then remove the toast.") == \
        ["o10"]
    assert swap_partners(table, "Swap the two mugs.") is None
    assert swap_partners(table, "Remove the kettle.") is None
    schema = plan_schema(table.ids, ["swap"], ["o11"], None, None, None, ["o2"])
    swap = schema["properties"]["edits"]["items"]["anyOf"][0]["properties"]
    assert swap["target"] == {"enum": ["o11"]} and swap["other"] == {"enum": ["o2"]}


def test_places_things_are_taken_from_and_copied_objects_are_not_targets(table):
    from sceneedit.plan import OPS
    from sceneedit.reasoning.per_clause import one_edit_per_clause
    from sceneedit.reasoning.referents import places_left
    assert places_left(table, "take the toast off the plate") == ["o2"]
    assert places_left(table, "remove the cat from the bench") == ["o13"]
    specs = one_edit_per_clause(table, "Take the toast off the plate and put a bowl of soup on "
                                       "the table instead.", OPS)
    assert [(s.ops, s.targets, s.anchors) for s in specs] == [
        (["remove"], ["o3"], None), (["add"], None, ["o1"])]
    assert specs[1].slots.texts == {"what": ["bowl of soup"]}
    assert bounded_targets(table, "Replace the green apple with a copy of the red apple.") == \
        ["o6"]


def test_copied_objects_bound_the_source_field(table):
    from sceneedit.reasoning.planner import Planner
    llm = ScoringLLM({}, json.dumps({"reasoning": "r", "edits": [
        {"op": "replace", "target": "o4", "source": "o6"}], "unresolved": None, "missing": []}))
    result = Planner(llm).plan(table, "Replace the red apple with a copy of the green apple.")
    shapes = llm.schemas[0]["properties"]["edits"]["items"]["anyOf"]
    with_source = [s for s in shapes if "source" in s["properties"]]
    assert [s["properties"]["source"] for s in with_source] == [{"enum": ["o6"]}]
    assert [(e.target, e.source) for e in result.plan.edits] == [("o4", "o6")]


def test_a_protected_object_is_never_added_back_by_plural_expansion(table):
    from sceneedit.plan import Plan
    from sceneedit.reasoning.planner import Planner
    previous = Plan(instruction="Remove all the pencils.",
                    edits=[{"op": "remove", "target": i} for i in ("o7", "o8", "o9")])
    llm = ScoringLLM({}, json.dumps({"reasoning": "r", "edits": [
        {"op": "remove", "target": "o7"}], "unresolved": None, "missing": []}))
    result = Planner(llm).plan(table, "Remove all the pencils.",
                               feedback="Don't touch the green one.", previous=previous)
    assert sorted(e.target for e in result.plan.edits) == ["o7", "o9"]   # o8 is green
    assert len(result.attempts) == 1


def test_one_of_is_no_pronoun_and_a_copy_wins_over_a_stray_id(table):
    from sceneedit.reasoning.normalize import normalize_edits
    assert bounded_targets(table, "Replace the blue mug with a copy of one of the apples.") == \
        ["o10"]
    edit = [{"op": "replace", "target": "o10", "with": "o6"}]
    assert normalize_edits(edit, table, "Replace the blue mug with a copy of the red apple.") == \
        [{"op": "replace", "target": "o10", "source": "o4"}]


def test_a_replan_on_named_objects_must_act(table):
    from sceneedit.plan import Plan
    from sceneedit.reasoning.planner import Planner
    previous = Plan(instruction="Remove the apples.",
                    edits=[{"op": "remove", "target": "o4"}, {"op": "remove", "target": "o6"}])
    llm = ScoringLLM({}, json.dumps({"reasoning": "r", "edits": [
        {"op": "remove", "target": "o4"}], "unresolved": None, "missing": []}))
    Planner(llm).plan(table, "Remove the apples.", feedback="Don't touch the green one.",
                      previous=previous)
    assert llm.schemas[0]["properties"]["edits"]["minItems"] == 1
    llm = ScoringLLM({}, json.dumps({"reasoning": "r", "edits": [
        {"op": "remove", "target": "o4"}], "unresolved": None, "missing": []}))
    Planner(llm).plan(table, "Remove the apples.")
    assert "minItems" not in llm.schemas[0]["properties"]["edits"]
