"""Plan on one machine, render on another: self-contained plans across processes.

A plan written by `sceneedit plan --self-contained` (or sealed from a hand-written plan) in one
process and rendered by `sceneedit render` in another gives the same bytes as an in-process
render; an image whose pixels differ is refused; a folder of plans renders in one process.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sceneedit.diffusion.weights import missing_packages
from sceneedit.errors import InvalidInputError, MissingWeightsError
from sceneedit.io import image_sha256, load_image
from sceneedit.plan import Plan
from sceneedit.render_config import RenderConfig
from sceneedit.selfcontained import render_folder, render_selfcontained, seal_plan
from sceneedit.synthetic import generate_scene

# One OpenMP thread: the tiny models gain nothing from more, and spinning threads crawl on a
# shared 2-core machine.
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
SEAL = """
import sys
from sceneedit.io import load_image
from sceneedit.plan import Plan
from sceneedit.render_config import RenderConfig
from sceneedit.selfcontained import seal_plan
from sceneedit.synthetic import generate_scene
plan, image, config, out = sys.argv[1:5]
sealed = seal_plan(Plan.load(plan), load_image(image), generate_scene(5, width=320, height=160,
    objects=[("apple", "red"), ("mug", "blue"), ("book", "green")]).graph,
    RenderConfig.model_validate_json(config), image_name="scene.png")
