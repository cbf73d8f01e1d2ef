"""Hostile and broken documents through the command line: malformed masks, numbers and keys in
scene graphs, sealed plans whose workflow does something else than their edits, unbounded
brick inputs, deep nesting, bad counts. Each is refused with exit code 2, one line naming the
field, no traceback, and no output file written or changed (issue 13, items 1, 2, 5, 6, 11)."""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from sceneedit.cli import main
from sceneedit.plan import Plan
from sceneedit.selfcontained import seal_plan
from sceneedit.synthetic import generate_scene

OUT_BYTES = b"an earlier output that must survive"


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    """A small scene (lamp o1, mug o2, apple o3), its graph, a plan and the sealed plan."""
    d = tmp_path_factory.mktemp("bad-docs")
    scene = generate_scene(4, width=128, height=96,
                           objects=[("apple", "red"), ("mug", "blue"), ("lamp", None)])
    Image.fromarray(scene.image).save(d / "scene.png")
    scene.graph.save(d / "graph.json")
    ids = {o.label: o.id for o in scene.graph.objects}
    plan = Plan(instruction="Make the apple green and remove the mug.",
                edits=[{"op": "recolor", "target": ids["apple"], "color": "green"},
                       {"op": "remove", "target": ids["mug"]}])
    plan.save(d / "plan.json")
    seal_plan(plan, scene.image, scene.graph, image_name="scene.png").save(d / "sealed.json")
    return d, ids


def graph_doc(docs) -> dict:
    return json.loads((docs[0] / "graph.json").read_text())


def sealed_doc(docs) -> dict:
    return json.loads((docs[0] / "sealed.json").read_text())


def cli(capsys, *args: str) -> tuple[int, str]:
    """Run ``sceneedit ARGS`` in this process; (exit code, stderr)."""
    code = main(list(args))
    return code, capsys.readouterr().err


def write(tmp_path: Path, name: str, doc) -> str:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return str(path)


def refused(code: int, err: str, *fields: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("sceneedit")]
    assert len(lines) == 1 and "error:" in lines[0], err
    for field in fields:
        assert field in lines[0], f"{field!r} not named in: {lines[0]}"


def render_refused(capsys, tmp_path, docs, plan: str, *extra: str, fields=()) -> None:
    """`render` refuses: exit 2, the field named, the earlier output byte for byte."""
    out = tmp_path / "out.png"
    out.write_bytes(OUT_BYTES)
    code, err = cli(capsys, "render", plan, "--image", str(docs[0] / "scene.png"),
                    "-o", str(out), *extra)
    refused(code, err, *fields)
    assert out.read_bytes() == OUT_BYTES
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.png")] == []


# ---- item 1: every mask decoded and checked when the graph is read ----------------------------
def _with_mask(doc: dict, i: int, counts) -> dict:
    doc = copy.deepcopy(doc)
    h, w = doc["image"]["height"], doc["image"]["width"]
    doc["objects"][i]["mask"] = {"size": [h, w], "counts": counts}
    return doc


BAD_COUNTS = {
    "empty string": "",
    "garbage": "zzzzzzzzzzzzzzzzzzzz",
    "control characters": "\x01\x02\x03",
    "truncated number": "o",
    "short of the image": ";23",
    "empty list": [],
    "list too long": [128 * 96, 5],
    "list too short": [10, 10],
    "negative run": [128 * 96 + 5, -5],
}


@pytest.mark.parametrize("counts", BAD_COUNTS.values(), ids=BAD_COUNTS.keys())
def test_validate_refuses_malformed_mask(capsys, tmp_path, docs, counts):
    graph = write(tmp_path, "g.json", _with_mask(graph_doc(docs), 1, counts))
    code, err = cli(capsys, "validate", str(docs[0] / "plan.json"), "--graph", graph)
    refused(code, err, "objects.1.mask.counts")


@pytest.mark.parametrize("counts", ["", "zzzzzzzzzzzzzzzzzzzz", [10, 10]],
                         ids=["empty", "garbage", "short list"])
