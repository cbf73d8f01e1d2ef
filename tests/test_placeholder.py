"""No silent clip-art: on a real photo, edits that need new content (replace with a
description, add, restyle) are refused without a diffusion model, naming the model and where to
put it, unless the user opts in to classical placeholders, which the result then reports.
Remove, move, resize, swap and recolour stay classical and available; synthetic scenes are
unaffected."""
from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import Image

skdata = pytest.importorskip("skimage.data")

from editor_support import ScriptedLLM, answer  # noqa: E402
from sceneedit.diffusion.choice import PlaceholderWarning  # noqa: E402
from sceneedit.editor import Editor  # noqa: E402
from sceneedit.errors import MissingWeightsError  # noqa: E402
from sceneedit.masks import RLE, box_to_mask  # noqa: E402
from sceneedit.plan import Plan  # noqa: E402
from sceneedit.render import render_plan  # noqa: E402
from sceneedit.render_config import DEFAULT_DIFFUSION_MODEL, RenderConfig  # noqa: E402
from sceneedit.scene.model import ImageInfo, SceneGraph, SceneObject  # noqa: E402
from sceneedit.synthetic import generate_scene  # noqa: E402

NEW_CONTENT = {
    "replace": {"op": "replace", "target": "o1", "with": "a red apple"},
    "add": {"op": "add", "what": "a blue mug", "anchor": "o2", "relation": "right_of"},
    "restyle": {"op": "restyle", "target": "o1", "style": "striped"},
}
CLASSICAL = {
    "remove": {"op": "remove", "target": "o2"},
    "recolor": {"op": "recolor", "target": "o1", "color": "green"},
    "move": {"op": "move", "target": "o2", "anchor": "o1", "relation": "right_of"},
    "resize": {"op": "resize", "target": "o1", "scale": 0.8},
    "swap": {"op": "swap", "target": "o1", "other": "o2"},
}


@pytest.fixture(scope="module")
def photo():
    """A crop of scikit-image's coffee photo (small: the classical fill of a photo is the slow
    part) and a hand-made graph (box-shaped objects, as a detector gives)."""
    image = np.ascontiguousarray(skdata.coffee()[60:220, 180:420])
    h, w = image.shape[:2]

    def obj(i, label, box):
        return SceneObject(id=f"o{i}", label=label, box=box,
                           mask=RLE.from_array(box_to_mask(box, h, w)))
    graph = SceneGraph(image=ImageInfo(width=w, height=h), objects=[
        obj(1, "cup", [40.0, 30.0, 110.0, 90.0]), obj(2, "saucer", [150.0, 100.0, 200.0, 140.0])])
    return image, graph


def _plan(edit):
    return Plan(instruction="x", edits=[edit])


@pytest.mark.parametrize("op", NEW_CONTENT)
def test_new_content_on_a_photo_is_refused_naming_the_diffusion_model(photo, op):
    image, graph = photo
    with pytest.raises(MissingWeightsError) as err:
        render_plan(_plan(NEW_CONTENT[op]), image, graph)
    msg = str(err.value)
    assert f"hf download {DEFAULT_DIFFUSION_MODEL}" in msg   # what to get ...
    assert "--weights PATH" in msg                              # ... where to put it
    assert "--placeholder" in msg and f"{op} " in msg


def test_with_placeholder_it_renders_and_says_so(photo):
    image, graph = photo
    with pytest.warns(PlaceholderWarning, match="placeholder"):
        out = render_plan(_plan(NEW_CONTENT["replace"]), image, graph,
                          config=RenderConfig(placeholder=True))
    assert (out.image != image).any()
    assert out.workflow.model_extra["bricks"]["placeholder"] is True
    assert len(out.trace.warnings) == 1 and "draw_object" in out.trace.warnings[0]
    assert "warning: placeholder content" in str(out.trace)
    assert out.trace.to_dict()["warnings"] == out.trace.warnings


@pytest.mark.parametrize("op", CLASSICAL)
def test_classical_ops_on_a_photo_still_work(photo, op):
    image, graph = photo
    with warnings.catch_warnings():
        warnings.simplefilter("error", PlaceholderWarning)
        out = render_plan(_plan(CLASSICAL[op]), image, graph)
    assert (out.image != image).any() and not out.trace.warnings


def test_synthetic_scenes_are_unaffected():
    scene = generate_scene(3, objects=[("apple", "red"), ("mug", "blue")])
    with warnings.catch_warnings():
        warnings.simplefilter("error", PlaceholderWarning)
        for edit in NEW_CONTENT.values():
            out = render_plan(_plan(edit), scene.image, scene.graph)
            assert (out.image != scene.image).any() and not out.trace.warnings


def test_editor_refuses_then_opts_in(photo):
    image, graph = photo
    edit = answer([NEW_CONTENT["replace"]])
    with pytest.raises(MissingWeightsError, match="placeholder"):
        Editor(llm=ScriptedLLM(edit), replan_on_failure=False).edit(image, "x", graph=graph)
    with pytest.warns(PlaceholderWarning):
        result = Editor(llm=ScriptedLLM(edit), replan_on_failure=False,
                        placeholder=True).edit(image, "x", graph=graph)
    assert result.warnings and "placeholder" in result.to_dict()["warnings"][0]
    assert "warning: placeholder content" in result.explain()


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "sceneedit", *args], capture_output=True,
                          text=True, timeout=120)


def test_render_cli_refuses_or_reports_the_placeholder(photo, tmp_path):
    image, graph = photo
    Image.fromarray(image).save(tmp_path / "coffee.png")
    graph.save(tmp_path / "g.json")
    (tmp_path / "plan.json").write_text(json.dumps(_plan(NEW_CONTENT["add"]).to_dict()))
    base = ["render", str(tmp_path / "plan.json"), "--image", str(tmp_path / "coffee.png"),
            "--graph", str(tmp_path / "g.json"), "-o", str(tmp_path / "out.png")]
    r = _cli(*base)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith("sceneedit render: error: (edit 0: add ")
    assert not (tmp_path / "out.png").exists()
    r = _cli(*base, "--placeholder")
    assert r.returncode == 0, r.stderr
    assert "sceneedit render: warning: placeholder content: edit 0: add" in r.stderr
    out = np.asarray(Image.open(tmp_path / "out.png").convert("RGB"))
    assert (out != image).any()
