"""A plan's ``alternatives``: ambiguity is said, not hidden.

Hand-written plans over the kitchen example graph (two mugs: o6 blue, o7 white) for the document
side, and over a synthetic scene with two mugs for rendering: the Editor and Session pick
another candidate by re-rendering the same plan, with a planner that fails the test if it is
asked again. Perception, compiler, bricks, executor and verification are the real ones.
"""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import sceneedit as se
from sceneedit.alternatives import ID_FIELDS, did_you_mean, parse_pick
from sceneedit.cli_alternatives import alternatives_lines, apply_choices
from sceneedit.errors import SceneEditError, ValidationError
from sceneedit.ops import OP_REGISTRY
from sceneedit.plan import Alternative, Candidate, Plan
from sceneedit.reasoning.planner import PlanResult
from sceneedit.scene import SceneGraph

from conftest import EXAMPLES
from editor_support import make_scene


@pytest.fixture(scope="module")
def kitchen() -> SceneGraph:
    return SceneGraph.load(EXAMPLES / "kitchen.graph.json")


def mug_plan(**extra) -> Plan:
    """"Make the mug green": the planner took o6 but could barely tell it from o7."""
    return Plan(instruction="Make the mug green.",
                edits=[{"op": "recolor", "target": "o6", "color": "green"}],
                alternatives=[Alternative(edit=0, field="target", candidates=[
                    Candidate(id="o6", score=0.51), Candidate(id="o7", score=0.49)])], **extra)


# ---- the document ------------------------------------------------------------------------
def test_round_trip_with_alternatives_and_absent_key_without(kitchen):
    plan = mug_plan()
    data = json.loads(plan.to_json())
    assert data["alternatives"] == [{"edit": 0, "field": "target", "candidates": [
        {"id": "o6", "score": 0.51}, {"id": "o7", "score": 0.49}]}]
    again = Plan.from_json(plan.to_json())
    assert again == plan and again.alternatives[0].candidates[1].id == "o7"
    assert again.validate_against(kitchen) is kitchen
    # a clear choice: no key at all (v1 readers see the document they always saw), also when
    # a document spells it as []
    for given in ({}, {"alternatives": []}):
        doc = {"format": "sceneedit.plan/1", "instruction": "x", "edits": [
            {"op": "remove", "target": "o3"}], "unresolved": None, **given}
        assert "alternatives" not in json.loads(Plan.from_dict(doc).to_json())
    # the planner may pass plain dicts; they become the typed entries
    assert Plan(instruction="x", edits=[{"op": "remove", "target": "o6"}], alternatives=[
        {"edit": 0, "field": "target", "candidates": [{"id": "o6", "score": -1.2},
                                                      {"id": "o7", "score": -1.3}]}]
    ).alternatives[0].candidates[0] == Candidate(id="o6", score=-1.2)


def test_spec_id_fields_cover_every_op():
    held = {f for spec in OP_REGISTRY for f in spec.model.id_fields}
    assert held <= set(ID_FIELDS), f"an op holds an id field the spec does not name: {held}"


def _alt(edit=0, field="target", ids=("o6", "o7")):
    return {"edit": edit, "field": field,
            "candidates": [{"id": i, "score": 1.0 - k / 10} for k, i in enumerate(ids)]}


RECOLOR = {"op": "recolor", "target": "o6", "color": "green"}
MOVE = {"op": "move", "target": "o6", "anchor": "o2", "relation": "left_of"}


