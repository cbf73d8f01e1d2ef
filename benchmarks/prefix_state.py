"""How much the on-disk prefix KV state saves a new process (e.g. each `sceneedit plan` call).

Runs `sceneedit plan` in fresh processes, alternating: with the prefix state cache off (the
static prompt prefix is evaluated) and on (restored from disk; the first "on" run writes it).
Prints medians and their ratio, and saves JSON to benchmarks/results/prefix_state.json.

    python benchmarks/prefix_state.py --llm default --repeats 3
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


def _plan_once(llm: str, state_dir: str) -> float:
    env = dict(os.environ, SCENEEDIT_PREFIX_CACHE=state_dir)
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "sceneedit", "plan", "--graph",
                        str(ROOT / "examples" / "kitchen.graph.json"), "Remove the kettle.",
                        "--llm", llm], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"sceneedit plan failed: {r.stderr[-800:]}")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--llm", default="default")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as state:
        _plan_once(args.llm, state)  # writes the state (and warms the OS file cache)
        off, on = [], []
        for i in range(args.repeats):
            off.append(_plan_once(args.llm, "off"))
            on.append(_plan_once(args.llm, state))
            print(f"  repeat {i + 1}: off {off[-1]:.1f} s, on {on[-1]:.1f} s", file=sys.stderr)
    rows = {"prefix evaluated (cache off)": statistics.median(off),
            "prefix restored from disk": statistics.median(on)}
    base = rows["prefix evaluated (cache off)"]
    print(f"\n`sceneedit plan` in a new process, --llm {args.llm}, {args.repeats} repeats, "
          "medians (wall time, model load included)")
    print("| condition | median s | vs cache off |\n|---|---|---|")
    for name, s in rows.items():
        print(f"| {name} | {s:.1f} | {base / s:.2f}x |")
    out = ROOT / "benchmarks" / "results" / "prefix_state.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"llm": args.llm, "off_s": off, "on_s": on, "median": rows},
                              indent=2) + "\n")


if __name__ == "__main__":
    main()
