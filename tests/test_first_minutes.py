"""A new user's first minutes: `sceneedit prepare` (run by the setup of the main job) leaves
the planner's prompt prefix on disk so the first plan of a fresh install does not evaluate it,
and the commands take options between their positionals. Real llama.cpp on a tiny GGUF."""
import os
import subprocess
import sys

import pytest

from sceneedit.synthetic import generate_scene


def run(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "sceneedit", *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    pytest.importorskip("llama_cpp")
    from sceneedit.llm.tiny_gguf import write_tiny_gguf

    return write_tiny_gguf(tmp_path_factory.mktemp("tiny") / "tiny.gguf")


def test_prepare_evaluates_the_prefix_once_and_later_processes_restore_it(tmp_path, tiny_model):
    states = tmp_path / "states"
    env = {"SCENEEDIT_PREFIX_CACHE": str(states)}
    first = run("prepare", "--llm", str(tiny_model), env=env)
    assert first.returncode == 0, first.stderr
    assert "evaluated" in first.stdout and "saved their KV state" in first.stdout
    saved = list(states.glob("*.kv"))
    assert len(saved) == 1 and saved[0].stat().st_size > 0
    second = run("prepare", "--llm", str(tiny_model), env=env)
    assert second.returncode == 0, second.stderr
    assert "restored from disk" in second.stdout
    assert list(states.glob("*.kv")) == saved   # nothing new written


def test_prepare_names_a_missing_model_file(tmp_path):
    pytest.importorskip("llama_cpp")   # without it, the message names the llm extra instead
    r = run("prepare", "--llm", str(tmp_path / "nope.gguf"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "nope.gguf" in r.stderr


def test_plan_takes_options_between_its_positionals(tmp_path, tiny_model):
    scene = generate_scene(3, objects=[("apple", "red"), ("mug", "blue")])
    from sceneedit.io import save_image

    save_image(tmp_path / "scene.png", scene.image)
    scene.graph.save(tmp_path / "scene.graph.json")
    env = {"SCENEEDIT_PREFIX_CACHE": "off"}
    # the order a user types: IMAGE, then an option, then the instruction, then more options
    r = run("plan", str(tmp_path / "scene.png"), "--graph", str(tmp_path / "scene.graph.json"),
            "Remove the apple.", "--llm", str(tiny_model), "-o", str(tmp_path / "p.json"),
            env=env)
    assert r.returncode == 0, r.stderr
    assert "instruction: Remove the apple." in r.stdout
    assert (tmp_path / "p.json").is_file()