def test_render_refuses_malformed_mask_and_writes_nothing(capsys, tmp_path, docs, counts):
    graph = write(tmp_path, "g.json", _with_mask(graph_doc(docs), 2, counts))
    render_refused(capsys, tmp_path, docs, str(docs[0] / "plan.json"), "--graph", graph,
                   fields=["objects.2.mask.counts"])


def test_sealed_plan_with_malformed_mask_is_refused(capsys, tmp_path, docs):
    doc = sealed_doc(docs)
    doc["graph"] = _with_mask(doc["graph"], 0, "zzz")
    render_refused(capsys, tmp_path, docs, write(tmp_path, "p.json", doc),
                   fields=["objects.0.mask.counts"])


def test_mask_of_another_size_names_the_field(capsys, tmp_path, docs):
    doc = graph_doc(docs)
    doc["objects"][0]["mask"] = {"size": [10, 10], "counts": [100]}
    code, err = cli(capsys, "validate", str(docs[0] / "plan.json"), "--graph",
                    write(tmp_path, "g.json", doc))
    refused(code, err, "objects.0.mask.size")


# ---- item 11: numbers, boxes, keys -------------------------------------------------------
BAD_BOXES = {
    "outside the image": [100, 50, 500, 90],
    "negative": [-20, 5, 10, 30],
    "1e308": [0, 0, 1e308, 30],
    "string numbers": ["1", "2", "30", "40"],
    "boolean": [True, 0, 30, 40],
    "three numbers": [0, 0, 30],
    "not a list": "0 0 30 40",
}


@pytest.mark.parametrize("box", BAD_BOXES.values(), ids=BAD_BOXES.keys())
def test_validate_refuses_bad_box(capsys, tmp_path, docs, box):
    doc = graph_doc(docs)
    doc["objects"][2]["box"] = box
    code, err = cli(capsys, "validate", str(docs[0] / "plan.json"), "--graph",
                    write(tmp_path, "g.json", doc))
    refused(code, err, "objects.2.box")


@pytest.mark.parametrize("literal", ["Infinity", "-Infinity", "NaN"])
def test_non_finite_numbers_are_refused(capsys, tmp_path, docs, literal):
    text = (docs[0] / "graph.json").read_text()
    doc = graph_doc(docs)
    box = json.dumps(doc["objects"][2]["box"], indent=None)
    x0 = doc["objects"][2]["box"][0]
    text = json.dumps(doc).replace(box, box.replace(f"[{x0},", f"[{literal},", 1), 1)
    assert literal in text
    code, err = cli(capsys, "validate", str(docs[0] / "plan.json"), "--graph",
                    write(tmp_path, "g.json", text))
    refused(code, err, "objects.2.box")


@pytest.mark.parametrize("field, value", [("score", "0.9"), ("score", float("nan")),
                                          ("depth", "0.5"), ("depth", 1e308)])
def test_object_numbers_must_be_finite_json_numbers(capsys, tmp_path, docs, field, value):
    doc = graph_doc(docs)
    doc["objects"][1][field] = value
    code, err = cli(capsys, "validate", str(docs[0] / "plan.json"), "--graph",
                    write(tmp_path, "g.json", doc))
    refused(code, err, f"objects.1.{field}")


@pytest.mark.parametrize("image, field", [({"width": "128", "height": 96}, "image.width"),
                                          ({"width": 30000, "height": 30000}, "image"),
                                          ({"width": 0, "height": 96}, "image.width")])
def test_image_size_is_checked_and_bounded(capsys, tmp_path, docs, image, field):
    doc = graph_doc(docs)
    doc["image"] = image
    for o in doc["objects"]:
        o.pop("mask", None)
    code, err = cli(capsys, "validate", str(docs[0] / "plan.json"), "--graph",
                    write(tmp_path, "g.json", doc))
    refused(code, err, field)
    if image["width"] == 30000:
        assert "SCENEEDIT_MAX_PIXELS" in err  # says how to raise the limit


