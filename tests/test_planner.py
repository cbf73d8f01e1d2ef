"""The planner: logic tested deterministically with a scripted model (the answers are given, the
planner's schema, validation, repair, constraints and unresolved handling are what is tested),
and the real llama.cpp path on a tiny random-weight GGUF written during the session."""
import json

import jsonschema
import pytest

from sceneedit.palette import COLOR_NAMES
from sceneedit.plan import OPS, Plan
from sceneedit.reasoning.constraints import Constraints, constraints_from_feedback
from sceneedit.reasoning.examples import EXAMPLES
from sceneedit.reasoning.planner import Planner
from sceneedit.reasoning.prompt import build_messages, edit_docs, static_messages
from sceneedit.reasoning.schema import plan_schema
from sceneedit.scene import SceneGraph


@pytest.fixture(scope="module")
def kitchen(kitchen_graph_text):
    return SceneGraph.from_json(kitchen_graph_text)


class ScriptedLLM:
    """Answers with the given strings in turn, recording what it was asked."""

    def __init__(self, *answers):
        # a stand-in for the model; the planner still parses every instruction (spaCy, the
        # language extra that the llm extra installs)
        pytest.importorskip("spacy")
        self.answers = list(answers)
        self.calls = []

    def generate_json(self, prompt, schema, max_tokens=512, temperature=0.0, seed=0):
        self.calls.append((prompt, schema))
        return self.answers.pop(0)


def answer(edits, unresolved=None, missing=(), reasoning="r"):
    return json.dumps({"reasoning": reasoning, "edits": edits, "unresolved": unresolved,
                       "missing": list(missing)})


def test_schema_enumerates_the_scene_ids_ops_and_colours(kitchen):
    schema = plan_schema(kitchen.ids)
    jsonschema.Draft202012Validator.check_schema(schema)
    good = json.loads(answer([{"op": "recolor", "target": "o7", "color": "green"},
                              {"op": "replace", "target": "o4", "with": "apple"},
                              {"op": "replace", "target": "o4", "source": "o5"}]))
    jsonschema.validate(good, schema)
    for bad in ({"op": "recolor", "target": "o99", "color": "green"},
                {"op": "recolor", "target": "o7", "color": "mauve"},
                {"op": "replace", "target": "o4", "with": "apple", "source": "o5"},
                {"op": "move", "target": "o4", "anchor": "o5", "relation": "larger_than"},
                {"op": "resize", "target": "o4", "scale": 9}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**good, "edits": [bad]}, schema)
    text = json.dumps(schema)
    assert all(c in text for c in COLOR_NAMES) and all(f'"{op}"' in text for op in OPS)