@pytest.mark.parametrize("edits, alternatives, field, needle, choices", [
    ([RECOLOR], [_alt(edit=1)], "plan.alternatives.0.edit", "not an index", None),
    ([RECOLOR], [_alt(edit=-1)], "plan.alternatives.0.edit", "not an index", None),
    ([RECOLOR], [_alt(field="anchor")], "plan.alternatives.0.field", "has no 'anchor'",
     ["target"]),
    ([MOVE], [_alt(field="source")], "plan.alternatives.0.field", "(move) has no 'source'",
     ["anchor", "target"]),
    ([RECOLOR], [_alt(ids=("o7", "o6"))], "plan.alternatives.0.candidates.0.id",
     "must be the id edits.0.target holds (o6), got o7", None),
    ([RECOLOR], [_alt(ids=("o6", "o42"))], "plan.alternatives.0.candidates.1.id",
     "unknown object id 'o42'", None),
    ([RECOLOR], [_alt(ids=("o6",))], "plan.alternatives.0.candidates", "at least 2", None),
    ([RECOLOR], [_alt(ids=("o6", "o7", "o6"))], "plan.alternatives.0.candidates",
     "o6 is listed twice", None),
    ([RECOLOR], [_alt(), _alt(ids=("o6", "o5"))], "plan.alternatives.1",
     "a second entry for edits.0.target", None),
])
def test_each_validation_error_names_the_field(kitchen, edits, alternatives, field, needle,
                                               choices):
    plan = Plan(instruction="x", edits=edits, alternatives=alternatives)
    with pytest.raises(ValidationError) as info:
        plan.validate_against(kitchen)
    assert info.value.field == field and needle in str(info.value)
    if choices is not None:
        assert info.value.choices == choices


@pytest.mark.parametrize("entry, field", [
    ({"edit": 0, "field": "targt", "candidates": []}, "plan.alternatives.0.field"),
    ({"edit": "0", "field": "target", "candidates": []}, "plan.alternatives.0.edit"),
    ({"edit": 0, "field": "target", "candidates": [{"id": "o6", "score": "high"}]},
     "plan.alternatives.0.candidates.0.score"),
    ({"edit": 0, "field": "target"}, "plan.alternatives.0.candidates"),
])
def test_malformed_entries_are_refused_when_read(entry, field):
    doc = {"format": "sceneedit.plan/1", "instruction": "x", "edits": [RECOLOR],
           "unresolved": None, "alternatives": [entry]}
    with pytest.raises(ValidationError) as info:
        Plan.from_dict(doc)
    assert info.value.field == field
    if field.endswith(".field"):
        assert info.value.choices == sorted(ID_FIELDS)


# ---- choosing ----------------------------------------------------------------------------
def test_choose_swaps_the_target_and_keeps_the_choice_recorded(kitchen):
    plan = mug_plan(graph=kitchen)
    other = plan.choose("o7")
    assert other.edits[0].target == "o7" and other.edits[0].color == "green"
    assert other.alternatives[0].ids == ["o7", "o6"]              # the chosen one first
    assert other.alternatives[0].candidates[1].score == 0.51      # the ranking stays
    assert plan.edits[0].target == "o6" and plan.alternatives[0].ids == ["o6", "o7"]
    assert other.validate_against() is kitchen
    back = other.choose("o6", edit=0, field="target")             # the explicit form
    assert back.edits == plan.edits and back.alternatives == plan.alternatives
    with pytest.raises(ValidationError) as info:
        plan.choose("o5")
    assert info.value.field == "plan.alternatives.0.candidates"
    assert info.value.choices == ["o6", "o7"] and "not a candidate for edits.0.target" in \
        str(info.value)
    with pytest.raises(ValidationError, match="no alternatives"):
        Plan(instruction="x", edits=[RECOLOR]).choose("o7")
    with pytest.raises(ValidationError, match="no choice recorded for field='anchor'"):
        plan.choose("o7", field="anchor")


def test_choose_revalidates_against_the_graph(kitchen):
    # swap o6 with o7, unsure which mug is the target: picking o7 would swap o7 with itself
    plan = Plan(instruction="Swap the mug with the other mug.", graph=kitchen,
                edits=[{"op": "swap", "target": "o6", "other": "o7"}],
                alternatives=[_alt(ids=("o6", "o7", "o5"))])
    assert plan.choose("o5").edits[0].target == "o5"
    with pytest.raises(ValidationError, match="one object twice"):
        plan.choose("o7")
    # without a graph the structure is still checked (a candidate the edit cannot hold is
    # found when the plan is rendered against one)
    assert Plan(**{**plan.model_dump(), "graph": None}).choose("o5").edits[0].target == "o5"


