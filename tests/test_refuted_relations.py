"""A stated relation that holds for no candidate ("a wine glass on top of the stove", and no
glass is on it) lets the model answer "none of these"; "away from X" negates X; a negation in a
relative clause ends with that clause."""
from __future__ import annotations

import pytest

pytest.importorskip("spacy")

from sceneedit.reasoning.planner import Planner  # noqa: E402
from sceneedit.reasoning.ranking import rank_clause  # noqa: E402
from tests.test_ranking import IdScoringLLM, _answer, _graph, _obj  # noqa: E402


@pytest.fixture(scope="module")
def kitchen():
    """A stove with a pot on it; a wine glass on the counter beside it."""
    return _graph(_obj(1, "stove", [100, 300, 400, 500]),
                  _obj(2, "pot", [180, 220, 300, 300]),
                  _obj(3, "counter", [450, 300, 780, 500]),
                  _obj(4, "wine glass", [600, 220, 640, 300]))


def test_a_relation_no_candidate_has_refutes_the_phrase(kitchen):
    glass = rank_clause(kitchen, "remove the wine glass on top of the stove", {"remove"})
    assert glass.refuted and glass.best.id == "o4"
    assert any(e.startswith("not on_top_of stove") for e in glass.best.evidence)
    pot = rank_clause(kitchen, "remove the pot on top of the stove", {"remove"})
    assert not pot.refuted and pot.best.id == "o2"
    # negated ("not on the stove"), or where it goes (a move): nothing is refuted
    assert not rank_clause(kitchen, "remove the wine glass not on the stove", {"remove"}).refuted
    moved = rank_clause(kitchen, "move the wine glass on top of the stove", {"move"})
    assert not moved.refuted


def test_a_relation_within_its_own_kind_refutes_nothing():
    row = _graph(*(_obj(i, "zebra", [100 * i, 100, 100 * i + 80, 200]) for i in range(1, 4)))
    ranking = rank_clause(row, "remove the zebra on top of the zebra", {"remove"})
    assert ranking is not None and not ranking.refuted


def test_the_model_may_answer_none_when_the_relation_holds_for_no_candidate(kitchen):
    said = "Replace a wine glass located on top of the stove with a snowman."
    llm = IdScoringLLM("none of these")
    result = Planner(llm).plan(kitchen, said)
    assert result.plan.edits == [] and llm.schemas == []   # no plan was generated
    assert result.plan.unresolved.startswith("nothing in the scene is 'a wine glass")
    (prefix, options), = llm.scored
    assert "o4: wine glass" in prefix and "Relations:" in prefix
    assert [o.split("<")[0].strip() for o in options] == ["o4", "none of these"]
    # the model prefers the glass: the planner goes on with it
    llm = IdScoringLLM("o4", _answer({"op": "remove", "target": "o4"}))
    result = Planner(llm).plan(kitchen, "Remove a wine glass located on top of the stove.")
    assert [e.target for e in result.plan.edits] == ["o4"]


def test_the_relation_holds_so_the_model_is_not_asked_about_none(kitchen):
    llm = IdScoringLLM("none of these", _answer({"op": "remove", "target": "o2"}))
    result = Planner(llm, score_referents=True).plan(kitchen, "Remove the pot on the stove.")
    assert [e.target for e in result.plan.edits] == ["o2"]
    assert not any("none of these" in " ".join(opts) for _, opts in llm.scored)


@pytest.fixture(scope="module")
def people():
    return _graph(_obj(1, "person", [50, 100, 200, 500], facing="away"),
                  _obj(2, "tent", [250, 50, 500, 550]),
                  _obj(3, "person", [300, 150, 450, 500], facing="away"),
                  _obj(4, "person", [600, 100, 750, 500], facing="camera"))


@pytest.mark.parametrize("clause, expected", [
    ("remove the person facing away from the camera", {"o1", "o3"}),
    ("remove the person facing the camera", {"o4"}),
    # the "not" of the relative clause ends with it: "facing away" is stated, not negated
    ("replace the person who is not in a tent, facing away from the camera with a cactus",
     {"o1"}),
])
def test_away_from_negates_what_follows(people, clause, expected):
    assert set(rank_clause(people, clause, {"remove"}).ids) == expected
