"""Generative bricks through their real diffusers path, on a tiny random-weight Stable Diffusion
inpainting pipeline built from configs in the test session (no hub access).

Random weights paint noise; what is checked is the machinery: the compiler's choice of bricks,
crop windows at the model's resolution, seeded determinism, batching, the classical fallback and,
for every generative brick, that pixels outside the footprint are the input's exact bytes.
"""
from __future__ import annotations

import functools
import json
import warnings

import numpy as np
import pytest

pytest.importorskip("diffusers")
torch = pytest.importorskip("torch")

from sceneedit.bricks import REGISTRY  # noqa: E402
from sceneedit.compiler import compile_plan  # noqa: E402
from sceneedit.diffusion import pipeline as pipeline_mod  # noqa: E402
from sceneedit.diffusion.choice import GenerativeFallbackWarning, choose_bricks  # noqa: E402
from sceneedit.diffusion.crop import MAX_UPSCALE, crop_windows  # noqa: E402
from sceneedit.diffusion.generate import GenerationSettings, inpaint, plan_windows  # noqa: E402
from sceneedit.diffusion.runtime import DiffusionRuntime  # noqa: E402
from sceneedit.diffusion.tiny import TINY_NATIVE, write_tiny_inpaint_pipeline  # noqa: E402
from sceneedit.errors import MissingWeightsError, ValidationError  # noqa: E402
from sceneedit.plan import Plan  # noqa: E402
from sceneedit.render import render_plan  # noqa: E402
from sceneedit.render_config import RenderConfig  # noqa: E402
from sceneedit.synthetic import generate_scene  # noqa: E402

GENERATIVE = ("gen_inpaint", "gen_replace", "gen_add", "gen_restyle", "gen_recolor")


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    # The tiny model's convolutions are too small to gain from threads, and on a shared 2-core
    # machine OpenMP's spinning threads make them 20x slower.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    return str(write_tiny_inpaint_pipeline(tmp_path_factory.mktemp("tiny-sd") / "pipe"))


@pytest.fixture(scope="module")
def scene():
    s = generate_scene(5, width=320, height=160,
                       objects=[("apple", "red"), ("mug", "blue"), ("book", "green")])
    ids = {o.label: o.id for o in s.graph.objects}
    return s, ids


def _config(model: str, **kw) -> RenderConfig:
    return RenderConfig(bricks="generative", model=model, steps=2, **kw)


def _edits(ids):
    return {
        "gen_inpaint": {"op": "remove", "target": ids["mug"]},
        "gen_replace": {"op": "replace", "target": ids["book"], "with": "a potted plant"},
        "gen_add": {"op": "add", "what": "a cat", "anchor": ids["apple"], "relation": "right_of"},
        "gen_restyle": {"op": "restyle", "target": ids["book"], "style": "made of marble"},
        "gen_recolor": {"op": "recolor", "target": ids["mug"], "color": "orange"},
    }


def test_generative_bricks_are_registered_in_the_one_registry():
    for name in GENERATIVE:
        spec = REGISTRY.get(name)
        assert spec.changes_pixels and spec.device == "any" and "diffusers" in spec.requires
        assert {"model", "seed", "steps", "strength"} <= {p.name for p in spec.inputs}
        assert name in REGISTRY.tool_docs()


@pytest.mark.parametrize("brick", GENERATIVE)
def test_each_generative_brick_runs_for_real_and_preserves_outside(brick, scene, tiny_model):
    s, ids = scene
    plan = Plan(instruction=brick, edits=[_edits(ids)[brick]])
    out = render_plan(plan, s.image, s.graph, config=_config(tiny_model))
    bricks = [step.brick for step in out.trace.steps]
    assert brick in bricks, bricks
    assert out.workflow.model_extra["bricks"]["used"] == "generative"
    changed = (out.image != s.image).any(axis=2)
    fp = out.footprint
    assert changed[fp].sum() > 0.3 * fp.sum()       # the random model repaints the footprint
    assert not changed[~fp].any()                   # byte-identical everywhere else
    assert np.array_equal(out.image[~fp], s.image[~fp])


def test_holes_of_moves_are_filled_generatively_too(scene, tiny_model):
    s, ids = scene
    plan = Plan(instruction="x", edits=[{"op": "move", "target": ids["apple"],
                                         "anchor": ids["book"], "relation": "below"}])
    out = render_plan(plan, s.image, s.graph, config=_config(tiny_model))
    bricks = [step.brick for step in out.trace.steps]
    assert "gen_inpaint" in bricks and "paste_object" in bricks
    assert not (out.image != s.image).any(axis=2)[~out.footprint].any()