def test_duplicate_keys_in_a_graph_are_refused(capsys, tmp_path, docs):
    text = (docs[0] / "graph.json").read_text().replace('"label": "mug"',
                                                        '"label": "mug", "label": "cat"', 1)
    code, err = cli(capsys, "validate", str(docs[0] / "plan.json"), "--graph",
                    write(tmp_path, "g.json", text))
    refused(code, err, "duplicate key 'label'")


def test_duplicate_keys_in_a_plan_are_refused(capsys, tmp_path, docs):
    text = (docs[0] / "plan.json").read_text().replace('"color": "green"',
                                                       '"color": "green", "color": "red"')
    render_refused(capsys, tmp_path, docs, write(tmp_path, "p.json", text), "--graph",
                   str(docs[0] / "graph.json"), fields=["duplicate key 'color'"])


def test_relation_to_an_unknown_id_names_the_field(capsys, tmp_path, docs):
    doc = graph_doc(docs)
    doc["relations"] = [{"subject": "o1", "predicate": "near", "object": "o99"}]
    code, err = cli(capsys, "validate", str(docs[0] / "plan.json"), "--graph",
                    write(tmp_path, "g.json", doc))
    refused(code, err, "relations.0.object", "o99")


DEEP = "[" * 100_000 + "]" * 100_000


def test_deeply_nested_json_is_a_clean_error(tmp_path, docs):
    # a subprocess: the recursion happens in a fresh interpreter, as a user would run it
    plan = write(tmp_path, "deep.json", '{"format": "sceneedit.plan/1", "edits": ' + DEEP + "}")
    r = subprocess.run([sys.executable, "-m", "sceneedit", "validate", plan], text=True,
                       capture_output=True, timeout=120)
    refused(r.returncode, r.stderr, "nested too deeply")


def test_deep_plan_in_a_folder_fails_alone(capsys, tmp_path, docs):
    plans, out = tmp_path / "plans", tmp_path / "out"
    plans.mkdir()
    (plans / "a_deep.json").write_text(DEEP)
    (plans / "b_good.json").write_text((docs[0] / "sealed.json").read_text())
    code, err = cli(capsys, "render", str(plans), "--images", str(docs[0]), "-o", str(out))
    assert code == 1 and "Traceback" not in err  # 1: some plans failed, the others rendered
    summary = json.loads((out / "render-summary.json").read_text())
    assert [(s["plan"], s["error"] is None) for s in summary] == [("a_deep.json", False),
                                                                  ("b_good.json", True)]
    assert "nested too deeply" in summary[0]["error"] and (out / "b_good.png").is_file()


# ---- item 2: a sealed plan's workflow must be what its edits compile to ----------------------
def _tamper(doc: dict, how: str, ids: dict) -> dict:
    nodes = doc["workflow"]["nodes"]
    if how == "recolour everything":  # recolor the inverted mask: the whole image but o3
        nodes.insert(0, {"id": "inv", "brick": "mask_invert", "inputs": {"mask": {"ref":
                                                                                  "n1.mask"}}})
        next(n for n in nodes if n["brick"] == "recolor")["inputs"]["mask"] = {"ref": "inv.mask"}
        doc["workflow"]["outputs"]["footprint"] = {"ref": "inv.mask"}
    elif how == "unknown id":
        next(n for n in nodes if n["brick"] == "segment_object")["inputs"]["id"] = "o99"
    elif how == "other colour":
        next(n for n in nodes if n["brick"] == "recolor")["inputs"]["color"] = "purple"
    elif how == "footprint widened":
        next(n for n in nodes if n["brick"] == "mask_dilate")["inputs"]["radius"] = 60
    elif how == "node dropped":
        doc["workflow"]["outputs"]["image"] = {"ref": "n2.image"}
        del nodes[[n["brick"] for n in nodes].index("inpaint")]
    return doc