def test_schema_honours_constraints(kitchen):
    schema = plan_schema(kitchen.ids, ops=["remove"], targets=["o3"])
    jsonschema.validate(json.loads(answer([{"op": "remove", "target": "o3"}])), schema)
    for bad in ({"op": "recolor", "target": "o3", "color": "red"},
                {"op": "remove", "target": "o4"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(json.loads(answer([bad])), schema)


def test_prompt_is_generated_from_the_declarations(kitchen):
    docs = edit_docs()
    assert all(f"- {op}:" in docs for op in OPS) and "red" in docs and "left_of" in docs
    static = static_messages()
    full = build_messages(kitchen, "Remove the kettle.")
    assert full[:len(static)] == static  # the cached prefix is the same for every request
    assert "o3: kettle (red)" in full[-1]["content"] and "Remove the kettle." in full[-1]["content"]


def test_worked_examples_are_valid_plans():
    for ex in EXAMPLES:
        plan = Plan(instruction=ex.instruction, edits=ex.edits, unresolved=ex.unresolved)
        plan.validate_against(ex.graph)


def test_valid_answer_becomes_a_plan(kitchen):
    llm = ScriptedLLM(answer([{"op": "replace", "target": "o4", "with": "apple"}]))
    result = Planner(llm).plan(kitchen, "Replace the orange with an apple.")
    assert [e.model_dump(by_alias=True) for e in result.plan.edits] == \
        [{"op": "replace", "target": "o4", "with": "apple"}]
    assert result.plan.unresolved is None and len(llm.calls) == 1


def test_semantic_error_is_repaired_with_feedback(kitchen):
    llm = ScriptedLLM(answer([{"op": "remove", "target": "o3"},
                              {"op": "recolor", "target": "o3", "color": "red"}]),
                      answer([{"op": "remove", "target": "o3"}]))
    result = Planner(llm).plan(kitchen, "Remove the kettle.")
    assert [e.op for e in result.plan.edits] == ["remove"]
    assert len(result.attempts) == 2 and "removed by edits.0" in result.attempts[0].error
    repair_turn = llm.calls[1][0][-1]["content"]
    assert "removed by edits.0" in repair_turn


def test_repair_budget_exhausted_gives_unresolved_never_an_invalid_plan(kitchen):
    bad = answer([{"op": "swap", "target": "o3", "other": "o3"}])
    llm = ScriptedLLM(bad, bad, bad)
    result = Planner(llm, max_repairs=2).plan(kitchen, "Swap the kettle with itself.")
    assert result.plan.edits == [] and "could not produce a valid plan" in result.plan.unresolved
    assert len(llm.calls) == 3


def test_truncated_output_is_an_error_not_a_crash(kitchen):
    llm = ScriptedLLM('{"reasoning": "x", "edits": [{"op": "rem',
                      answer([{"op": "remove", "target": "o3"}]))
    result = Planner(llm).plan(kitchen, "Remove the kettle.")
    assert result.plan.edits[0].target == "o3" and "not complete JSON" in result.attempts[0].error


def test_every_clause_of_a_compound_instruction_needs_an_edit(kitchen):
    three_removes = answer([{"op": "remove", "target": "o5"}, {"op": "remove", "target": "o6"},
                            {"op": "remove", "target": "o3"}])
    right = answer([{"op": "remove", "target": "o5"},
                    {"op": "recolor", "target": "o6", "color": "red"},
                    {"op": "restyle", "target": "o3", "style": "made of glass"}])
    llm = ScriptedLLM(three_removes, right)
    result = Planner(llm).plan(kitchen, "Remove the banana, make the blue mug red and make the "
                                        "kettle look like it is made of glass.")
    assert [e.op for e in result.plan.edits] == ["remove", "recolor", "restyle"]
    assert "no edit carries out 'make the blue mug red'" in result.attempts[0].error
    # the repair turn tells the model what was missing
    assert "make the blue mug red" in llm.calls[1][0][-1]["content"]


def test_unresolved_and_missing_names_for_perception(kitchen):
    # An implicit referent ("the pet that purrs") is the model's call to make.
    llm = ScriptedLLM(answer([], "there is no cat", ["cat"]))
    result = Planner(llm).plan(kitchen, "Remove the pet that purrs.")
    assert result.plan.edits == [] and result.plan.unresolved == "there is no cat"
    assert result.missing == ["cat"] and result.needs_perception and len(llm.calls) == 1


class ScoringLLM(ScriptedLLM):
    """Scripted plans, and label scores that prefer one answer (what the planner does with
    the model's preference is what is tested; the real scoring is tested in test_llm*)."""

    def __init__(self, prefer, *answers):
        super().__init__(*answers)
        self.prefer = prefer
        self.scored = []

    def format_chat(self, messages, add_generation_prompt=True):
        text = "".join(f"<|{m['role']}|>{m['content']}<|end|>" for m in messages)
        return text + ("<|assistant|>" if add_generation_prompt else "")

    def score(self, prefix, continuations):
        self.scored.append((prefix, list(continuations)))
        return [0.0 if c.strip().startswith(self.prefer) else -5.0 for c in continuations]


def test_an_absent_object_is_unresolved_only_when_the_model_prefers_none_of_these(kitchen):
    # The command's own object names nothing in the graph: the model is asked over the labels
    # plus "none of these"; "none" wins, so no plan is generated and the name goes to
    # perception. (Before the parse this was decided by a word rule with no model call.)
    llm = ScoringLLM("none of these", answer([{"op": "remove", "target": "o3"}]))
    result = Planner(llm).plan(kitchen, "Remove the cat sleeping on the counter.")
    assert llm.calls == [] and result.plan.edits == []
    assert result.plan.unresolved == "the scene has no cat"
    assert result.missing == ["cat"] and result.needs_perception
    (prefix, options), = llm.scored
    assert "the cat sleeping on the counter" in prefix
    assert [o.split("<")[0].strip() for o in options] == [
        "refrigerator", "counter", "kettle", "orange", "banana", "mug", "window", "none of these"]
    assert result.referent_scores["none of these"] == 0.0


def test_when_the_model_picks_a_stand_in_the_plan_goes_on_with_it(kitchen):
    llm = ScoringLLM("kettle", answer([{"op": "remove", "target": "o3"}]))
    result = Planner(llm).plan(kitchen, "Remove the teapot.")
    assert result.plan.unresolved is None and [e.target for e in result.plan.edits] == ["o3"]
    targets = {t for v in llm.calls[0][1]["properties"]["edits"]["items"]["anyOf"]
               for t in v["properties"].get("target", {}).get("enum", [])}
    assert targets == {"o3"}   # the grammar holds the model's pick, not every object
    assert result.referent_scores["kettle"] > result.referent_scores["none of these"]


def test_no_unresolved_without_asking_a_model(kitchen):
    # a backend that cannot score: the plan model decides, no rule answers for it
    llm = ScriptedLLM(answer([], "there is no cat", ["cat"]))
    result = Planner(llm).plan(kitchen, "Remove the cat sleeping on the counter.")
    assert len(llm.calls) == 1 and result.plan.unresolved == "there is no cat"


@pytest.mark.parametrize("instruction, edit", [
    # nouns of a scenario or a question are context, never the object of the command
    ("When people play golf they hit a small ball very far. Which thing in the kitchen is "
     "round like it? Remove it.", {"op": "remove", "target": "o4"}),
    ("The goalkeeper catches the ball with his gloves. Which fruit here has the same colour "
     "as his shirt? Make it blue.", {"op": "recolor", "target": "o4", "color": "blue"}),
])
def test_context_nouns_never_make_an_instruction_impossible(kitchen, instruction, edit):
    llm = ScoringLLM("orange", answer([edit]))
    result = Planner(llm).plan(kitchen, instruction)
    assert not any("none of these" in prefix for prefix, _ in llm.scored)
    assert llm.calls and result.plan.unresolved is None


def test_the_wording_narrows_the_ops_the_grammar_allows(kitchen):
    llm = ScriptedLLM(answer([{"op": "move", "target": "o6", "anchor": "o3",
                               "relation": "left_of"}]))
    Planner(llm).plan(kitchen, "Put the blue mug to the left of the kettle.")
    ops = {v["properties"]["op"]["const"]
           for v in llm.calls[0][1]["properties"]["edits"]["items"]["anyOf"]}
    assert ops == {"move"}
    targets = {t for v in llm.calls[0][1]["properties"]["edits"]["items"]["anyOf"]
               for t in v["properties"].get("target", {}).get("enum", [])}
    # the object the clause acts on, ranked by its colour: the blue mug (the kettle is where it
    # goes, the anchor)
    assert targets == {"o6"}


def test_feedback_constraints_narrow_the_grammar(kitchen):
    cons = constraints_from_feedback("Don't use recolor, and don't touch the kettle.", kitchen)
    assert cons.forbid_ops == {"recolor"} and cons.keep_ids == {"o3"}
    llm = ScriptedLLM(answer([{"op": "restyle", "target": "o6", "style": "striped"}]))
    previous = Plan(instruction="x", edits=[{"op": "recolor", "target": "o6", "color": "red"}])
    Planner(llm).plan(kitchen, "Change the blue mug.", feedback="Don't use recolor, and don't "
                      "touch the kettle.", previous=previous)
    prompt, schema = llm.calls[0]
    text = json.dumps(schema)
    assert '"recolor"' not in text
    targets = {json.dumps(v["properties"]["target"]) for v in
               schema["properties"]["edits"]["items"]["anyOf"] if "target" in v["properties"]}
    assert all('"o3"' not in t for t in targets)
    assert "User feedback: Don't use recolor" in prompt[-1]["content"]
    assert '"recolor"' in prompt[-1]["content"]  # the previous plan is shown


def test_structured_constraints_are_enforced_even_if_the_model_ignores_them(kitchen):
    llm = ScriptedLLM(answer([{"op": "remove", "target": "o3"}]),
                      answer([{"op": "remove", "target": "o4"}]))
    result = Planner(llm).plan(kitchen, "Remove something.",
                               constraints=Constraints(keep_ids={"o3"}))
    assert result.plan.edits[0].target == "o4"
    assert "must not be edited" in result.attempts[0].error


def test_real_llama_cpp_path_on_a_tiny_random_model(tmp_path, kitchen):
    pytest.importorskip("llama_cpp")
    from sceneedit.llm.llama import get_llm
    from sceneedit.llm.tiny_gguf import write_tiny_gguf

    path = write_tiny_gguf(tmp_path / "tiny.gguf", n_ctx=4096, seed=0)
    llm = get_llm(path, n_ctx=4096)
    planner = Planner(llm, max_tokens=200, max_repairs=1)
    result = planner.plan(kitchen, "Replace the orange with an apple.")
    # random weights: whatever it says, what leaves the planner is a valid plan
    result.plan.validate_against(kitchen) if result.plan.edits else None
    assert result.plan.edits or result.plan.unresolved
    for attempt in result.attempts:
        json.loads(attempt.raw) if attempt.error is None else None
    assert result.stats is not None and result.stats.generated_tokens > 0
    again = planner.plan(kitchen, "Replace the orange with an apple.")
    assert again.plan.to_json() == result.plan.to_json()  # deterministic
    assert again.stats.prompt_tokens_reused > 0.9 * again.stats.prompt_tokens  # prefix cached


def test_plural_instructions_cover_every_instance(kitchen):
    from sceneedit.reasoning.plurals import expand_plurals

    def plan(instruction, edits):
        return expand_plurals(Plan(instruction=instruction, edits=edits), kitchen)

    both = plan("Make both mugs red.", [{"op": "recolor", "target": "o6", "color": "red"}])
    assert sorted(e.target for e in both.edits) == ["o6", "o7"]
    # a number word that does not match the count adds nothing
    three = plan("Remove the three mugs.", [{"op": "remove", "target": "o6"}])
    assert [e.target for e in three.edits] == ["o6"]
    # a colour named in the instruction restricts the copies to that colour
    blue = plan("Remove all blue mugs.", [{"op": "remove", "target": "o6"}])
    assert [e.target for e in blue.edits] == ["o6"]
    # no quantifier: nothing changes
    one = plan("Remove the mug.", [{"op": "remove", "target": "o6"}])
    assert len(one.edits) == 1
    # through the planner, with the scripted model writing a single edit
    llm = ScriptedLLM(answer([{"op": "remove", "target": "o7"}]))
    result = Planner(llm).plan(kitchen, "Remove every mug.")
    assert sorted(e.target for e in result.plan.edits) == ["o6", "o7"]


@pytest.mark.parametrize("edit, instruction, color", [
    ({"op": "replace", "target": "o6", "with": "mug"}, "Make the blue mug yellow.", "yellow"),
    ({"op": "replace", "target": "o6", "with": "mug yellow"}, "Make it yellow.", "yellow"),
    ({"op": "replace", "target": "o6", "with": "purple"}, "Make it purple.", "purple"),
    ({"op": "restyle", "target": "o7", "style": "pink"}, "Make the white mug pink.", "pink"),
    ({"op": "replace", "target": "o6", "with": "teapot"}, "Make it a teapot.", None),
    ({"op": "restyle", "target": "o6", "style": "made of wood"}, "Make it wooden.", None),
    ({"op": "replace", "target": "o6", "with": "mug"}, "Make it red or green.", None),
])
def test_replace_or_restyle_that_means_a_recolour_is_read_as_one(kitchen, edit, instruction,
                                                                  color):
    from sceneedit.reasoning.normalize import normalize_edits

    got = normalize_edits([edit], kitchen, instruction)[0]
    if color is None:
        assert got == edit
    else:
        assert got == {"op": "recolor", "target": edit["target"], "color": color}


def test_an_orange_is_a_fruit_not_a_colour(kitchen):
    from sceneedit.reasoning.normalize import normalize_edits

    edit = {"op": "replace", "target": "o6", "with": "an orange"}
    assert normalize_edits([edit], kitchen, "Replace the mug with an orange.") == [edit]
    Plan(instruction="x", edits=[edit]).validate_against(kitchen)
