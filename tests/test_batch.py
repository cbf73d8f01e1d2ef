"""``sceneedit batch`` on the synthetic domain: the plain loop and a local Ray instance (started
once for the module), failure records, resuming, and planning by a tiny random-weight GGUF."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sceneedit.batch import (BatchSettings, OutputStore, make_synthetic_dataset, read_dataset,
                             run_batch)
from sceneedit.batch.synthetic import BAD_ITEMS
from sceneedit.errors import InvalidInputError
from sceneedit.io import load_image

# Ray Data's own deprecation notices about its internal settings are not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")

N_GOOD = 4
# Where and how each deliberately bad item must fail (id -> stage, error class, words).
EXPECTED_FAILURES = {
    "bad-corrupt-image": ("load", "InvalidInputError", "cannot be decoded"),
    "bad-unknown-id": ("plan", "ValidationError", "unknown object id 'o99'"),
    "bad-missing-image": ("load", "InvalidInputError", "not found"),
    "bad-plan-json": ("plan", "InvalidInputError", "bad-plan-json.plan.json"),
    f"line{N_GOOD + len(BAD_ITEMS):05d}": ("read", "InvalidInputError", "not valid JSON"),
}
TIMING_AND_PLACE = ("seconds", "image")  # differ between runs / folders; all else must not


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    return make_synthetic_dataset(N_GOOD, tmp_path_factory.mktemp("ds"), seed=3)


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    import logging

    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR,
             log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def loop_out(dataset, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("loop")
    return out, run_batch(dataset, out, use_ray=False)


def _records(out: Path) -> dict[str, dict]:
    return {r["id"]: r for r in OutputStore(out).latest_records().values()}


def _comparable(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in TIMING_AND_PLACE}


def test_loop_writes_results_and_records_every_failure(dataset, loop_out):
    out, summary = loop_out
    records = _records(out)
    assert len(records) == N_GOOD + len(BAD_ITEMS)  # nothing dropped
    assert summary["status"] == {"ok": N_GOOD, "unresolved": 0, "failed": len(BAD_ITEMS),
                                 "pending": 0}
    for item in read_dataset(dataset)[:N_GOOD]:
        r = records[item.id]
        assert r["status"] == "ok" and r["plan_source"] == "given" and r["error"] is None
        before, after = load_image(item.image), load_image(out / r["outputs"]["image"])
        changed = (before != after).any(axis=2)
        assert changed.sum() == r["changed_px"] > 0
        assert r["changed_outside_footprint"] == 0
        plan = json.loads((out / r["outputs"]["plan"]).read_text())
        assert plan["instruction"] == item.instruction and plan["graph"]["objects"]
    for item_id, (stage, cls, words) in EXPECTED_FAILURES.items():
        r = records[item_id]
        assert (r["status"], r["stage"], r["error"]["class"]) == ("failed", stage, cls), r
        assert words in r["error"]["message"]
        assert "image" not in r["outputs"]
    listed = {f["id"]: f for f in summary["failures"]}
    assert set(listed) == set(EXPECTED_FAILURES)
    assert json.loads((out / "summary.json").read_text()) == summary


def test_resume_skips_finished_items_and_retries_failures(dataset, loop_out, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(loop_out[0], out)
    done = {i: (out / "items" / i / "edited.png").stat().st_mtime_ns
            for i, r in _records(out).items() if r["status"] == "ok"}
    with open(out / "records.jsonl", "a") as fh:  # a crash left half a line behind
        fh.write('{"format": "sceneedit.batch-record/1", "id": "scene00')
    lines_before = (out / "records.jsonl").read_text().count("\n")
    summary = run_batch(dataset, out, use_ray=False)
    assert summary["this_run"]["skipped"] == N_GOOD
    assert summary["this_run"]["processed"] == len(BAD_ITEMS)
    assert {i: (out / "items" / i / "edited.png").stat().st_mtime_ns for i in done} == done
    assert (out / "records.jsonl").read_text().count("\n") == lines_before + 1 + len(BAD_ITEMS)
    assert summary["status"]["ok"] == N_GOOD
    # a changed instruction is a different item: it is redone, the others are not
    lines = dataset.read_text().splitlines()
    entry = json.loads(lines[0])
    entry["instruction"] += " Please."
    changed = tmp_path / "changed.jsonl"
    changed.write_text("\n".join([json.dumps(entry)] + lines[1:N_GOOD]) + "\n")
    # the same files beside it (paths are relative to the dataset), so only the text differs
    shutil.copytree(dataset.parent / "images", tmp_path / "images")
    shutil.copytree(dataset.parent / "plans", tmp_path / "plans")
    again = run_batch(changed, out, use_ray=False)
    assert (again["this_run"]["processed"], again["this_run"]["skipped"]) == (1, N_GOOD - 1)


def test_ray_results_match_the_plain_loop(dataset, loop_out, local_ray, tmp_path):
    out = tmp_path / "ray"
    summary = run_batch(dataset, out, use_ray=True, workers=2)
    assert summary["this_run"]["executor"] == "ray"
    assert local_ray.is_initialized()  # an instance it did not start is left running
    loop_records, ray_records = _records(loop_out[0]), _records(out)
    assert set(ray_records) == set(loop_records)
    for item_id, r in ray_records.items():
        assert _comparable(r) == _comparable(loop_records[item_id]), item_id
        for name in ("image", "plan"):
            if name in r["outputs"]:
                assert (out / r["outputs"][name]).read_bytes() == \
                    (loop_out[0] / r["outputs"][name]).read_bytes()
    resumed = run_batch(dataset, out, use_ray=True, workers=2)
    assert (resumed["this_run"]["skipped"], resumed["this_run"]["processed"]) == \
        (N_GOOD, len(BAD_ITEMS))
    assert [f["id"] for f in resumed["failures"]] == sorted(EXPECTED_FAILURES)


def test_llm_plans_items_inside_the_batch(local_ray, tmp_path):
    pytest.importorskip("llama_cpp")
    from sceneedit.plan import Plan
    from sceneedit.llm.tiny_gguf import write_tiny_gguf

    model = write_tiny_gguf(tmp_path / "tiny.gguf", n_ctx=4096, seed=0)
    data = make_synthetic_dataset(2, tmp_path / "ds", with_plans=False, with_failures=False)
    settings = BatchSettings(llm=str(model), max_repairs=1)
    on_ray = run_batch(data, tmp_path / "ray", settings=settings, use_ray=True, workers=2)
    in_loop = run_batch(data, tmp_path / "loop", settings=settings, use_ray=False)
    assert on_ray["status"]["failed"] == 0 and on_ray["status"]["pending"] == 0
    ray_records, loop_records = _records(tmp_path / "ray"), _records(tmp_path / "loop")
    for item_id, r in ray_records.items():
        assert r["plan_source"] == "llm" and r["status"] in ("ok", "unresolved")
        # random weights: whatever it planned is a valid plan for the perceived graph
        plan = Plan.load(tmp_path / "ray" / r["outputs"]["plan"])
        assert plan.edits or plan.unresolved
        plan.validate_against(plan.graph)
        assert _comparable(r) == _comparable(loop_records[item_id])  # deterministic
    assert in_loop["status"] == on_ray["status"]


def test_items_without_a_plan_or_model_fail_clearly(tmp_path):
    data = make_synthetic_dataset(1, tmp_path / "ds", with_plans=False, with_failures=False)
    settings = BatchSettings(llm=str(tmp_path / "no-such-model.gguf"))
    summary = run_batch(data, tmp_path / "out", use_ray=False, settings=settings)
    (failure,) = summary["failures"]
    # a core-only install (no llama-cpp-python) fails as clearly, naming the missing extra
    named = "no-such-model.gguf" if importlib.util.find_spec("llama_cpp") else "sceneedit[llm]"
    assert failure["stage"] == "plan" and named in failure["message"]


def test_folder_with_instructions_tsv(tmp_path):
    from sceneedit.io import save_image
    from sceneedit.synthetic import generate_scene

    save_image(tmp_path / "a.png", generate_scene(1, width=160, height=120).image)
    (tmp_path / "instructions.tsv").write_text("# image\tinstruction\n"
                                               "a.png\tRemove the apple.\n"
                                               "a.png\tMake it red.\n"
                                               "b.png\n")
    items = read_dataset(tmp_path)
    assert [(i.id, Path(i.image).name, i.instruction) for i in items] == [
        ("00000-a", "a.png", "Remove the apple."), ("00001-a", "a.png", "Make it red."),
        ("00002-b", "b.png", "")]
    assert items[2].problem["message"].endswith("missing or empty instruction")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInputError, match="neither dataset.jsonl nor instructions.tsv"):
        read_dataset(tmp_path / "empty")
    (tmp_path / "dupes.jsonl").write_text('{"id": "x", "image": "a.png", "instruction": "a"}\n'
                                          '{"id": "x", "image": "a.png", "instruction": "b"}\n')
    with pytest.raises(InvalidInputError, match="unique.*x"):
        read_dataset(tmp_path / "dupes.jsonl")


def test_cli_batch_and_no_ray_import_at_startup(tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "sceneedit", "batch", *args],
                              capture_output=True, text=True, timeout=120)

    r = cli("--make-synthetic", "2", str(tmp_path / "ds"))
    assert r.returncode == 0, r.stderr
    r = cli(str(tmp_path / "ds"), "-o", str(tmp_path / "out"), "--no-ray", "--limit", "3")
    assert r.returncode == 1  # an item failed: the bad ones follow the good ones
    assert "bad-corrupt-image" in r.stdout and "cannot be decoded" in r.stdout
    assert "[3/3]" in r.stderr
    r = cli(str(tmp_path / "nothing"), "-o", str(tmp_path / "out2"), "--no-ray")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "nothing" in r.stderr
    code = ("import sys, sceneedit.batch; from sceneedit.cli import build_parser; "
            "build_parser(); print([m for m in ('ray', 'cv2', 'torch') if m in sys.modules])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr


def test_stale_output_removed_when_an_item_now_fails(tmp_path):
    data = make_synthetic_dataset(1, tmp_path / "ds", with_failures=False)
    out = tmp_path / "out"
    first = run_batch(data, out, use_ray=False)
    assert first["status"]["ok"] == 1
    (tmp_path / "ds" / "images" / "scene0000.png").write_bytes(b"not an image")
    second = run_batch(data, out, use_ray=False)
    assert second["status"]["failed"] == 1 and second["this_run"]["processed"] == 1
    assert not (out / "items" / "scene0000" / "edited.png").exists()
    assert [f["stage"] for f in second["failures"]] == ["load"]


def test_an_item_whose_result_never_comes_back_is_recorded_as_failed(tmp_path, monkeypatch):
    import sceneedit.batch.runner as runner
    from sceneedit.batch.executors import run_loop

    data = make_synthetic_dataset(2, tmp_path / "ds", with_failures=False)

    def loses_the_first(items, settings, on_result):  # as when a Ray worker dies
        return run_loop(items[1:], settings, on_result)

    monkeypatch.setattr(runner, "run_loop", loses_the_first)
    summary = run_batch(data, tmp_path / "out", use_ray=False)
    assert summary["status"] == {"ok": 1, "unresolved": 0, "failed": 1, "pending": 0}
    (lost,) = summary["failures"]
    assert (lost["id"], lost["stage"], lost["class"]) == ("scene0000", "worker", "WorkerLost")


def test_nothing_left_to_do_starts_no_ray(dataset, tmp_path, monkeypatch):
    import sceneedit.batch.runner as runner

    first = json.loads(dataset.read_text().splitlines()[0])
    for name in ("image", "plan"):  # absolute paths: the file lives elsewhere
        first[name] = str(dataset.parent / first[name])
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps(first) + "\n")
    assert run_batch(one, tmp_path / "out", use_ray=False)["status"]["ok"] == 1

    def no_ray(*args, **kwargs):
        raise AssertionError("Ray was started with nothing to do")

    monkeypatch.setattr(runner, "run_ray", no_ray)
    again = run_batch(one, tmp_path / "out", use_ray=True)
    assert (again["this_run"]["skipped"], again["this_run"]["processed"]) == (1, 0)


def test_a_plan_that_carries_its_graph_is_rendered_without_perception(tmp_path):
    from sceneedit.io import save_image
    from sceneedit.synthetic import generate_scene

    scene = generate_scene(5, width=200, height=150)
    save_image(tmp_path / "s.png", scene.image)
    target = scene.graph.objects[0]
    plan = {"format": "sceneedit.plan/1", "instruction": f"Remove the {target.label}.",
            "graph": scene.graph.to_dict(), "edits": [{"op": "remove", "target": target.id}]}
    (tmp_path / "d.jsonl").write_text(json.dumps({"id": "s", "image": "s.png", "plan": plan,
                                                  "instruction": plan["instruction"]}) + "\n")
    summary = run_batch(tmp_path / "d.jsonl", tmp_path / "out", use_ray=False)
    record = _records(tmp_path / "out")["s"]
    assert summary["status"]["ok"] == 1 and record["graph_source"] == "plan"
    assert "perceive" not in record["seconds"] and record["changed_px"] > 0