sealed.save(out)
"""


def sceneedit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sceneedit", *args], capture_output=True,
                          text=True, env=ENV, timeout=300)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("split")
    scene = generate_scene(5, width=320, height=160,
                           objects=[("apple", "red"), ("mug", "blue"), ("book", "green")])
    Image.fromarray(scene.image).save(d / "scene.png")
    scene.graph.save(d / "graph.json")
    ids = {o.label: o.id for o in scene.graph.objects}
    plan = Plan(instruction="Remove the mug and make the book striped.",
                edits=[{"op": "remove", "target": ids["mug"]},
                       {"op": "restyle", "target": ids["book"], "style": "striped"}])
    plan.save(d / "handwritten.json")
    return d, scene, ids


def _png(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_plan_in_one_process_render_in_another_is_byte_identical(files, tmp_path):
    pytest.importorskip("llama_cpp")
    from sceneedit.llm.tiny_gguf import write_tiny_gguf

    d, scene, _ = files
    model = write_tiny_gguf(tmp_path / "tiny.gguf")
    r = sceneedit("plan", str(d / "scene.png"), "Remove the mug.", "--graph",
                  str(d / "graph.json"), "--llm", str(model), "--threads", "1",
                  "--self-contained", "--seed", "3", "-o", str(tmp_path / "plan.json"))
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "plan.json").read_text())
    assert doc["image_sha256"] == image_sha256(scene.image) and doc["image_name"] == "scene.png"
    assert doc["graph"]["objects"] and doc["render"]["seed"] == 3
    assert doc["workflow"]["format"] == "sceneedit.workflow/1"
    assert doc["workflow"]["bricks"]["used"] == "classical"

    r = sceneedit("render", str(tmp_path / "plan.json"), "--image", str(d / "scene.png"),
                  "-o", str(tmp_path / "out.png"))
    assert r.returncode == 0, r.stderr
    here = render_selfcontained(Plan.load(tmp_path / "plan.json"), scene.image)
    assert np.array_equal(_png(tmp_path / "out.png"), here.image)


def test_handwritten_plan_sealed_and_rendered_across_processes(files, tmp_path):
    d, scene, _ = files
    config = RenderConfig(seed=11)
    r = subprocess.run([sys.executable, "-c", SEAL, str(d / "handwritten.json"),
                        str(d / "scene.png"), config.model_dump_json(),
                        str(tmp_path / "sealed.json")], capture_output=True, text=True, env=ENV,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    r = sceneedit("render", str(tmp_path / "sealed.json"), "--image", str(d / "scene.png"),
                  "-o", str(tmp_path / "out.png"))
    assert r.returncode == 0, r.stderr
    out = _png(tmp_path / "out.png")
    here = render_selfcontained(Plan.load(tmp_path / "sealed.json"), scene.image)
    assert np.array_equal(out, here.image) and not np.array_equal(out, scene.image)
    # the same plan, sealed in this process with the same seed, compiles and renders the same
    ours = seal_plan(Plan.load(d / "handwritten.json"), scene.image, scene.graph, config,
                     image_name="scene.png")
    assert ours.to_dict() == Plan.load(tmp_path / "sealed.json").to_dict()


def test_generative_plan_renders_byte_identically_in_another_process(files, tmp_path):
    pytest.importorskip("diffusers")
    from sceneedit.diffusion.tiny import write_tiny_inpaint_pipeline

    d, scene, ids = files
    model = write_tiny_inpaint_pipeline(tmp_path / "tiny-sd")
    plan = Plan(instruction="x", edits=[{"op": "replace", "target": ids["book"],
                                         "with": "a potted plant"},
                                        {"op": "recolor", "target": ids["apple"],
                                         "color": "yellow"}])
    plan.save(tmp_path / "plan.json")
    config = RenderConfig(bricks="generative", model=str(model), steps=2, seed=7)
    r = subprocess.run([sys.executable, "-c", SEAL, str(tmp_path / "plan.json"),
                        str(d / "scene.png"), config.model_dump_json(),
                        str(tmp_path / "sealed.json")], capture_output=True, text=True, env=ENV,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    sealed = Plan.load(tmp_path / "sealed.json")
    assert sealed.model_extra["workflow"]["bricks"]["used"] == "generative"
    r = sceneedit("render", str(tmp_path / "sealed.json"), "--image", str(d / "scene.png"),
                  "-o", str(tmp_path / "out.png"))
    assert r.returncode == 0, r.stderr

    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the subprocess ran with one thread too
    try:
        here = render_selfcontained(sealed, scene.image)
    finally:
        torch.set_num_threads(threads)
    out = _png(tmp_path / "out.png")
    assert np.array_equal(out, here.image)
    changed = (out != scene.image).any(axis=2)
    assert changed.any() and not changed[~here.footprint].any()


def test_an_image_with_other_pixels_is_refused(files, tmp_path):
    d, scene, _ = files
    sealed = seal_plan(Plan.load(d / "handwritten.json"), scene.image, scene.graph)
    sealed.save(tmp_path / "sealed.json")
    other = scene.image.copy()
    other[0, 0] ^= 1                                # one bit of one pixel
    Image.fromarray(other).save(tmp_path / "other.png")
    with pytest.raises(InvalidInputError, match="not the image this plan was made for"):
        render_selfcontained(sealed, other)
    r = sceneedit("render", str(tmp_path / "sealed.json"), "--image", str(tmp_path / "other.png"),
                  "-o", str(tmp_path / "out.png"))
    assert r.returncode == 2 and "not the image this plan was made for" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "out.png").exists()


def test_carried_workflow_is_what_runs_and_overrides_recompile(files):
    d, scene, _ = files
    sealed = seal_plan(Plan.load(d / "handwritten.json"), scene.image, scene.graph,
                       RenderConfig(seed=1))
    a = render_selfcontained(sealed, scene.image)
    assert a.workflow.to_dict() == sealed.model_extra["workflow"]
    b = render_selfcontained(sealed, scene.image, overrides={"seed": 2})
    restyle = [n for n in b.workflow.nodes if n.brick == "restyle"]
    assert restyle and restyle[0].inputs["seed"] == 3      # seed 2 + edit index 1
    assert not np.array_equal(a.image, b.image)


def test_sealed_generative_plan_where_the_weights_are_missing(files, tmp_path):
    d, scene, _ = files
    plan = Plan.load(d / "handwritten.json")
    absent = str(tmp_path / "not-here")
    strict = seal_plan(plan, scene.image, scene.graph,
                       RenderConfig(bricks="generative", model=absent, steps=2))
    assert strict.model_extra["workflow"]["bricks"]["used"] == "generative"  # not checked yet
    # without the diffusion extra (a core-only install) the missing packages are named instead
    named = r"sceneedit\[diffusion\]" if missing_packages() else "not-here"
    with pytest.raises(MissingWeightsError, match=named):
        render_selfcontained(strict, scene.image)
    lenient = seal_plan(plan, scene.image, scene.graph,
                        RenderConfig(bricks="auto", model=absent, steps=2))
    with pytest.warns(UserWarning, match="classical"):
        out = render_selfcontained(lenient, scene.image)
    assert out.workflow.model_extra["bricks"]["used"] == "classical"
    assert not (out.image != scene.image).any(axis=2)[~out.footprint].any()


def test_a_folder_of_plans_renders_in_one_process(files, tmp_path):
    d, scene, ids = files
    images, plans, out = tmp_path / "images", tmp_path / "plans", tmp_path / "out"
    images.mkdir(), plans.mkdir()
    Image.fromarray(scene.image).save(images / "renamed.png")   # found by pixel hash
    other = generate_scene(9, width=160, height=128, objects=[("lamp", None)])
    Image.fromarray(other.image).save(images / "lamp.png")
    for i, edit in enumerate([{"op": "remove", "target": ids["apple"]},
                              {"op": "recolor", "target": ids["mug"], "color": "red"}]):
        seal_plan(Plan(instruction="x", edits=[edit]), scene.image, scene.graph,
                  RenderConfig(seed=i)).save(plans / f"p{i}.json")
    lamp = other.graph.objects[0].id
    seal_plan(Plan(instruction="x", edits=[{"op": "remove", "target": lamp}]), other.image,
              other.graph, image_name="lamp.png").save(plans / "p2.json")
    stranger = generate_scene(2, width=160, height=128, objects=[("lamp", None)])
    seal_plan(Plan(instruction="x", edits=[]), stranger.image, stranger.graph
              ).save(plans / "p3.json")                 # its image is not in the folder
    r = sceneedit("render", str(plans), "--images", str(images), "-o", str(out))
    assert r.returncode == 1, r.stderr                    # one plan failed: said, not fatal
    summary = {s["plan"]: s for s in json.loads((out / "render-summary.json").read_text())}
    assert [summary[f"p{i}.json"]["error"] for i in range(3)] == [None] * 3
    assert summary["p0.json"]["image"] == "renamed.png" and summary["p2.json"]["image"] == "lamp.png"
    assert "no image" in summary["p3.json"]["error"]
    for i in range(3):
        assert (out / f"p{i}.png").is_file()
    p0 = render_selfcontained(Plan.load(plans / "p0.json"), scene.image)
    assert np.array_equal(_png(out / "p0.png"), p0.image)


def test_folder_render_loads_each_diffusion_model_once(files, tmp_path):
    pytest.importorskip("diffusers")
    import torch

    from sceneedit.diffusion import pipeline as pipeline_mod
    from sceneedit.diffusion.tiny import write_tiny_inpaint_pipeline

    d, scene, ids = files
    model = write_tiny_inpaint_pipeline(tmp_path / "tiny-sd")
    plans, out = tmp_path / "plans", tmp_path / "out"
    plans.mkdir()
    (tmp_path / "images").mkdir()
    Image.fromarray(scene.image).save(tmp_path / "images" / "scene.png")
    config = RenderConfig(bricks="generative", model=str(model), steps=2)
    for i, target in enumerate(("apple", "mug", "book")):
        seal_plan(Plan(instruction="x", edits=[{"op": "remove", "target": ids[target]}]),
                  scene.image, scene.graph, config, image_name="scene.png"
                  ).save(plans / f"p{i}.json")
    before = pipeline_mod.LOAD_COUNT["loads"]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        items = render_folder(plans, tmp_path / "images", out)
    finally:
        torch.set_num_threads(threads)
    assert [i.error for i in items] == [None] * 3 and all(i.changed_pixels for i in items)
    assert pipeline_mod.LOAD_COUNT["loads"] - before == 1
    assert load_image(out / "p1.png").shape == scene.image.shape
