"""How well does the classical perceiver recover the ground truth of synthetic scenes?

    python benchmarks/perception_accuracy.py --scenes 200

A ground-truth object is *found* when a perceived object covers it with mask IoU >= 0.9 and has
its label. Label and colour accuracy are over all ground-truth objects (an object nobody matched
at IoU >= 0.5 counts as wrong). A false positive is a perceived object matching no ground truth
at IoU >= 0.5. Time is the perceiver's alone (not scene generation), per scene. Results are
printed as a table and saved as JSON under benchmarks/results/.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from sceneedit.masks import iou
from sceneedit.perception import ClassicalPerceiver
from sceneedit.synthetic import CATEGORY_NAMES, generate_scene

FOUND_IOU = 0.9
MATCH_IOU = 0.5


def evaluate_scene(scene, graph) -> dict:
    """Per-object outcomes for one scene: greedy matching by IoU (objects never overlap in
    synthetic scenes, so each ground-truth object has at most one plausible partner)."""
    preds = [(p, p.mask.to_array()) for p in graph.objects]
    used: set[str] = set()
    rows = []
    for gt in scene.graph.objects:
        gm = scene.graph.mask_of(gt.id)
        best, best_iou = None, 0.0
        for p, pm in preds:
            if p.id in used:
                continue
            v = iou(gm, pm)
            if v > best_iou:
                best, best_iou = p, v
        matched = best is not None and best_iou >= MATCH_IOU
        if matched:
            used.add(best.id)
        rows.append({
            "label": gt.label, "color": gt.attributes["color"], "iou": round(best_iou, 4),
            "pred_label": best.label if matched else None,
            "pred_color": best.attributes.get("color") if matched else None,
            "found": bool(matched and best_iou >= FOUND_IOU and best.label == gt.label),
        })
    return {"objects": rows, "false_positives": len(preds) - len(used)}


def run(n_scenes: int, first_seed: int, width: int, height: int) -> dict:
    perceiver = ClassicalPerceiver()
    times, rows, fps = [], [], 0
    confusion: Counter = Counter()
    for seed in range(first_seed, first_seed + n_scenes):
        scene = generate_scene(seed, width=width, height=height)
        t0 = time.perf_counter()
        graph = perceiver.perceive(scene.image)
        times.append((time.perf_counter() - t0) * 1000)
        result = evaluate_scene(scene, graph)
        fps += result["false_positives"]
        for r in result["objects"]:
            r["seed"] = seed
            rows.append(r)
            if r["pred_label"] not in (None, r["label"]):
                confusion[f"{r['label']} -> {r['pred_label']}"] += 1
    n = len(rows)
    per_cat = defaultdict(lambda: {"objects": 0, "found": 0, "label": 0, "color": 0})
    for r in rows:
        c = per_cat[r["label"]]
        c["objects"] += 1
        c["found"] += r["found"]
        c["label"] += r["pred_label"] == r["label"]
        c["color"] += r["pred_color"] == r["color"]
    return {
        "benchmark": "perception_accuracy", "perceiver": perceiver.name,
        "scenes": n_scenes, "first_seed": first_seed, "image": [width, height],
        "objects": n,
        "found_at_iou_0.9": sum(r["found"] for r in rows) / n,
        "label_accuracy": sum(r["pred_label"] == r["label"] for r in rows) / n,
        "color_accuracy": sum(r["pred_color"] == r["color"] for r in rows) / n,
        "mean_iou": float(np.mean([r["iou"] for r in rows])),
        "false_positives": fps,
        "median_ms_per_scene": statistics.median(times),
        "per_category": {k: per_cat[k] for k in CATEGORY_NAMES if k in per_cat},
        "confusions": dict(confusion.most_common()),
        "misses": [r for r in rows if not r["found"] or r["pred_color"] != r["color"]][:50],
        "machine": {"python": sys.version.split()[0], "platform": platform.platform()},
    }


def table(res: dict) -> str:
    lines = [
        "| scenes | objects | found@IoU0.9 | label acc | colour acc | false positives "
        "| median ms/scene |",
        "|---|---|---|---|---|---|---|",
        f"| {res['scenes']} | {res['objects']} | {res['found_at_iou_0.9']:.2%} "
        f"| {res['label_accuracy']:.2%} | {res['color_accuracy']:.2%} "
        f"| {res['false_positives']} | {res['median_ms_per_scene']:.0f} |",
        "",
        "| category | objects | found | label | colour |",
        "|---|---|---|---|---|",
    ]
    for name, c in res["per_category"].items():
        n = c["objects"]
        lines.append(f"| {name} | {n} | {c['found'] / n:.1%} | {c['label'] / n:.1%} "
                     f"| {c['color'] / n:.1%} |")
    if res["confusions"]:
        pairs = ", ".join(f"{k} x{v}" for k, v in res["confusions"].items())
        lines.append(f"\nconfusions: {pairs}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=200)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--width", type=int, default=512)
    ap.add_argument("--height", type=int, default=384)
    default_out = Path(__file__).resolve().parent / "results" / "perception_accuracy.json"
    ap.add_argument("--out", type=Path, default=default_out)
    args = ap.parse_args(argv)
    res = run(args.scenes, args.first_seed, args.width, args.height)
    print(table(res))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n")
    print(f"\nsaved {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
