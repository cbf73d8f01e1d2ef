"""kill -9 during ``sceneedit render`` (one plan, and a folder of plans) and ``sceneedit batch``,
then a re-run: no stale temp files, nothing skipped, nothing clobbered (issue 13).

Inputs come from ``sceneedit generate`` and ``sceneedit batch --make-synthetic`` (items carry
their plans), so no LLM is needed. Each scenario first runs once uninterrupted (the reference,
and the run time T), then starts the same command ``--kills`` times and kills it with SIGKILL
after a random delay in [0.3 T, 1.05 T] (late, where the outputs are written), checking after
every kill that each output is either its previous content or the complete new one. Then one
re-run to completion, and the checks:

* stale temps: no ``.NAME.*.tmp`` file is left anywhere in the output folder;
* nothing skipped: every output of the reference run exists after the re-run;
* nothing clobbered: every output is byte-identical to the reference; the inputs are unchanged;
  after each kill, every output was either the old content or the new complete file.

Run:  PYTHONPATH=$PWD python benchmarks/kill_resume.py [--kills 10] [--seed 0]
(exit status 1 when a check fails); the table is also written to
benchmarks/results/kill_resume.json.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


RESULTS = Path(__file__).resolve().parent / "results" / "kill_resume.json"


def sceneedit(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, "-m", "sceneedit", *map(str, args)], capture_output=True,
                       text=True)
    if check and r.returncode not in (0, 1):
        raise RuntimeError(f"sceneedit {' '.join(map(str, args))} -> {r.returncode}\n{r.stderr}")
    return r


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files(folder: Path) -> dict[str, str]:
    """Every regular file under ``folder`` (temps included) -> its sha256."""
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*"))
            if p.is_file()}


def temps(folder: Path) -> list[str]:
    return [str(p.relative_to(folder)) for p in folder.rglob(".*.tmp")]


@dataclass
class Result:
    scenario: str
    kills: int = 0
    killed_mid_write: int = 0          # kills that left a new temp file (the re-run cleans it)
    torn_outputs: int = 0              # outputs neither old nor complete new after a kill
    stale_after_rerun: int = 0
    missing_after_rerun: int = 0       # reference outputs absent after the re-run (skipped)
    differing_after_rerun: int = 0     # outputs not identical to the reference (clobbered)
    inputs_changed: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.torn_outputs or self.stale_after_rerun or self.missing_after_rerun
                    or self.differing_after_rerun or self.inputs_changed)


def kill_runs(result: Result, argv: list, out: Path, reference: dict[str, str], seconds: float,
              kills: int, rng: random.Random, per_line: float | None = None) -> None:
    """Start ``argv`` ``kills`` times, SIGKILL it at a random late moment, check the outputs.

    With ``per_line`` (seconds per progress line, e.g. per batch item) the kill comes after a
    random number of the run's progress lines plus a random part of ``per_line``, so it lands
    mid-run however much a resumed run still has to do."""
    for _ in range(kills):
        before = files(out) if out.exists() else {}
        temps_before = set(temps(out)) if out.exists() else set()
        proc = subprocess.Popen([sys.executable, "-m", "sceneedit", *map(str, argv)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if per_line is None:
            time.sleep(rng.uniform(0.25, 1.0) * seconds)
        else:
            lines = rng.randint(0, 3)
            while lines > 0 and proc.stderr.readline():
                lines -= 1
            time.sleep(rng.uniform(0.0, 1.0) * per_line)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            result.kills += 1
        proc.communicate()
        now = files(out) if out.exists() else {}
        if out.exists() and set(temps(out)) - temps_before:
            result.killed_mid_write += 1
        for name, sha in now.items():
            if Path(name).name.startswith(".") or name.endswith(("records.jsonl", "summary.json",
                                                                  "record.json")):
                continue  # temps; logs and summaries whose content depends on the timing
            if sha not in (before.get(name), reference.get(name)):
                result.torn_outputs += 1
                result.notes.append(f"{name} after a kill is neither old nor new")


def compare(result: Result, out: Path, reference: dict[str, str], timing_dependent=()) -> None:
    now = files(out)
    result.stale_after_rerun = len(temps(out))
    for name, sha in reference.items():
        if name.endswith(tuple(timing_dependent)):
            continue
        if name not in now:
            result.missing_after_rerun += 1
            result.notes.append(f"missing: {name}")
        elif now[name] != sha:
            result.differing_after_rerun += 1
            result.notes.append(f"differs: {name}")


def render_one(root: Path, kills: int, rng: random.Random) -> Result:
    result = Result("render PLAN")
    sceneedit("generate", "--seed", 11, "-o", root / "scene.png", "--graph", root / "graph.json")
    graph = json.loads((root / "graph.json").read_text())
    objs = [o["id"] for o in graph["objects"]]
    plan = {"format": "sceneedit.plan/1", "instruction": "remove and recolour",
            "edits": [{"op": "remove", "target": objs[0]},
                      {"op": "recolor", "target": objs[-1], "color": "purple"}]}
    old = {"format": "sceneedit.plan/1", "instruction": "recolour",
           "edits": [{"op": "recolor", "target": objs[0], "color": "green"}]}
    (root / "plan.json").write_text(json.dumps(plan))
    (root / "old.json").write_text(json.dumps(old))
    inputs = {p: digest(root / p) for p in ("scene.png", "graph.json", "plan.json")}
    out, ref = root / "out", root / "ref"
    common = ["--image", root / "scene.png", "--graph", root / "graph.json"]
    t0 = time.perf_counter()
    sceneedit("render", root / "plan.json", *common, "-o", ref / "out.png", "--workflow",
              ref / "wf.json")
    seconds = time.perf_counter() - t0
    reference = files(ref)
    # an older result is in place: a kill must leave it or the complete new one
    sceneedit("render", root / "old.json", *common, "-o", out / "out.png", "--workflow",
              out / "wf.json")
    argv = ["render", root / "plan.json", *common, "-o", out / "out.png", "--workflow",
            out / "wf.json"]
    kill_runs(result, argv, out, reference, seconds, kills, rng)
    sceneedit(*argv)
    compare(result, out, reference)
    result.inputs_changed = sum(digest(root / p) != h for p, h in inputs.items())
    return result


def seal(plan_path: Path, image: Path, graph: Path, out: Path) -> None:
    """A self-contained plan (what ``sceneedit plan --self-contained`` writes, without an LLM)."""
    from sceneedit.io import load_image
    from sceneedit.plan import Plan
    from sceneedit.scene import SceneGraph
    from sceneedit.selfcontained import seal_plan

    seal_plan(Plan.load(plan_path), load_image(image), SceneGraph.load(graph),
              image_name=image.name).save(out)


def render_folder(root: Path, kills: int, rng: random.Random) -> Result:
    result = Result("render PLANS_DIR")
    (root / "images").mkdir()
    (root / "plans").mkdir()
    for seed in range(4):
        image = root / "images" / f"s{seed}.png"
        sceneedit("generate", "--seed", 20 + seed, "-o", image, "--graph", root / f"g{seed}.json")
        graph = json.loads((root / f"g{seed}.json").read_text())
        target = graph["objects"][0]["id"]
        (root / f"p{seed}.json").write_text(json.dumps({
            "format": "sceneedit.plan/1", "instruction": "remove it",
            "edits": [{"op": "remove", "target": target}]}))
        seal(root / f"p{seed}.json", image, root / f"g{seed}.json",
             root / "plans" / f"p{seed}.json")
    inputs = {**files(root / "images"), **{f"plans/{k}": v for k, v in
                                            files(root / "plans").items()}}
    out, ref = root / "out", root / "ref"
    t0 = time.perf_counter()
    sceneedit("render", root / "plans", "--images", root / "images", "-o", ref)
    seconds = time.perf_counter() - t0
    reference = files(ref)
    argv = ["render", root / "plans", "--images", root / "images", "-o", out]
    kill_runs(result, argv, out, reference, seconds, kills, rng)
    sceneedit(*argv)
    compare(result, out, reference, timing_dependent=("render-summary.json",))
    now_inputs = {**files(root / "images"), **{f"plans/{k}": v for k, v in
                                                files(root / "plans").items()}}
    result.inputs_changed = sum(now_inputs.get(k) != v for k, v in inputs.items())
    return result


def batch(root: Path, kills: int, rng: random.Random, items: int) -> Result:
    result = Result("batch --no-ray")
    sceneedit("batch", "--make-synthetic", items, root / "ds")
    inputs = files(root / "ds")
    out, ref = root / "out", root / "ref"
    t0 = time.perf_counter()
    sceneedit("batch", root / "ds", "-o", ref, "--no-ray")
    seconds = time.perf_counter() - t0
    reference = files(ref)
    argv = ["batch", root / "ds", "-o", out, "--no-ray"]
    kill_runs(result, argv, out, reference, seconds, kills, rng, per_line=seconds / (items + 5))
    sceneedit(*argv)
    compare(result, out, reference,
            timing_dependent=("records.jsonl", "summary.json", "record.json"))
    summary = json.loads((out / "summary.json").read_text())
    ref_summary = json.loads((ref / "summary.json").read_text())
    if summary["status"] != ref_summary["status"]:
        result.missing_after_rerun += 1
        result.notes.append(f"status {summary['status']} != reference {ref_summary['status']}")
    run = summary["this_run"]
    result.notes.append(f"re-run: {run['processed']} processed (failed items are retried), "
                        f"{run['skipped']} skipped; status {summary['status']}")
    result.inputs_changed = sum(files(root / "ds").get(k) != v for k, v in inputs.items())
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kills", type=int, default=10, help="kill -9 runs per scenario")
    ap.add_argument("--items", type=int, default=6, help="good items in the batch dataset")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="sceneedit-kill-"))
    try:
        results = []
        for name, fn in (("one", lambda d: render_one(d, args.kills, rng)),
                         ("folder", lambda d: render_folder(d, args.kills, rng)),
                         ("batch", lambda d: batch(d, args.kills, rng, args.items))):
            (root / name).mkdir()
            results.append(fn(root / name))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    head = (f"{'scenario':<18}{'kills':>6}{'mid-write':>10}{'torn':>6}{'stale':>7}"
            f"{'skipped':>9}{'clobbered':>11}{'inputs':>8}  result")
    print(head)
    print("-" * len(head))
    for r in results:
        print(f"{r.scenario:<18}{r.kills:>6}{r.killed_mid_write:>10}{r.torn_outputs:>6}"
              f"{r.stale_after_rerun:>7}{r.missing_after_rerun:>9}{r.differing_after_rerun:>11}"
              f"{r.inputs_changed:>8}  {'ok' if r.ok else 'FAIL'}")
    for r in results:
        for note in r.notes:
            print(f"  {r.scenario}: {note}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"kills_per_scenario": args.kills, "items": args.items,
                                   "seed": args.seed, "results": [
                                       {**r.__dict__, "ok": r.ok} for r in results]},
                                  indent=2) + "\n")
    print(f"wrote {RESULTS}")
    print("mid-write: kills after which a temp file was on disk (the re-run removed it); torn: "
          "outputs that were neither old nor complete after a kill; stale: temps left after "
          "the re-run; skipped: reference outputs missing after it; clobbered: outputs that "
          "differ from an uninterrupted run; inputs: input files changed")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
