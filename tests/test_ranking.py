"""Referents as ranked candidates (reasoning/ranking.py, evidence.py, phrases.py): the lexicon
names the candidates, colour / attributes / place / relations rank them, negation is local, the
model only breaks ties the evidence leaves, and the planner states the evidence and its close
calls (``alternatives``)."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("spacy")

from sceneedit.plan import Plan  # noqa: E402
from sceneedit.reasoning.planner import Planner  # noqa: E402
from sceneedit.reasoning.ranking import rank_clause  # noqa: E402
from sceneedit.scene import SceneGraph  # noqa: E402


def _obj(i, label, box, color=None, **attrs):
    if color:
        attrs["color"] = color
    return {"id": f"o{i}", "label": label, "box": box, "attributes": attrs}


def _graph(*objects, size=(800, 600)):
    return SceneGraph.from_dict({"format": "sceneedit.scene-graph/1",
                                 "image": {"width": size[0], "height": size[1]},
                                 "objects": list(objects)})


@pytest.fixture(scope="module")
def people():
    """Three people in a row, told apart only by what they wear and hold."""
    return _graph(
        _obj(1, "person", [50, 100, 200, 500], wearing="necklace", hat="no", holding="nothing"),
        _obj(2, "person", [300, 100, 450, 500], wearing="necklace", hat="yes", holding="glass"),
        _obj(3, "person", [550, 100, 700, 500], wearing="white top", hat="no", holding="glass"))


def _best(graph, clause, ops=()):
    ranking = rank_clause(graph, clause, set(ops))
    return ranking.best.id if ranking else None


@pytest.mark.parametrize("clause, expected", [
    # a negation covers only what follows it, up to "and" / a comma
    ("remove the person wearing a necklace and no hat", "o1"),
    ("remove the person wearing a necklace and a hat", "o2"),
    ("remove the person not holding anything", "o1"),
    ("replace the person in a white top with a statue", "o3"),   # top=... from "white top"
    ("remove the person who is not wearing a necklace", "o3"),
])
def test_attributes_and_local_negation_rank_the_people(people, clause, expected):
    assert _best(people, clause) == expected


@pytest.fixture(scope="module")
def shelf():
    """Four plants in a row, a cup on a table and one beside it, two bottles."""
    return _graph(
        _obj(1, "plant", [20, 50, 80, 150], "green"),
        _obj(2, "plant", [120, 50, 180, 150], "green"),
        _obj(3, "plant", [220, 50, 280, 150], "green"),
        _obj(4, "plant", [320, 50, 380, 150], "green"),
        _obj(5, "table", [400, 300, 700, 420], "brown"),
        _obj(6, "cup", [450, 260, 490, 302], "white"),
        _obj(7, "cup", [720, 380, 760, 420], "white"),
        _obj(8, "bottle", [100, 400, 140, 500], "green"),
        _obj(9, "bottle", [200, 400, 240, 500], "blue"))


@pytest.mark.parametrize("clause, expected", [
    ("remove the second plant from the right", "o3"),
    ("remove the second plant from the left", "o2"),
    ("remove the last plant", "o4"),
    ("remove the leftmost plant", "o1"),
    ("remove the cup on the table", "o6"),                      # scene/relations.py: on_top_of
    ("remove the cup that is not on the table", "o7"),
    ("remove the bottle that is not green", "o9"),
    ("remove the bottle except the blue one", "o8"),
])
def test_place_relations_exclusions_pick_one(shelf, clause, expected):
    assert _best(shelf, clause) == expected


def test_the_colour_asked_for_is_no_description(shelf):
    # "... to blue" is the result, not which bottle: nothing separates the two
    ranking = rank_clause(shelf, "change the color of the bottle to blue", {"recolor"})
    assert {c.id for c in ranking.candidates} == {"o8", "o9"}
    assert not any(c.evidence for c in ranking.candidates) and ranking.ambiguous
    # the mis-parse "make the rightmost plant cyan" (object "the rightmost", "plant cyan")
    assert _best(shelf, "make the rightmost plant cyan", {"recolor"}) == "o4"


def test_owner_and_attribute_phrases_act_on_the_object(people):
    assert {c.id for c in rank_clause(people, "change the material of person's jacket to "
                                              "wool").candidates} == {"o1", "o2", "o3"}
    assert rank_clause(shelf_graph(), "change the color of the left bottle to red").best.id \
        == "o8"


def shelf_graph():
    return _graph(_obj(8, "bottle", [100, 400, 140, 500], "green"),
                  _obj(9, "bottle", [200, 400, 240, 500], "blue"))


def test_decided_rankings_bound_the_grammar_close_ones_keep_their_candidates(shelf):
    decided = rank_clause(shelf, "remove the leftmost plant")
    assert decided.decided and decided.ids == ["o1"] and decided.alternatives("o1") == []
    tie = rank_clause(shelf, "remove the bottle")
    assert not tie.decided and sorted(tie.ids) == ["o8", "o9"]
    alts = tie.alternatives("o9")
    assert [a["id"] for a in alts] == ["o9", "o8"] and alts[0]["score"] == pytest.approx(0.5)
    assert "leftmost" in decided.reason() and decided.reason().startswith("'the leftmost plant'")


class IdScoringLLM:
    """A model that prefers one object id when asked which object a phrase is, and answers
    plans in turn; it records what it was asked."""

    def __init__(self, prefer, *answers):
        self.prefer, self.answers = prefer, list(answers)
        self.scored, self.schemas = [], []

    def format_chat(self, messages, add_generation_prompt=True):
        text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
        return text + ("<|im_start|>assistant\n" if add_generation_prompt else "")

    def score(self, prefix, continuations):
        self.scored.append((prefix, list(continuations)))
        return [0.0 if c.strip().startswith(self.prefer) else -3.0 for c in continuations]

    def generate_json(self, messages, schema, max_tokens=384, seed=0):
        self.schemas.append(schema)
        return self.answers.pop(0)


def _answer(*edits):
    return json.dumps({"reasoning": "r", "edits": list(edits), "unresolved": None,
                       "missing": []})


def test_the_model_breaks_a_tie_the_evidence_leaves(people):
    # "wearing a necklace": o1 and o2 tie on the evidence; the model prefers o2
    llm = IdScoringLLM("o2")
    ranking = rank_clause(people, "remove the person wearing a necklace", {"remove"}, llm=llm,
                          instruction="Remove the person wearing a necklace.")
    assert ranking.asked_model and ranking.best.id == "o2" and ranking.decided
    (prefix, options), = llm.scored
    assert "o1: person" in prefix and "o3" not in prefix    # only the close candidates
    assert [o.split("<")[0].strip() for o in options] == ["o1", "o2"]
    # no evidence at all ("the person"): a description, not a tie for the model to break here
    llm = IdScoringLLM("o2")
    assert not rank_clause(people, "remove the person", {"remove"}, llm=llm).asked_model
    assert llm.scored == []


def test_the_plan_states_its_evidence_and_its_close_calls(shelf):
    llm = IdScoringLLM("none", _answer({"op": "remove", "target": "o1"}))
    result = Planner(llm, score_referents=False).plan(shelf, "Remove the leftmost plant.")
    assert [e.target for e in result.plan.edits] == ["o1"]
    assert "evidence: 'the leftmost plant' -> o1 (plant): leftmost +3.0" in result.plan.reasoning
    assert result.plan.alternatives == []
    # two bottles and nothing to tell them apart: the plan says so
    llm = IdScoringLLM("none", _answer({"op": "remove", "target": "o9"}))
    plan = Planner(llm, score_referents=False).plan(shelf, "Remove the bottle.").plan
    (alt,) = plan.alternatives
    assert (alt.edit, alt.field, [c.id for c in alt.candidates]) == (0, "target", ["o9", "o8"])
    again = Plan.from_dict(json.loads(plan.to_json()))
    assert again.alternatives == plan.alternatives
    assert [e.target for e in plan.choose("o8").edits] == ["o8"]


def test_a_phrase_the_parser_cut_short_takes_the_next_noun():
    chairs = _graph(_obj(1, "chair", [10, 10, 60, 90], "brown", material="wood"),
                    _obj(2, "chair", [100, 10, 150, 90], "white", material="plastic"),
                    _obj(3, "chair", [200, 10, 250, 90], "brown", material="wood"))
    # the small parser reads "the metal" as the object of "make the metal chairs black"
    ranking = rank_clause(chairs, "make the metal chairs black", {"recolor"})
    assert ranking.plural and sorted(ranking.ids) == ["o1", "o2", "o3"]
    # "wooden" means material=wood (lexicon adjective_nouns)
    assert sorted(rank_clause(chairs, "make the wooden chairs black", {"recolor"}).ids) == \
        ["o1", "o3"]


def test_a_plural_object_leaves_the_clause_to_the_general_schema(shelf):
    from sceneedit.ops import OP_REGISTRY
    from sceneedit.reasoning.per_clause import one_edit_per_clause
    per_clause = one_edit_per_clause(shelf, "remove the leftmost plant\nadd two eggs to the "
                                            "table", OP_REGISTRY.names)
    assert [c.targets for c in per_clause] == [["o1"], None]   # two eggs: one add
    assert one_edit_per_clause(shelf, "remove the two bottles\nremove the leftmost plant",
                               OP_REGISTRY.names) is None


def test_the_referents_guide_runs_as_written():
    import re
    from pathlib import Path
    guide = (Path(__file__).resolve().parents[1] / "docs" / "referents.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", guide, re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "docs/referents.md", "exec"), {})