TAMPERING = ["recolour everything", "unknown id", "other colour", "footprint widened",
             "node dropped"]


@pytest.mark.parametrize("how", TAMPERING)
def test_render_refuses_a_workflow_that_is_not_its_edits(capsys, tmp_path, docs, how):
    plan = write(tmp_path, "p.json", _tamper(sealed_doc(docs), how, docs[1]))
    render_refused(capsys, tmp_path, docs, plan, fields=["plan.workflow"])


@pytest.mark.parametrize("how", ["recolour everything", "unknown id"])
def test_validate_refuses_a_workflow_that_is_not_its_edits(capsys, tmp_path, docs, how):
    plan = write(tmp_path, "p.json", _tamper(sealed_doc(docs), how, docs[1]))
    code, err = cli(capsys, "validate", plan)
    refused(code, err, "plan.workflow")


def test_sealed_plan_as_sealed_still_renders(capsys, tmp_path, docs):
    code, err = cli(capsys, "validate", str(docs[0] / "sealed.json"))
    assert code == 0, err
    code, err = cli(capsys, "render", str(docs[0] / "sealed.json"), "--image",
                    str(docs[0] / "scene.png"), "-o", str(tmp_path / "out.png"))
    assert code == 0 and (tmp_path / "out.png").is_file(), err


# ---- item 6: bounds in the bricks' port declarations ------------------------------------------
@pytest.mark.parametrize("brick, port, value", [("mask_dilate", "radius", 3000),
                                                ("mask_dilate", "radius", 1e9),
                                                ("mask_dilate", "radius", -1),
                                                ("restyle", "seed", -1)])
def test_carried_workflow_numbers_are_bounded(capsys, tmp_path, docs, brick, port, value):
    doc = sealed_doc(docs)
    if brick == "restyle":
        doc["workflow"]["nodes"].append({"id": "extra", "brick": "restyle", "inputs": {
            "image": {"ref": "n2.image"}, "mask": {"ref": "n1.mask"}, "style": "striped"}})
    node = next(n for n in doc["workflow"]["nodes"] if n["brick"] == brick)
    node["inputs"][port] = value
    render_refused(capsys, tmp_path, docs, write(tmp_path, "p.json", doc),
                   fields=[f"node {node['id']!r}", f"input {port!r}"])


@pytest.mark.parametrize("port, value", [("steps", 100000), ("resolution", 1e6),
                                         ("strength", 0), ("guidance", -1)])
def test_generative_settings_are_bounded_in_the_workflow(capsys, tmp_path, docs, port, value):
    doc = sealed_doc(docs)
    doc["workflow"]["nodes"].append({"id": "gen", "brick": "gen_inpaint", "inputs": {
        "image": {"ref": "n2.image"}, "mask": {"ref": "n1.mask"}, "model": "x", port: value}})
    render_refused(capsys, tmp_path, docs, write(tmp_path, "p.json", doc),
                   fields=["node 'gen'", f"input {port!r}"])


def test_bounds_are_in_the_schema_and_the_tool_docs():
    from sceneedit.bricks import REGISTRY

    spec = REGISTRY.get("mask_dilate")
    radius = spec.node_schema()["properties"]["inputs"]["properties"]["radius"]["anyOf"][0]
    assert radius == {"type": "number", "minimum": 0, "maximum": 64}
    assert "radius: Number [0, 64]" in spec.tool_doc()
    with pytest.raises(Exception, match="radius.*above the maximum 64"):
        spec.call({"mask": None, "radius": 65})  # by reference too: checked before running


# ---- eval counts ---------------------------------------------------------------------------
@pytest.mark.parametrize("flag", [["--synthetic", "0"], ["--synthetic", "-3"], ["--limit", "0"]])
def test_eval_refuses_zero_items(capsys, tmp_path, flag):
    out = tmp_path / "results.json"
    code, err = cli(capsys, "eval", *flag, "--oracle-plan", "-o", str(out))
    refused(code, err, flag[0])
    assert not out.exists()
