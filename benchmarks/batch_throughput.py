"""Throughput of ``sceneedit batch`` on Ray Data vs the plain sequential loop, same run.

Builds a synthetic dataset (``--items`` good items, default 50, plus the 5 deliberately bad
ones), then for each repeat, interleaved so that all three share the machine's load:

* ``loop``        the plain loop in this process (``--no-ray``): the baseline;
* ``ray cold``    ``run_batch`` on Ray as a user runs it: start a local instance
                  (``ray.init(num_cpus=--workers)``), run, shut down. Includes Ray's start-up;
* ``ray warm``    the same pipeline on an instance that is already running and has already
                  run a small batch (``2 x --workers`` items, not timed), so its worker
                  processes exist and have imported sceneedit: a cluster, or the second batch
                  of a session. Only the Ray Data execution is timed; the instance's start
                  and the warm-up are reported beside it.

Every run writes to a fresh folder. Reports medians of wall time and items/s, the ratio to the
loop's median, Ray's start-up time, whether every run's outputs (records minus timings, edited
image bytes) are identical to the loop's, and the per-item failure report. Writes
benchmarks/results/batch_throughput.json.

    python benchmarks/batch_throughput.py [--items 50] [--repeats 3] [--workers 2]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from sceneedit.batch import OutputStore, format_summary, make_synthetic_dataset, run_batch

RESULTS = Path(__file__).resolve().parent / "results" / "batch_throughput.json"


def _fingerprint(out: Path) -> dict[str, tuple]:
    """Per item: the record minus timings, and the edited image's bytes hash."""
    import hashlib

    result = {}
    for record in OutputStore(out).latest_records().values():
        image = record.get("outputs", {}).get("image")
        digest = hashlib.sha256((out / image).read_bytes()).hexdigest() if image else None
        kept = {k: v for k, v in record.items() if k not in ("seconds",)}
        result[record["id"]] = (json.dumps(kept, sort_keys=True), digest)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import ray

    work = Path(tempfile.mkdtemp(prefix="batch-bench-"))
    t0 = time.perf_counter()
    dataset = make_synthetic_dataset(args.items, work / "dataset", seed=args.seed)
    print(f"dataset: {args.items} good + 5 bad items in {time.perf_counter() - t0:.1f} s "
          f"-> {dataset}")
    runs: dict[str, list[dict]] = {"loop": [], "ray cold": [], "ray warm": []}
    reference = None
    identical = True
    last_summary = None
    for rep in range(args.repeats):
        for name in runs:
            out = work / f"{name.replace(' ', '-')}-{rep}"
            if name == "ray warm":
                t_init = time.perf_counter()
                ray.init(num_cpus=args.workers, include_dashboard=False,
                         logging_level=logging.ERROR, log_to_driver=False)
                run_batch(dataset, work / f"warm-up-{rep}", workers=args.workers,
                          limit=2 * args.workers)
                init_s = time.perf_counter() - t_init
            t = time.perf_counter()
            summary = run_batch(dataset, out, use_ray=name != "loop", workers=args.workers)
            wall = time.perf_counter() - t
            if name == "ray warm":
                ray.shutdown()
            n = summary["this_run"]["processed"]
            row = {"wall_s": wall, "items": n, "items_per_s": n / wall,
                   "startup_s": init_s if name == "ray warm" else
                   summary["this_run"].get("startup_seconds", 0.0),
                   "status": summary["status"]}
            runs[name].append(row)
            fp = _fingerprint(out)
            if reference is None:
                reference = fp
            identical &= fp == reference
            last_summary = summary
            print(f"  repeat {rep + 1}/{args.repeats} {name:<9} {wall:6.1f} s  "
                  f"{row['items_per_s']:5.2f} items/s  {summary['status']}", flush=True)

    base = statistics.median(r["items_per_s"] for r in runs["loop"])
    table = []
    print()
    print(f"{args.items + 5} items ({args.items} good + 5 bad), {args.workers} Ray workers, "
          f"{args.repeats} repeats, {os.cpu_count()} cores ({platform.node()}); medians")
    print(f"| {'executor':<9} | {'wall s':>7} | {'items/s':>7} | {'vs loop':>7} | "
          f"{'Ray start-up s':>20} |")
    print(f"|{'-' * 11}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 22}|")
    for name, rows in runs.items():
        wall = statistics.median(r["wall_s"] for r in rows)
        rate = statistics.median(r["items_per_s"] for r in rows)
        startup = statistics.median(r["startup_s"] for r in rows)
        startup_text = {"loop": "-", "ray cold": f"{startup:.1f} (in wall)",
                        "ray warm": f"{startup:.1f} (not in wall)"}[name]
        table.append({"executor": name, "wall_s": round(wall, 2), "items_per_s": round(rate, 3),
                      "ratio_vs_loop": round(rate / base, 3), "startup_s": round(startup, 2)})
        print(f"| {name:<9} | {wall:7.1f} | {rate:7.2f} | {rate / base:6.2f}x | "
              f"{startup_text:>20} |")
    print("Ray start-up: cold = ray.init inside the timed run (its worker processes start "
          "during the run, also timed); warm = ray.init + a warm-up batch, before timing.")
    print(f"\noutputs identical across all runs (records minus timings, edited image bytes): "
          f"{identical}")
    print("\nper-item failure report (last run):")
    print(format_summary(last_summary))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"items": args.items + 5, "workers": args.workers,
                                   "repeats": args.repeats, "cpu_count": os.cpu_count(),
                                   "table": table, "runs": runs, "identical": identical,
                                   "failures": last_summary["failures"]}, indent=2) + "\n")
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
