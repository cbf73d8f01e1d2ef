"""The ``background`` op: everything but the objects changes, every object stays byte for byte."""
import json
import subprocess
import sys

import numpy as np
import pytest

from sceneedit.compiler import FOOTPRINT_MARGIN, compile_plan
from sceneedit.errors import ValidationError
from sceneedit.io import load_image, save_image
from sceneedit.masks import dilate
from sceneedit.ops.background import classical_fill
from sceneedit.palette import PALETTE
from sceneedit.perception import ClassicalPerceiver
from sceneedit.plan import Plan
from sceneedit.reasoning.intent import clause_ops
from sceneedit.reasoning.schema import plan_schema
from sceneedit.render import render_plan
from sceneedit.render_config import RenderConfig
from sceneedit.scene.query import find
from sceneedit.synthetic import generate_scene
from sceneedit.verify import verify_edit

OBJECTS = [("apple", "red"), ("mug", "blue"), ("lamp", "yellow"), ("book", "green")]


@pytest.fixture(scope="module")
def case():
    scene = generate_scene(1, objects=OBJECTS)
    return scene, ClassicalPerceiver().perceive(scene.image)


def _objects_union(graph):
    return np.logical_or.reduce([graph.mask_of(o.id) for o in graph.objects])


def test_plain_white_keeps_every_object_byte_identical_and_verifies(case):
    scene, graph = case
    plan = Plan(instruction="Make the background plain white.",
                edits=[{"op": "background", "to": "plain white"}])
    out = render_plan(plan, scene.image, graph)
    region = ~dilate(_objects_union(graph), FOOTPRINT_MARGIN)
    assert np.array_equal(out.footprint, region)          # the footprint is the region itself
    for o in graph.objects:
        m = graph.mask_of(o.id)
        assert np.array_equal(out.image[m], scene.image[m]), f"{o.id} ({o.label}) changed"
    assert (out.image[region] == PALETTE["white"]).all()
    assert not (out.image != scene.image).any(axis=2)[~region].any()
    after = ClassicalPerceiver().perceive(out.image)
    verdict = verify_edit(plan.edits[0], graph, after, footprint=out.footprint,
                          image_before=scene.image, image_after=out.image)
    assert verdict, verdict.message
    # a background that did not change does not verify
    same = verify_edit(plan.edits[0], graph, graph, footprint=out.footprint,
                       image_before=scene.image, image_after=scene.image)
    assert not same and "change 0.0" in same.message


def test_gradient_and_colour_wording():
    assert classical_fill("plain white") == ("white", "white")
    assert classical_fill("a gradient from blue to white") == ("blue", "white")
    assert classical_fill("Grey") == ("gray", "gray")
    assert classical_fill("a beach") is None and classical_fill("a white beach") is None


def test_gradient_runs_top_to_bottom(case):
    scene, graph = case
    plan = Plan(instruction="g", edits=[{"op": "background", "to": "gradient from blue to white"}])
    out = render_plan(plan, scene.image, graph)
    corner_top, corner_bottom = out.image[0, 0], out.image[-1, -1]
    assert tuple(corner_top) == PALETTE["blue"] and tuple(corner_bottom) == PALETTE["white"]


def test_removed_objects_are_background_and_added_ones_are_kept(case):
    scene, graph = case
    lamp, mug = find(graph, label="lamp")[0], find(graph, label="mug")[0]
    plan = Plan(instruction="x", edits=[
        {"op": "remove", "target": lamp},
        {"op": "add", "what": "a red ball", "anchor": mug, "relation": "left_of"},
        {"op": "background", "to": "white"}])
    out = render_plan(plan, scene.image, graph)
    lamp_core = graph.mask_of(lamp) & ~dilate(_objects_union(graph) & ~graph.mask_of(lamp),
                                              FOOTPRINT_MARGIN)
    assert (out.image[lamp_core] == PALETTE["white"]).all()     # where the lamp stood
    new = out.run.outputs["footprint_1"]                           # the added ball's footprint
    ball = new & ~dilate(_objects_union(graph), FOOTPRINT_MARGIN)
    assert (out.image[ball] != PALETTE["white"]).any(axis=-1).mean() > 0.3


def test_a_scene_needs_diffusion_or_an_image(case, tmp_path):
    scene, graph = case
    plan = Plan(instruction="b", edits=[{"op": "background", "to": "a beach"}])
    with pytest.raises(ValidationError, match=r"edits\.0\.to.*--background FILE"):
        compile_plan(plan, graph)
    # generative bricks inpaint the region from the text (compiled only: no weights here)
    wf = compile_plan(plan, graph, config=RenderConfig(bricks="generative"), check_weights=False)
    gen = [n for n in wf.nodes if n.brick == "gen_replace"]
    assert len(gen) == 1 and gen[0].inputs["what"] == "a beach"


def test_background_file_on_the_command_line(case, tmp_path):
    scene, graph = case
    h, w = scene.image.shape[:2]
    yy, xx = np.mgrid[0:h // 2, 0:w // 2]   # half size: scaled up to cover the picture
    photo = np.stack([xx * 255 // (w // 2), yy * 255 // (h // 2), np.full_like(xx, 90)],
                     -1).astype(np.uint8)
    save_image(tmp_path / "beach.png", photo)
    save_image(tmp_path / "scene.png", scene.image)
    (tmp_path / "graph.json").write_text(graph.to_json())
    Plan(instruction="Change the background to a beach.",
         edits=[{"op": "background", "to": "a beach"}]).save(tmp_path / "plan.json")
    r = subprocess.run([sys.executable, "-m", "sceneedit", "render", str(tmp_path / "plan.json"),
                        "--image", str(tmp_path / "scene.png"), "--graph",
                        str(tmp_path / "graph.json"), "--background", str(tmp_path / "beach.png"),
                        "-o", str(tmp_path / "out.png")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = load_image(tmp_path / "out.png")
    for o in graph.objects:
        m = graph.mask_of(o.id)
        assert np.array_equal(out[m], scene.image[m])
    region = ~dilate(_objects_union(graph), FOOTPRINT_MARGIN)
    assert np.abs(out[region].astype(int) - scene.image[region]).mean() > 30
    assert out[0, 0, 2] == 90 and out[-1, -1, 0] > 200   # the file's pixels, scaled to cover
    # without the file: one line naming the field, exit 2, nothing written
    r = subprocess.run([sys.executable, "-m", "sceneedit", "render", str(tmp_path / "plan.json"),
                        "--image", str(tmp_path / "scene.png"), "--graph",
                        str(tmp_path / "graph.json"), "-o", str(tmp_path / "none.png")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "edits.0.to" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "none.png").exists()


def test_the_planner_can_ask_for_it():
    assert clause_ops("make the background plain white") == {"background"}
    assert clause_ops("change the background to a beach") == {"background"}
    assert clause_ops("remove the mug in the background") == {"remove"}
    schema = json.dumps(plan_schema(["o1"], ["background"]))
    assert '"op": {"const": "background"}' in schema and '"to"' in schema
