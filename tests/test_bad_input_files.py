"""Bad files, bad paths and OS faults (issue 13, items 3, 7, 8, 9): each case asserts exit code 2,
one error line naming the problem and no traceback, and that nothing was left or changed on disk.

Most cases call ``sceneedit.cli.main`` in-process (a subprocess costs ~1 s of start-up each);
faults the machine cannot produce on demand (a full disk, a folder that becomes unwritable
between the check and the write) are injected at the ``os`` call that would fail. The slow
kill -9 runs are in ``benchmarks/kill_resume.py``.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sceneedit import outputs
from sceneedit.cli import main
from sceneedit.errors import InvalidInputError, UnsafePathError
from sceneedit.synthetic import generate_scene


# ---- helpers -----------------------------------------------------------------------------------

def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, *args, names: tuple[str, ...] = ()) -> str:
    """Run the command; assert exit 2, one error line naming each of ``names``, no traceback."""
    code, out, err = cli(capsys, *args)
    assert code == 2, (code, out, err)
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and ": error: " in lines[0], err
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def snapshot(folder: Path) -> dict[str, tuple[str, int, bool]]:
    """Every entry below ``folder``: content hash, mode and whether it is a link."""
    state = {}
    for p in sorted(folder.rglob("*")):
        st = p.lstat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        state[str(p.relative_to(folder))] = (digest, stat.S_IMODE(st.st_mode), p.is_symlink())
    return state


@pytest.fixture(scope="module")
def scene():
    return generate_scene(5, width=200, height=150, objects=[("apple", "red"), ("mug", "blue")])


@pytest.fixture
def work(tmp_path, scene):
    """scene.png, graph.json and plan.json (recolour the apple) in a fresh folder."""
    Image.fromarray(scene.image).save(tmp_path / "scene.png")
    scene.graph.save(tmp_path / "graph.json")
    apple = next(o.id for o in scene.graph.objects if o.label == "apple")
    plan = {"format": "sceneedit.plan/1", "instruction": "make the apple green",
            "edits": [{"op": "recolor", "target": apple, "color": "green"}]}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    return tmp_path


def render_args(work: Path, out: str | Path = "out.png", *extra) -> list[str]:
    return ["render", work / "plan.json", "--image", work / "scene.png", "--graph",
            work / "graph.json", "-o", work / out, *extra]


def sealed_plan(work: Path, scene, **config) -> dict:
    from sceneedit.plan import Plan
    from sceneedit.render_config import RenderConfig
    from sceneedit.selfcontained import seal_plan

    plan = Plan.load(work / "plan.json")
    return seal_plan(plan, scene.image, scene.graph, RenderConfig(**config),
                     image_name="scene.png").to_dict()


def deep_json(depth: int = 100_000) -> str:
    return "[" * depth + "]" * depth


# ---- 3. paths named by documents stay inside the folders the user gave -----------------------

@pytest.fixture
def folders(work, scene, tmp_path_factory):
    """plans/, images/ (holding scene.png) and a secret image outside both."""
    outside = tmp_path_factory.mktemp("outside")
    Image.fromarray(scene.image).save(outside / "secret.png")
    (work / "plans").mkdir()
    (work / "images").mkdir()
    Image.fromarray(scene.image).save(work / "images" / "scene.png")
    return work / "plans", work / "images", outside


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_plan_image_name_outside_the_images_folder_is_refused(capsys, work, scene, folders, how):
    plans, images, outside = folders
    data = sealed_plan(work, scene)
    if how == "dotdot":
        rel = os.path.relpath(outside / "secret.png", images)
        data["image_name"] = rel
    elif how == "absolute":
        data["image_name"] = str(outside / "secret.png")
    else:
        (images / "link.png").symlink_to(outside / "secret.png")
        data["image_name"] = "link.png"
    (plans / "evil.json").write_text(json.dumps(data))
    before = snapshot(outside)
    code, out, err = cli(capsys, "render", plans, "--images", images, "-o", work / "out")
    assert code == 2 and "Traceback" not in err, (code, out, err)
    assert "image_name" in out and "outside" in out
    summary = json.loads((work / "out" / "render-summary.json").read_text())
    assert summary[0]["error_class"] == "UnsafePathError" and summary[0]["output"] is None
    assert sorted(p.name for p in (work / "out").iterdir()) == ["render-summary.json"]
    assert snapshot(outside) == before


def test_image_found_by_hash_is_never_a_link_leading_out(capsys, work, scene, folders):
    plans, images, outside = folders
    (images / "scene.png").unlink()
    (images / "link.png").symlink_to(outside / "secret.png")  # the plan's pixels, outside
    data = sealed_plan(work, scene)
    del data["image_name"]
    (plans / "p.json").write_text(json.dumps(data))
    code, out, err = cli(capsys, "render", plans, "--images", images, "-o", work / "out")
    assert code == 1 and "no image in" in out, (out, err)
    assert not (work / "out" / "p.png").exists()


def test_image_name_in_a_subfolder_is_allowed(capsys, work, scene, folders):
    plans, images, _ = folders
    (images / "sub").mkdir()
    Image.fromarray(scene.image).save(images / "sub" / "x.png")
    data = sealed_plan(work, scene)
    data["image_name"] = "sub/x.png"
    (plans / "ok.json").write_text(json.dumps(data))
    code, out, err = cli(capsys, "render", plans, "--images", images, "-o", work / "out")
    assert code == 0, err
    assert (work / "out" / "ok.png").is_file()


def test_output_folder_equal_to_images_folder_is_refused(capsys, work, scene, folders):
    plans, images, _ = folders
    (plans / "p.json").write_text(json.dumps(sealed_plan(work, scene)))
    before = snapshot(images)
    refused(capsys, "render", plans, "--images", images, "-o", images, names=("images folder",))
    assert snapshot(images) == before


def test_carried_generative_node_cannot_name_its_own_model(capsys, work, scene, tmp_path_factory):
    data = sealed_plan(work, scene, bricks="generative")
    gen = [i for i, n in enumerate(data["workflow"]["nodes"]) if n["brick"].startswith("gen_")]
    assert gen, data["workflow"]["nodes"]
    elsewhere = str(tmp_path_factory.mktemp("someone-elses-model"))
    data["workflow"]["nodes"][gen[0]]["inputs"]["model"] = elsewhere
    (work / "sealed.json").write_text(json.dumps(data))
    line = refused(capsys, "render", work / "sealed.json", "--image", work / "scene.png", "-o",
                   work / "out.png", names=(f"workflow.nodes.{gen[0]}.inputs.model", "render.model"))
    assert elsewhere in line
    assert not (work / "out.png").exists()


@pytest.mark.parametrize("name", ["../x.png", "/etc/hostname", "a/../../x.png", "", None])
def test_contained_refuses_names_leading_out(tmp_path, name):
    with pytest.raises(InvalidInputError, match="turns"):
        outputs.contained(tmp_path, name, "turns[0].image")
    if name:
        with pytest.raises(UnsafePathError):
            outputs.contained(tmp_path, name, "turns[0].image")


def test_saved_session_may_only_name_files_in_its_folder(tmp_path, scene, tmp_path_factory):
    from sceneedit.editor.session import MANIFEST, SESSION_FORMAT, Session

    outside = tmp_path_factory.mktemp("outside")
    Image.fromarray(scene.image).save(outside / "secret.png")
    scene.graph.save(tmp_path / "g.json")
    manifest = {"format": SESSION_FORMAT, "cursor": 0,
                "turns": [{"image": "../" + outside.name + "/secret.png", "graph": "g.json"}]}
    (tmp_path / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(UnsafePathError, match=r"turns\[0\]\.image"):
        Session.load(tmp_path)


# ---- 7. OS errors: exit 2, one line, what to do ------------------------------------------------

def test_output_naming_a_folder(capsys, work):
    (work / "out.png").mkdir()
    before = snapshot(work)
    refused(capsys, *render_args(work), names=("out.png", "is a folder"))
    assert snapshot(work) == before


def test_output_below_a_file(capsys, work):
    before = snapshot(work)
    refused(capsys, "generate", "--seed", 1, "-o", work / "plan.json" / "x.png",
            names=("plan.json", "is a file, not a folder"))
    assert snapshot(work) == before


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs")
def test_output_in_a_folder_nobody_may_write(capsys, work):
    # sysfs refuses new files even to root (a chmod'ed folder would not stop root)
    refused(capsys, "generate", "--seed", 1, "-o", "/sys/kernel/out.png",
            names=("/sys/kernel/out.png", "write elsewhere"))
    assert not Path("/sys/kernel/out.png").exists()


def _inject_os_error(monkeypatch, code: int, when=lambda path: True):
    """Make creating a temp output fail with ``code`` (as a full or read-only disk would)."""
    real_open = os.open

    def failing_open(path, flags, *args, **kwargs):
        if str(path).endswith(".tmp") and when(str(path)):
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(outputs.os, "open", failing_open)


def test_read_only_file_system_at_write_time(capsys, work, monkeypatch):
    before = snapshot(work)
    _inject_os_error(monkeypatch, errno.EROFS)
    refused(capsys, *render_args(work), names=("-o", "out.png", "read-only"))
    assert snapshot(work) == before


def test_full_disk_while_writing_leaves_the_old_file(capsys, work, monkeypatch):
    (work / "out.png").write_bytes(b"old result")
    before = snapshot(work)
    real_fdopen = os.fdopen

    class Full:
        """A file on a disk that fills up after the first 100 bytes."""

        def __init__(self, fh):
            self.fh, self.n = fh, 0

        def write(self, data):
            self.n += len(data)
            if self.n > 100:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return self.fh.write(data)

        def __getattr__(self, name):
            return getattr(self.fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    monkeypatch.setattr(outputs.os, "fdopen", lambda fd, mode: Full(real_fdopen(fd, mode)))
    refused(capsys, *render_args(work), names=("out.png", "disk is full", "free some space"))
    assert snapshot(work) == before  # the old result is intact, no temp is left


def test_unreadable_plan_file(capsys, work):
    # /proc/self/mem is a regular file whose first page cannot be read (EIO), even by root
    if not Path("/proc/self/mem").is_file():
        pytest.skip("needs Linux /proc")
    refused(capsys, "validate", "/proc/self/mem", names=("cannot read plan file", "/proc/self/mem"))


def test_unreadable_graph_file(capsys, work):
    if not Path("/proc/self/mem").is_file():
        pytest.skip("needs Linux /proc")
    before = snapshot(work)
    refused(capsys, "render", work / "plan.json", "--image", work / "scene.png", "--graph",
            "/proc/self/mem", "-o", work / "out.png", names=("cannot read scene graph file",))
    assert snapshot(work) == before


def test_plan_file_that_is_a_folder(capsys, work):
    (work / "dir.json").mkdir()
    refused(capsys, "validate", work / "dir.json", names=("dir.json", "is a folder"))


def test_generate_with_a_negative_seed(capsys, work):
    before = snapshot(work)
    refused(capsys, "generate", "--seed", -1, "-o", work / "g.png", names=("seed", ">= 0"))
    assert snapshot(work) == before


def test_batch_output_that_is_a_file(capsys, work):
    (work / "ds.jsonl").write_text(json.dumps({"image": "scene.png", "instruction": "x",
                                               "plan": "plan.json"}) + "\n")
    (work / "out.txt").write_text("not a folder")
    before = snapshot(work)
    refused(capsys, "batch", work / "ds.jsonl", "-o", work / "out.txt", "--no-ray",
            names=("out.txt", "is a file, not a folder"))
    assert snapshot(work) == before


def test_batch_output_whose_records_log_is_a_folder(capsys, work):
    (work / "ds.jsonl").write_text(json.dumps({"image": "scene.png", "instruction": "x",
                                               "plan": "plan.json"}) + "\n")
    (work / "out" / "records.jsonl").mkdir(parents=True)
    before = snapshot(work)
    refused(capsys, "batch", work / "ds.jsonl", "-o", work / "out", "--no-ray",
            names=("records.jsonl", "is a folder"))
    assert snapshot(work) == before


def test_deeply_nested_plan(capsys, work):
    (work / "deep.json").write_text(deep_json())
    before = snapshot(work)
    refused(capsys, *["render", work / "deep.json", "--image", work / "scene.png", "-o",
                      work / "out.png"], names=("nested",))
    assert snapshot(work) == before


def test_deeply_nested_graph(capsys, work):
    (work / "deep.json").write_text(deep_json())
    refused(capsys, "validate", work / "plan.json", "--graph", work / "deep.json",
            names=("nested",))


def test_deeply_nested_plan_in_a_folder_does_not_stop_the_others(capsys, work, scene, folders):
    plans, images, _ = folders
    (plans / "a-deep.json").write_text(deep_json())
    (plans / "b-good.json").write_text(json.dumps(sealed_plan(work, scene)))
    code, out, err = cli(capsys, "render", plans, "--images", images, "-o", work / "out")
    assert code == 1 and "Traceback" not in err, (out, err)
    summary = json.loads((work / "out" / "render-summary.json").read_text())
    assert [(i["plan"], i["output"]) for i in summary] == [("a-deep.json", None),
                                                          ("b-good.json", "b-good.png")]
    assert "nested" in summary[0]["error"]


def test_os_error_nobody_named_is_still_one_line(capsys, monkeypatch, work):
    """The last line of defence in ``cli.main``: an OSError no command turned into a message
    (here: the user's model cache path is a file) is one line, exit 2."""
    from sceneedit import cli as cli_mod

    def cache_is_a_file(args):
        (work / "cache").write_text("")
        (work / "cache" / "models").mkdir()

    monkeypatch.setattr(cli_mod, "cmd_models", cache_is_a_file)  # the parser looks it up
    refused(capsys, "models", names=("cache/models", "is a file, not a folder"))


# ---- 8. batch resume: the item id is part of the key -------------------------------------------

def test_batch_items_differing_only_by_id_all_get_outputs(capsys, work):
    lines = [json.dumps({"id": i, "image": "scene.png", "instruction": "make the apple green",
                         "plan": "plan.json"}) for i in ("a", "b", "c")]
    (work / "ds.jsonl").write_text("\n".join(lines) + "\n")
    code, out, err = cli(capsys, "batch", work / "ds.jsonl", "-o", work / "out", "--no-ray",
                         "--limit", 1)
    assert code == 0, err
    code, out, err = cli(capsys, "batch", work / "ds.jsonl", "-o", work / "out", "--no-ray")
    assert code == 0, err
    assert "2 processed, 1 skipped" in out
    for i in ("a", "b", "c"):
        assert (work / "out" / "items" / i / "edited.png").is_file(), i


def test_batch_dataset_line_nested_deeply_fails_alone(capsys, work):
    good = json.dumps({"id": "a", "image": "scene.png", "instruction": "x", "plan": "plan.json"})
    (work / "ds.jsonl").write_text(good + "\n" + '{"id": ' + deep_json(50_000) + "}\n")
    code, out, err = cli(capsys, "batch", work / "ds.jsonl", "-o", work / "out", "--no-ray")
    assert code == 1 and "Traceback" not in err, (out, err)
    assert "nested too deeply" in out and (work / "out" / "items" / "a" / "edited.png").is_file()


def test_batch_log_lines_without_key_are_skipped_not_fatal(capsys, work):
    (work / "ds.jsonl").write_text(json.dumps({"id": "a", "image": "scene.png",
                                               "instruction": "x", "plan": "plan.json"}) + "\n")
    out_dir = work / "out"
    out_dir.mkdir()
    junk = [{"format": "sceneedit.batch-record/1", "status": "ok"},            # no key
            {"format": "sceneedit.batch-record/1", "key": "k", "id": "a", "status": "failed"},
            [1, 2], "text", deep_json(50_000)]
    (out_dir / "records.jsonl").write_text("\n".join(
        j if isinstance(j, str) and j.startswith("[") else json.dumps(j) for j in junk) + "\n")
    code, out, err = cli(capsys, "batch", work / "ds.jsonl", "-o", out_dir, "--no-ray")
    assert code == 0 and "Traceback" not in err, (out, err)
    assert "1 processed" in out and (out_dir / "items" / "a" / "edited.png").is_file()


# ---- 9. atomic writes: groups, modes, links, stale temps, inputs -------------------------------

def test_graph_with_one_bad_output_writes_neither(capsys, work):
    before = snapshot(work)
    refused(capsys, "graph", work / "scene.png", "--out", work / "ok.json", "--png",
            work / "bad.gif", names=("bad.gif", ".png"))
    assert snapshot(work) == before


def test_render_with_an_unwritable_workflow_writes_no_image(capsys, work):
    before = snapshot(work)
    refused(capsys, *render_args(work, "out.png", "--workflow", work / "scene.png" / "wf.json"),
            names=("--workflow", "is a file, not a folder"))
    assert snapshot(work) == before


def test_render_workflow_failing_at_write_time_writes_no_image(capsys, work, monkeypatch):
    """The paths pass the checks, then the workflow's folder refuses the write: the image
    (staged first) must not appear either."""
    (work / "out.png").write_bytes(b"old")
    before = snapshot(work)
    _inject_os_error(monkeypatch, errno.EACCES, when=lambda p: "wf.json" in p)
    refused(capsys, *render_args(work, "out.png", "--workflow", work / "wf.json"),
            names=("--workflow", "wf.json", "permission denied"))
    assert snapshot(work) == before


def test_two_outputs_naming_one_file(capsys, work):
    before = snapshot(work)
    refused(capsys, "generate", "-o", work / "x.png", "--graph", work / "x.png",
            names=("same file",))
    assert snapshot(work) == before


@pytest.mark.parametrize("argv", [
    lambda w: render_args(w, "scene.png"),
    lambda w: ["graph", w / "scene.png", "--png", w / "scene.png"],
    lambda w: ["graph", w / "scene.png", "--out", w / "scene.png"],
    lambda w: ["plan", "--graph", w / "graph.json", "remove it", "-o", w / "graph.json"],
    lambda w: ["refine", w / "scene.png", "remove it", "--graph", w / "graph.json", "--out",
               w / "graph.json"],
    lambda w: ["edit", w / "scene.png", "remove it", "-o", w / "scene.png"],
], ids=["render", "graph-png", "graph-out", "plan", "refine", "edit"])
def test_output_equal_to_an_input_is_refused(capsys, work, argv):
    before = snapshot(work)
    refused(capsys, *argv(work), names=("is the input", "--overwrite-input"))
    assert snapshot(work) == before


def test_output_equal_to_the_input_through_a_link_is_refused(capsys, work):
    (work / "link.png").symlink_to(work / "scene.png")
    before = snapshot(work)
    refused(capsys, *render_args(work, "link.png"), names=("is the input",))
    assert snapshot(work) == before


def test_overwrite_input_when_asked(capsys, work):
    before = (work / "scene.png").read_bytes()
    code, out, err = cli(capsys, *render_args(work, "scene.png", "--overwrite-input"))
    assert code == 0, err
    assert (work / "scene.png").read_bytes() != before


def test_symlinked_output_is_written_through(capsys, work, tmp_path_factory):
    target = tmp_path_factory.mktemp("elsewhere") / "result.png"
    target.write_bytes(b"old")
    (work / "out.png").symlink_to(target)
    code, out, err = cli(capsys, *render_args(work, "out.png"))
    assert code == 0, err
    assert (work / "out.png").is_symlink() and os.readlink(work / "out.png") == str(target)
    assert Image.open(target).size == (200, 150)


def test_modes_follow_umask_and_are_kept(capsys, work):
    (work / "kept.png").write_bytes(b"old")
    os.chmod(work / "kept.png", 0o640)
    old = os.umask(0o002)
    try:
        assert cli(capsys, *render_args(work, "kept.png"))[0] == 0
        assert cli(capsys, *render_args(work, "new.png"))[0] == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((work / "kept.png").stat().st_mode) == 0o640
    assert stat.S_IMODE((work / "new.png").stat().st_mode) == 0o664


def test_stale_temps_of_killed_runs_are_removed_live_ones_kept(capsys, work):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = outputs._HOST
    stale = work / f".out.png.{dead.pid}-{host}.0badc0de.tmp"
    legacy = work / ".out.png.k3j_x9q2.tmp"          # mkstemp name of older versions
    live = work / f".out.png.{os.getppid()}-{host}.0ddba11.tmp"  # a writer still running
    remote = work / f".out.png.{dead.pid}-elsewhere.0ddba11.tmp"  # another host's: by age only
    other = work / f".other.png.{dead.pid}-{host}.0badc0de.tmp"  # another file's: not judged
    for p in (stale, legacy, live, remote, other):
        p.write_bytes(b"x" * 1000)
    old = time.time() - 2 * outputs.STALE_SECONDS
    os.utime(legacy, (old, old))
    os.utime(remote, (old, old))
    assert cli(capsys, *render_args(work, "out.png"))[0] == 0
    assert not stale.exists() and not legacy.exists()
    assert live.exists() and remote.exists() and other.exists()
    assert sorted(p for p in work.iterdir() if p.name.startswith(".out.png.")) == \
        sorted([live, remote])


def test_a_young_temp_without_pid_is_kept(work):
    young = work / ".out.png.abcdefgh.tmp"
    young.write_bytes(b"x")
    assert outputs.clean_stale_temps(work, "out.png") == 0 and young.exists()


# ---- 11. checkpoints are loaded as weights only ------------------------------------------------

class _NotATensor:
    pass


def test_sam_checkpoint_with_pickled_objects_is_refused(tmp_path):
    torch = pytest.importorskip("torch")
    from sceneedit.perception.original import OriginalSamSegmenter

    path = tmp_path / "evil.pth"
    torch.save({"image_encoder.x": torch.zeros(1), "payload": _NotATensor()}, path)
    with pytest.raises(InvalidInputError, match="not a plain weights file"):
        OriginalSamSegmenter(path, device="cpu").load()


def test_every_atomic_write_checks_its_path(tmp_path):
    """Writers that do not go through a command's ``Outputs`` (eval reports, batch records)
    get the same checks: a folder or a path below a file is refused before anything is
    written."""
    from sceneedit.io import write_text_atomic

    (tmp_path / "report.json").mkdir()
    (tmp_path / "file").write_text("x")
    before = snapshot(tmp_path)
    with pytest.raises(InvalidInputError, match="is a folder"):
        write_text_atomic(tmp_path / "report.json", "{}")
    with pytest.raises(InvalidInputError, match="is a file, not a folder"):
        write_text_atomic(tmp_path / "file" / "deeper" / "report.json", "{}")
    assert snapshot(tmp_path) == before
