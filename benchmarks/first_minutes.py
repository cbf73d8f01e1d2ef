"""A new user's first minutes after `pip install`: where the main job's time goes, and what a
`sceneedit plan` in a new process costs next to the same plan in a process that has the model.

Part 1 (`--job`): the steps of `scripts/demo.sh` after the install, each in a new process as
the script runs them, on a fresh model cache (a temporary SCENEEDIT_CACHE: the model is
assembled from its installed part wheels) — `sceneedit prepare` (assembly, load, the planner's
prompt prefix evaluated and saved) then `sceneedit demo` — next to the old order, the demo
straight after assembly with no saved prefix (the cold first plan). Times come from the
commands' own reports (prepare's line, the demo's timings.json) and the wall clock.

Part 2 (`--plan`): `sceneedit plan --graph G "..."` in a new process (model load and the
prefix state read from disk included) vs the same plan in-process with the model loaded and
its prefix pinned. In-process, the plans alternate between two graphs, so each one evaluates
its own scene just as a new process does. Medians over `--repeats`, ratio in the same run.

    python -m benchmarks.first_minutes --llm default --repeats 3

Prints Markdown tables; writes benchmarks/results/first_minutes.json. Run it on idle cores:
llama.cpp's times grow with any other load on the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KITCHEN = ROOT / "examples" / "kitchen.graph.json"


def _sceneedit(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "sceneedit", *args], capture_output=True,
                       text=True, env={**os.environ, **env})
    seconds = time.perf_counter() - t0
    if r.returncode not in (0, 1):   # demo: 1 = an edit not verified, still a finished job
        raise SystemExit(f"sceneedit {args[0]} failed ({r.returncode}): {r.stderr[-1500:]}")
    return seconds, r.stdout


def job_split(llm: str) -> dict:
    rows = {}
    for order in ("prepare, then demo", "demo alone (prefix evaluated by the first plan)"):
        with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:
            env = {"SCENEEDIT_CACHE": cache, "SCENEEDIT_PREFIX_CACHE": str(Path(cache) / "kv")}
            row: dict = {}
            if order.startswith("prepare"):
                row["prepare_s"], line = _sceneedit(["prepare", "--llm", llm], env)
                print(f"  {line.strip()}", file=sys.stderr)
            row["demo_s"], _ = _sceneedit(["demo", "--llm", llm, "--out", out], env)
            t = json.loads((Path(out) / "timings.json").read_text())
            summary = json.loads((Path(out) / "summary.json").read_text())
            row.update(model_s=t["model_seconds"], first_plan_s=t["first_plan_seconds"],
                       plans_s=t["plans_seconds"], job_s=t["job_seconds"],
                       as_expected=sum(bool(s.get("as_expected")) for s in summary),
                       cases=len(summary))
            row["after_install_s"] = row.get("prepare_s", 0.0) + row["demo_s"]
            rows[order] = row
            print(f"  {order}: {row}", file=sys.stderr)
    return rows


def plan_new_vs_in_process(llm: str, repeats: int) -> dict:
    from sceneedit.llm.llama import get_llm
    from sceneedit.reasoning.planner import Planner
    from sceneedit.scene import SceneGraph
    from sceneedit.synthetic import generate_scene

    instruction = "Remove the kettle."
    graph = SceneGraph.load(KITCHEN)
    other = generate_scene(5, objects=[("apple", "red"), ("mug", "blue"), ("lamp", None)]).graph
    _sceneedit(["prepare", "--llm", llm], {})   # the state on disk, as after setup
    new_process = [_sceneedit(["plan", "--graph", str(KITCHEN), instruction, "--llm", llm],
                              {})[0] for _ in range(repeats)]
    t0 = time.perf_counter()
    planner = Planner(get_llm(llm))
    planner.prepare()
    load_s = time.perf_counter() - t0
    in_process = []
    for _ in range(repeats):
        planner.plan(other, "Remove the apple.")   # the cache now holds another scene
        in_process.append(planner.plan(graph, instruction).seconds)
    return {"instruction": instruction, "new_process_s": new_process,
            "in_process_s": in_process, "in_process_load_s": load_s}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--llm", default="default")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--job", action="store_true", help="only part 1")
    ap.add_argument("--plan", action="store_true", help="only part 2")
    args = ap.parse_args()
    both = not (args.job or args.plan)
    result: dict = {"llm": args.llm, "load_average": os.getloadavg()[0]}
    if args.job or both:
        rows = result["job"] = job_split(args.llm)
        print(f"\nMain job after the install, --llm {args.llm}, fresh model cache (seconds)")
        print("| order | prepare | model ready | first plan | all plans | demo process | "
              "after install | as expected |\n|---|---|---|---|---|---|---|---|")
        for name, r in rows.items():
            print(f"| {name} | {r.get('prepare_s', 0):.1f} | {r['model_s']:.1f} | "
                  f"{r['first_plan_s']:.1f} | {r['plans_s']:.1f} | {r['demo_s']:.1f} | "
                  f"{r['after_install_s']:.1f} | {r['as_expected']}/{r['cases']} |")
    if args.plan or both:
        p = result["plan"] = plan_new_vs_in_process(args.llm, args.repeats)
        new, inp = statistics.median(p["new_process_s"]), statistics.median(p["in_process_s"])
        print(f"\n`{p['instruction']}` on examples/kitchen.graph.json, --llm {args.llm}, "
              f"{args.repeats} repeats, medians")
        print("| how | median s | vs in-process |\n|---|---|---|")
        print(f"| in-process (model loaded, prefix pinned) | {inp:.1f} | 1.00x |")
        print(f"| `sceneedit plan` in a new process (wall) | {new:.1f} | {new / inp:.2f}x |")
    print(f"\n(load average at the start: {result['load_average']:.1f})")
    out = ROOT / "benchmarks" / "results" / "first_minutes.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