def test_an_id_in_several_choices_needs_edit_and_field(kitchen):
    plan = Plan(instruction="Put the mug left of the mug.", graph=kitchen,
                edits=[{"op": "move", "target": "o6", "anchor": "o7", "relation": "left_of"}],
                alternatives=[_alt(ids=("o6", "o5")), _alt(field="anchor", ids=("o7", "o5"))])
    with pytest.raises(ValidationError) as info:
        plan.choose("o5")
    assert "several choices" in str(info.value)
    assert info.value.choices == ["edits.0.anchor", "edits.0.target"]
    assert plan.choose("o5", field="anchor").edits[0].anchor == "o5"
    with pytest.raises(ValidationError) as info:
        plan.choose("o4")
    assert info.value.choices == ["o5", "o6", "o7"]


def test_choosing_drops_a_sealed_plans_stale_workflow(kitchen):
    sealed = Plan.from_dict({**mug_plan(graph=kitchen).to_dict(), "workflow": {"nodes": []},
                             "render": {"seed": 3}})
    chosen = sealed.choose("o7")
    assert "workflow" not in chosen.to_dict() and chosen.to_dict()["render"] == {"seed": 3}
    assert "workflow" in sealed.to_dict()


# ---- did you mean ------------------------------------------------------------------------
def test_did_you_mean_lines(kitchen):
    assert did_you_mean(mug_plan(), kitchen) == ["did you mean o6 (blue mug) or o7 (white mug)?"]
    assert did_you_mean(mug_plan()) == ["did you mean o6 or o7?"]          # no graph: ids
    assert did_you_mean(mug_plan(graph=kitchen)) == did_you_mean(mug_plan(), kitchen)
    assert did_you_mean(Plan(instruction="x", edits=[RECOLOR])) == []
    three = Plan(instruction="Remove the fruit.", edits=[{"op": "remove", "target": "o4"}],
                 alternatives=[_alt(ids=("o4", "o5", "o3"))])
    assert did_you_mean(three, kitchen) == \
        ["did you mean o4 (orange), o5 (banana) or o3 (kettle)?"]
    several = Plan(instruction="x", edits=[{"op": "remove", "target": "o4"}, MOVE],
                   alternatives=[_alt(edit=1, field="anchor", ids=("o2", "o1"))])
    assert did_you_mean(several, kitchen) == \
        ["edit 2 (move): did you mean o2 (counter) or o1 (refrigerator) as the anchor?"]


def test_parse_pick():
    assert parse_pick("o5") == ("o5", None, None)
    assert parse_pick("anchor=o5") == ("o5", None, "anchor")
    assert parse_pick("2:target=o5") == ("o5", 1, "target")
    assert parse_pick("1:o5") == ("o5", 0, None)
    for bad in ("", "0:o5", "x:o5", "2:target=", "o5 o6", "target=o5=o6"):
        with pytest.raises(ValidationError, match="--choose takes"):
            parse_pick(bad)
    with pytest.raises(ValidationError) as info:
        parse_pick("targt=o5")
    assert info.value.choices == sorted(ID_FIELDS)


def test_cli_lines_and_choices(kitchen):
    plan = mug_plan()
    assert alternatives_lines(plan, kitchen, "sceneedit render p.json --choose {choose}") == [
        "did you mean o6 (blue mug) or o7 (white mug)?",
        "  (the plan uses o6; to use another: sceneedit render p.json --choose o7)"]
    assert alternatives_lines(Plan(instruction="x", edits=[RECOLOR]), kitchen, "{choose}") == []
    assert apply_choices(plan, ["o7"]).edits[0].target == "o7"
    assert apply_choices(plan, None) is plan
    both = Plan(instruction="x", edits=[{"op": "move", "target": "o6", "anchor": "o7",
                                         "relation": "left_of"}],
                alternatives=[_alt(ids=("o6", "o5")), _alt(field="anchor", ids=("o7", "o5"))])
    assert alternatives_lines(both, kitchen, "--choose {choose}")[-1] == \
        "  (the plan uses the first named in each; to use another: --choose 1:target=o5)"
    assert apply_choices(both, ["1:anchor=o5"]).edits[0].anchor == "o5"