def test_the_brick_itself_writes_only_inside_its_mask(scene, tiny_model):
    s, _ = scene
    mask = np.zeros(s.image.shape[:2], bool)
    mask[30:50, 40:70] = True
    mask[100:110, 150:170] = True                   # a second part far away: its own window
    out = inpaint(s.image, mask, "a red ball", "", GenerationSettings(tiny_model, steps=2))
    diff = (out != s.image).any(axis=2)
    assert diff[mask].mean() > 0.5 and not diff[~mask].any()


def test_crop_windows_work_at_native_resolution_for_small_objects():
    mask = np.zeros((1000, 1500), bool)
    mask[500:520, 700:712] = True                   # a 12x20 object in a 1500x1000 photo
    (w,) = crop_windows(mask, native=512, multiple=64)
    assert w.work_size == (512, 512)
    x0, y0, x1, y1 = w.box
    assert x0 <= 700 and x1 >= 712 and y0 <= 500 and y1 >= 520   # the object is inside
    assert w.scale <= MAX_UPSCALE + 1e-9            # a speck still gets context...
    assert w.size[0] == 512 // MAX_UPSCALE          # ...and is enlarged, not shrunk 3x
    # a whole-image resize would have given the object 512/1500 of its pixels
    mask[:] = False
    mask[100:900, 200:1300] = True                  # a big object: downscaled, kept whole
    (big,) = crop_windows(mask, native=512, multiple=64)
    assert big.box == (0, 0, 1500, 1000) and big.work_size == (512, 320)


def test_far_apart_parts_get_separate_windows_and_near_ones_share():
    mask = np.zeros((600, 800), bool)
    mask[50:70, 50:70] = True
    mask[500:530, 700:730] = True
    mask[75:85, 75:85] = True                       # close to the first part
    windows = crop_windows(mask, native=64, multiple=8)
    assert len(windows) == 2
    covered = np.zeros_like(mask)
    for w in windows:
        x0, y0, x1, y1 = w.box
        covered[y0:y1, x0:x1] = True
        assert w.work_size == (64, 64)
    assert covered[mask].all()


def test_windows_of_the_tiny_pipeline_use_its_native_resolution(tiny_model):
    pipe = pipeline_mod.get_pipeline(tiny_model)
    mask = np.zeros((144, 192), bool)
    mask[60:70, 80:88] = True
    (w,) = plan_windows(pipe, mask)
    assert w.work_size == (TINY_NATIVE, TINY_NATIVE)


def test_seeded_and_deterministic(scene, tiny_model):
    s, ids = scene
    plan = Plan(instruction="x", edits=[_edits(ids)["gen_replace"]])
    a = render_plan(plan, s.image, s.graph, config=_config(tiny_model, seed=3))
    b = render_plan(plan, s.image, s.graph, config=_config(tiny_model, seed=3))
    c = render_plan(plan, s.image, s.graph, config=_config(tiny_model, seed=4))
    assert np.array_equal(a.image, b.image)
    assert not np.array_equal(a.image, c.image)


def test_pipeline_is_loaded_once_and_shared(scene, tiny_model):
    s, ids = scene
    pipeline_mod.get_pipeline(tiny_model)
    loads = pipeline_mod.LOAD_COUNT["loads"]
    for brick in ("gen_inpaint", "gen_recolor"):
        render_plan(Plan(instruction="x", edits=[_edits(ids)[brick]]), s.image, s.graph,
                    config=_config(tiny_model))
    assert pipeline_mod.LOAD_COUNT["loads"] == loads


