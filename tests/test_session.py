"""Multi-turn sessions: incremental graph updates (no full re-perception), stable ids,
undo / redo, revision, and the on-disk history. Real perception, planning code, rendering and
verification; the model's text is scripted (``ScriptedLLM``)."""
from __future__ import annotations

import json

import pytest

import sceneedit as se
from sceneedit.errors import InvalidInputError, SceneEditError
from sceneedit.masks import iou

from editor_support import CountingPerceiver, ScriptedLLM, allowed_targets, answer, make_scene

TURNS = [
    ("Remove the book.", [{"op": "remove", "target": "o4"}]),
    ("Make the apple green.", [{"op": "recolor", "target": "o1", "color": "green"}]),
    ("Add a yellow star left of the lamp.",
     [{"op": "add", "what": "a yellow star", "anchor": "o2", "relation": "left_of"}]),
]


@pytest.fixture(scope="module")
def scene():
    return make_scene()


@pytest.fixture(scope="module")
def played(scene):
    """A session after three turns, with the perceiver that counted its calls."""
    perceiver = CountingPerceiver()
    llm = ScriptedLLM(*(answer(edits) for _, edits in TURNS))
    session = se.Session(scene.image, se.Editor(llm=llm, perceiver=perceiver))
    original = session.graph
    results = [session.edit(instruction) for instruction, _ in TURNS]
    return session, perceiver, original, results


def test_three_turns_update_the_graph_incrementally(scene, played):
    session, perceiver, original, results = played
    assert [r.status for r in results] == ["verified"] * 3
    assert session.cursor == 3 and len(session.turns) == 4
    # the image was perceived in full once, when the session started; every turn after that
    # re-perceived only a crop around its footprint
    assert perceiver.full_calls(scene.image.shape) == 1
    crops = perceiver.shapes[1:]
    assert len(crops) == 3 and all(h * w < 0.25 * scene.image.shape[0] * scene.image.shape[1]
                                   for h, w in crops)
    g = session.graph
    assert sorted(g.ids) == ["o1", "o2", "o3", "o5"]     # o4 removed; the star is new: o5
    assert g.get("o5").label == "star" and g.get("o5").color == "yellow"
    assert g.get("o1").color == "green"
    for oid in ("o2", "o3"):  # untouched in every turn: the very same entry
        assert g.get(oid).model_dump() == original.get(oid).model_dump()
    # each turn edited the previous turn's result
    assert (session.turns[2].image[session.turns[1].image != session.turns[2].image] !=
            session.turns[1].image[session.turns[1].image != session.turns[2].image]).all()
    # the incremental graph agrees with perceiving the final image from scratch
    fresh = se.ClassicalPerceiver().perceive(session.image)
    assert len(fresh.objects) == len(g.objects)
    for o in g.objects:
        match = max(fresh.objects, key=lambda f: iou(fresh.mask_of(f.id), g.mask_of(o.id)))
        assert iou(fresh.mask_of(match.id), g.mask_of(o.id)) > 0.95
        assert (match.label, match.color) == (o.label, o.color)


def test_undo_redo(played):
    session, _, original, _ = played
    images = [t.image for t in session.turns]
    assert session.undo() is session.turns[2] and (session.image == images[2]).all()
    session.undo()
    session.undo()
    assert session.cursor == 0 and (session.image == images[0]).all()
    assert session.graph is session.turns[0].graph and not session.can_undo
    with pytest.raises(SceneEditError, match="nothing to undo"):
        session.undo()
    session.redo()
    session.redo()
    assert session.cursor == 2 and (session.image == images[2]).all()
    assert session.current.instruction == "Make the apple green."
    session.redo()
    with pytest.raises(SceneEditError, match="nothing to redo"):
        session.redo()
    assert [t.instruction for t in session.history] == [None] + [i for i, _ in TURNS]


def test_save_and_reload_round_trip(played, tmp_path):
    session, _, _, _ = played
    session.undo()  # save a session with a redo-able turn
    folder = session.save(tmp_path / "history")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == "sceneedit.session/1" and manifest["cursor"] == 2
    assert [t["instruction"] for t in manifest["turns"]] == [None] + [i for i, _ in TURNS]
    assert json.loads((folder / "turn-001.plan.json").read_text())["format"] == "sceneedit.plan/1"
    perceiver = CountingPerceiver()
    llm = ScriptedLLM(answer([{"op": "recolor", "target": "o3", "color": "red"}]))
    loaded = se.Session.load(folder, se.Editor(llm=llm, perceiver=perceiver))
    assert loaded.cursor == 2 and len(loaded.turns) == 4
    for a, b in zip(loaded.turns, session.turns):
        assert (a.image == b.image).all() and a.graph.to_json() == b.graph.to_json()
        assert (a.plan is None and b.plan is None) or a.plan.to_json() == b.plan.to_json()
        assert (a.status, a.verification) == (b.status, b.verification)
    loaded.redo()
    assert loaded.current.instruction == TURNS[2][0]
    loaded.undo()
    # editing on after a reload: no perception of the whole image, the redo-able turn dropped
    r = loaded.edit("Make the mug red.")
    assert r.ok and perceiver.full_calls(loaded.image.shape) == 0
    assert len(loaded.turns) == 4 and loaded.current.instruction == "Make the mug red."
    assert loaded.graph.get("o3").color == "red"
    session.redo()
    # saving again replaces the folder; a folder that is not a session is never overwritten
    session.save(folder)
    assert json.loads((folder / "manifest.json").read_text())["cursor"] == 3
    other = tmp_path / "photos"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(InvalidInputError, match="not a saved session"):
        session.save(other)
    assert (other / "keep.txt").read_text() == "mine"


def test_reload_errors_are_clear(played, tmp_path):
    session, _, _, _ = played
    with pytest.raises(InvalidInputError, match="not found"):
        se.Session.load(tmp_path / "nothing")
    folder = session.save(tmp_path / "s")
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        se.Session.load(folder)
    (folder / "manifest.json").write_text(json.dumps({"format": "sceneedit.session/1",
                                                      "cursor": 5, "turns": []}))
    with pytest.raises(InvalidInputError, match="cursor"):
        se.Session.load(folder)


def test_revise_replaces_the_turn_and_an_unresolved_turn_changes_nothing():
    scene = make_scene(5, [("mug", "blue"), ("mug", "red"), ("apple", "green")])
    graph = se.ClassicalPerceiver().perceive(scene.image)
    first, other = [o.id for o in graph.objects if o.label == "mug"]
    llm = ScriptedLLM(answer([{"op": "remove", "target": first}]),
                      answer([{"op": "remove", "target": other}]))
    session = se.Session(scene.image, se.Editor(llm=llm), graph=graph)
    session.edit("Remove the mug.")
    assert first not in session.graph
    r = session.revise("Not that one, the other mug.")
    # "the mug" bounds the targets to the mugs; the feedback rules out the one just removed
    assert allowed_targets(llm.calls[1][1]) == {other}
    assert r.ok and session.cursor == 1 and len(session.turns) == 2
    assert first in session.graph and other not in session.graph
    r = session.edit("Remove the cat.")   # asked, the model prefers "none of these"
    assert r.status == "unresolved" and session.cursor == 1 and len(session.turns) == 2
    assert llm.scored and "none of these" in llm.scored[-1][1][-1]
    session.undo()
    with pytest.raises(SceneEditError, match="nothing to revise"):
        session.revise("the other one")