def test_sceneedit_plan_prints_the_line_and_saves_the_alternatives(kitchen, tmp_path,
                                                                  monkeypatch, capsys):
    """``cmd_plan`` as the user runs it, with the planner replaced by one returning the
    hand-written plan (no model is loaded)."""
    import sceneedit.llm.llama as llama
    import sceneedit.reasoning.planner as planner_module
    from sceneedit.cli import main

    class Planned:
        def __init__(self, llm, seed=0):
            pass

        def plan(self, graph, instruction, feedback=None):
            return PlanResult(mug_plan(), [])

    monkeypatch.setattr(llama, "get_llm", lambda spec, n_threads=None: object())
    monkeypatch.setattr(planner_module, "Planner", Planned)
    out = tmp_path / "plan.json"
    assert main(["plan", "--graph", str(EXAMPLES / "kitchen.graph.json"), "Make the mug green.",
                 "-o", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[-2:] == [
        "did you mean o6 (blue mug) or o7 (white mug)?",
        f"  (the plan uses o6; to use another: sceneedit render {out} --image IMAGE -o OUT.png "
        "--choose o7)"]
    assert Plan.load(out).alternatives == mug_plan().alternatives


# ---- rendering a pick: Editor, Session, sceneedit render --choose ------------------------
@pytest.fixture(scope="module")
def mugs():
    """Seed 3: o1 apple, o2 blue mug, o3 lamp, o4 red mug."""
    scene = make_scene(3, [("mug", "blue"), ("mug", "red"), ("lamp", None), ("apple", "green")])
    graph = se.ClassicalPerceiver().perceive(scene.image)
    assert [(o.id, o.label, o.color) for o in graph.objects if o.label == "mug"] == \
        [("o2", "mug", "blue"), ("o4", "mug", "red")]
    return scene, graph


def yellow_mug() -> Plan:
    return Plan(instruction="Make the mug yellow.",
                edits=[{"op": "recolor", "target": "o2", "color": "yellow"}],
                alternatives=[_alt(ids=("o2", "o4"))])


class OnePlan:
    """A planner that answers once; a second call fails the test (a pick must not plan)."""

    def __init__(self, plan: Plan):
        self.answers = [plan]

    def plan(self, graph, instruction, **kwargs):
        if not self.answers:
            raise AssertionError("the planner was called again")
        return PlanResult(self.answers.pop(), [])


def test_editor_choose_rerenders_the_same_plan_without_planning(mugs):
    scene, graph = mugs
    editor = se.Editor(planner=OnePlan(yellow_mug()))
    result = editor.edit(scene.image, "Make the mug yellow.", graph=graph)
    assert result.ok and result.graph_after.get("o2").color == "yellow"
    assert result.did_you_mean == ["did you mean o2 (blue mug) or o4 (red mug)?"]
    assert "did you mean o2 (blue mug) or o4 (red mug)?" in result.explain()
    stages = []
    picked = editor.choose(result, "o4", progress=lambda s, m: stages.append((s, m)))
    assert ("plan", "skipped: your pick: o4 as the target of edit 1") in stages
    assert picked.ok and picked.status == "verified", picked.message
    after = picked.graph_after
    assert after.get("o4").color == "yellow" and after.get("o2").color == "blue"
    assert picked.plan.edits[0].target == "o4" and picked.plan.alternatives[0].ids == ["o4", "o2"]
    assert picked.attempts[0].planning is None and picked.attempts[0].chosen
    assert picked.instruction == result.instruction and picked.graph_before is graph
    # the pixels: the blue mug is as it was, the red one changed
    o2, o4 = graph.mask_of("o2"), graph.mask_of("o4")
    assert (picked.image[o2] == scene.image[o2]).all()
    assert (picked.image[o4] != scene.image[o4]).any()
    text = picked.explain()
    assert "your pick: o4 as the target of edit 1" in text
    assert "did you mean o4 (red mug) or o2 (blue mug)?" in text
    with pytest.raises(ValidationError, match="not a candidate"):
        editor.choose(result, "o3")


def test_session_choose_replaces_the_turn_and_undo_still_works(mugs, tmp_path):
    scene, graph = mugs
    session = se.Session(scene.image, se.Editor(planner=OnePlan(yellow_mug())), graph=graph)
    with pytest.raises(SceneEditError, match="nothing to choose"):
        session.choose("o4")
    first = session.edit("Make the mug yellow.")
    assert first.ok and session.cursor == 1
    picked = session.choose("o4", edit=0, field="target")
    assert picked.ok and session.cursor == 1 and len(session.turns) == 2
    assert session.graph.get("o4").color == "yellow" and session.graph.get("o2").color == "blue"
    assert session.current.plan.edits[0].target == "o4"
    assert session.current.plan.alternatives[0].ids == ["o4", "o2"]
    assert (session.image == picked.image).all()
    session.undo()                                   # back to the image before the edit
    assert session.cursor == 0 and (session.image == scene.image).all()
    session.redo()
    assert (session.image == picked.image).all()
    # a loaded session has no EditResult in memory: the saved plan on the turn before is
    # enough to pick again
    loaded = se.Session.load(session.save(tmp_path / "s"), session.editor)
    assert loaded.current.plan.alternatives[0].ids == ["o4", "o2"]
    back = loaded.choose("o2")
    assert back.ok and loaded.graph.get("o2").color == "yellow"
    assert loaded.graph.get("o4").color == "red"
    loaded.undo()
    assert (loaded.image == scene.image).all()


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "sceneedit", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_render_choose_on_the_command_line(mugs, tmp_path):
    scene, graph = mugs
    Image.fromarray(scene.image).save(tmp_path / "scene.png")
    yellow_mug().model_copy(update={"graph": graph}).save(tmp_path / "plan.json")
    r = _cli("render", tmp_path / "plan.json", "--image", tmp_path / "scene.png", "-o",
             tmp_path / "out.png", "--choose", "o4")
    assert r.returncode == 0, r.stderr
    assert "did you mean o4 (red mug) or o2 (blue mug)?" in r.stdout
    assert "--choose o2)" in r.stdout   # how to go back
    out = np.asarray(Image.open(tmp_path / "out.png").convert("RGB"))
    o2, o4 = graph.mask_of("o2"), graph.mask_of("o4")
    assert (out[o2] == scene.image[o2]).all() and (out[o4] != scene.image[o4]).any()
    for bad, needle in (("o3", "'o3' is not a candidate for edits.0.target. Valid choices: "
                                "o2, o4"),
                        ("2:target=o4", "no choice recorded for edit=1"),
                        ("targt=o4", "unknown id field 'targt'")):
        r = _cli("render", tmp_path / "plan.json", "--image", tmp_path / "scene.png", "-o",
                 tmp_path / "bad.png", "--choose", bad)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert needle in r.stderr and not (tmp_path / "bad.png").exists()


def test_sceneedit_edit_prints_the_line_and_how_to_pick(mugs, tmp_path, monkeypatch, capsys):
    """``sceneedit edit`` with the Editor's planner replaced by a one-plan stand-in."""
    import sceneedit.editor.editor as editor_module
    from sceneedit.cli import main

    real = editor_module.Editor
    monkeypatch.setattr(editor_module, "Editor",
                        lambda **kw: real(**kw, planner=OnePlan(yellow_mug())))
    scene, graph = mugs
    Image.fromarray(scene.image).save(tmp_path / "scene.png")
    graph.save(tmp_path / "graph.json")
    plan = tmp_path / "plan.json"
    assert main(["edit", str(tmp_path / "scene.png"), "Make the mug yellow.", "--graph",
                 str(tmp_path / "graph.json"), "-o", str(tmp_path / "out.png"),
                 "--save-plan", str(plan)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[-2:] == [
        "did you mean o2 (blue mug) or o4 (red mug)?",
        f"  (the plan uses o2; to use another: sceneedit render {plan} --image "
        f"{tmp_path / 'scene.png'} -o {tmp_path / 'out.png'} --choose o4)"]
    assert Plan.load(plan).alternatives[0].ids == ["o2", "o4"]