def test_edits_of_one_kind_share_one_batched_diffusion_call(scene, tiny_model, monkeypatch):
    s, ids = scene
    plan = Plan(instruction="remove all", edits=[{"op": "remove", "target": ids["mug"]},
                                                 {"op": "remove", "target": ids["book"]}])
    wf = compile_plan(plan, s.graph, config=_config(tiny_model))
    assert [n.brick for n in wf.nodes].count("gen_inpaint") == 1   # coarse fills, one refine
    batch_sizes = []
    real_call = type(pipeline_mod.get_pipeline(tiny_model)).__call__

    @functools.wraps(real_call)  # keeps the signature the generator reads its arguments from
    def counting(pipe, *args, **kwargs):
        batch_sizes.append(len(kwargs["prompt"]))
        return real_call(pipe, *args, **kwargs)

    monkeypatch.setattr(type(pipeline_mod.get_pipeline(tiny_model)), "__call__", counting)
    out = render_plan(plan, s.image, s.graph, config=_config(tiny_model))
    assert batch_sizes == [2]                       # two far-apart objects: two windows, one call
    assert not (out.image != s.image).any(axis=2)[~out.footprint].any()


def test_coarse_to_fine_refines_the_classical_result(scene, tiny_model):
    s, ids = scene
    wf = compile_plan(Plan(instruction="x", edits=[_edits(ids)["gen_recolor"]]), s.graph,
                      config=_config(tiny_model, strength=0.4))
    bricks = [n.brick for n in wf.nodes]
    assert bricks.index("recolor") < bricks.index("gen_recolor")
    gen = next(n for n in wf.nodes if n.brick == "gen_recolor")
    assert gen.inputs["strength"] == 0.4 and gen.inputs["image"] == {"ref": "n2.image"}
    # a material the classical painter does not know is generated directly, still a refinement
    wf = compile_plan(Plan(instruction="x", edits=[{"op": "restyle", "target": ids["book"],
                                                    "style": "covered in moss"}]), s.graph,
                      config=_config(tiny_model))
    bricks = [n.brick for n in wf.nodes]
    assert "restyle" not in bricks and "gen_restyle" in bricks


def test_default_stays_classical(scene):
    s, ids = scene
    wf = compile_plan(Plan(instruction="x", edits=list(_edits(ids).values())[:1]), s.graph)
    assert not any(n.brick.startswith("gen_") for n in wf.nodes)
    assert wf.model_extra["bricks"] == {"requested": "classical", "used": "classical",
                                        "reason": "requested", "model": None,
                                        "placeholder": False}


def test_auto_falls_back_to_classical_with_a_warning_when_the_model_is_missing(scene, tmp_path):
    s, ids = scene
    plan = Plan(instruction="x", edits=[_edits(ids)["gen_inpaint"]])
    config = RenderConfig(bricks="auto", model=str(tmp_path / "no-such-model"), steps=2)
    with pytest.warns(GenerativeFallbackWarning, match="no-such-model"):
        out = render_plan(plan, s.image, s.graph, config=config)
    assert "gen_inpaint" not in [step.brick for step in out.trace.steps]
    choice = out.workflow.model_extra["bricks"]
    assert choice["requested"] == "auto" and choice["used"] == "classical"
    assert "model_index.json" in choice["reason"]
    assert json.loads(out.workflow.to_json())["bricks"]["used"] == "classical"


def test_auto_uses_the_model_when_it_is_there(scene, tiny_model):
    s, ids = scene
    with warnings.catch_warnings():
        warnings.simplefilter("error", GenerativeFallbackWarning)
        choice = choose_bricks(RenderConfig(bricks="auto", model=tiny_model))
    assert choice.used == "generative" and choice.model == tiny_model


def test_generative_without_weights_says_what_to_download(tmp_path):
    with pytest.raises(MissingWeightsError) as err:
        choose_bricks(RenderConfig(bricks="generative", model=str(tmp_path / "absent")))
    assert "save_pretrained" in str(err.value) and "hf download" in str(err.value)
    with pytest.raises(MissingWeightsError) as err:
        choose_bricks(RenderConfig(bricks="generative", model="some-org/not-downloaded"))
    msg = str(err.value)
    assert "some-org/not-downloaded" in msg and "hf download some-org/not-downloaded" in msg
    assert "--weights PATH" in msg


def test_runtime_settings_are_checked():
    with pytest.raises(ValidationError, match="device"):
        DiffusionRuntime(device="gpu0")
    with pytest.raises(ValidationError, match="cpu_offload"):
        DiffusionRuntime(device="cpu", cpu_offload=True)
    assert DiffusionRuntime(device="cuda").dtype_for("StableDiffusionInpaintPipeline") == "float16"
    assert DiffusionRuntime(device="cuda").dtype_for("FluxFillPipeline") == "bfloat16"
    assert DiffusionRuntime().dtype_for("StableDiffusionInpaintPipeline") == "float32"
