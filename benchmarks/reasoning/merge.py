"""Substitute a re-run of some cases (``run --ids ...``) into a full run's results and print the
accuracy table again — for when a change touches only some cases and a full run is too slow.

    python -m benchmarks.reasoning.merge FULL.json RERUN.json [--out MERGED.json]

Latency figures stay those of the full run (the re-run's are of a subset); the merged file
records which cases were replaced and from which file.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.reasoning.cases import format_table, summarise  # noqa: E402


def merge(full: dict, rerun: dict) -> dict:
    out = json.loads(json.dumps(full))
    for tier in out["tiers"]:
        again = next((t for t in rerun["tiers"] if t["tier"] == tier["tier"]), None)
        if again is None:
            continue
        by_id = {r["id"]: r for r in again["results"]}
        unknown = sorted(set(by_id) - {r["id"] for r in tier["results"]})
        if unknown:
            raise SystemExit(f"re-run cases not in the full run: {', '.join(unknown)}")
        tier["results"] = [by_id.get(r["id"], r) for r in tier["results"]]
        tier["by_category"] = summarise(tier["results"])
        tier["replaced"] = sorted(set(tier.get("replaced", ())) | set(by_id))   # merges add up
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("full")
    ap.add_argument("rerun")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    merged = merge(json.loads(Path(args.full).read_text()),
                   json.loads(Path(args.rerun).read_text()))
    merged["merged_from"] = [args.full, args.rerun]
    for t in merged["tiers"]:
        print(f"\n## {t['tier']}: {t['cases']} cases, {len(t.get('replaced', []))} re-run")
        print(format_table(t["by_category"]))
    if args.out:
        Path(args.out).write_text(json.dumps(merged, indent=1) + "\n")
        print(f"\nsaved {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
