"""Does one refinement round recover an object the graph lost, and what does a round cost?

    python benchmarks/refinement.py --scenes 100

For each seeded synthetic scene, the classical perceiver's graph loses one object (chosen by the
seed), and the loop runs one round for an instruction that needs it:

- ``instruction``: an object with a unique label, "Remove the <label>." (needs parsed from the
  instruction);
- ``planner``: the instruction "Remove it." with the planner's missing name, a synonym where the
  category has one ("cup" for a mug), else the label;
- ``count``: in scenes with exactly two objects of a label, one of them is lost and the
  instruction is "Remove both <label>s." (the detector finds both; the one already in the graph
  must be recognised, the other added).

*Recovered*: the round adds exactly one node, with the object's label and mask IoU >= 0.9 with
the ground truth, and leaves every other node as it was (no removal, no change). Times are per
round: *cold* (fresh backends, so the round encodes the image) and *warm* (the same backends
again: the image is already encoded), against the baseline of re-perceiving the whole image
from scratch (what CIELR does when its representation lacks an object). Medians; ratios are
round / baseline within this run. Printed as a table and saved under benchmarks/results/.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from sceneedit.masks import iou
from sceneedit.perception import ClassicalPerceiver
from sceneedit.perception.classical_detect import classical_backends
from sceneedit.perception.refine import Refiner
from sceneedit.synthetic import CATEGORIES, generate_scene

FOUND_IOU = 0.9
MATCH_IOU = 0.5


def _found(gt, graph):
    """The perceived node for ground-truth object ``gt`` (same label, IoU >= 0.5), or None."""
    gm = gt.mask.to_array()
    return next((p for p in graph.objects if p.label == gt.label
                 and iou(gm, p.mask.to_array()) >= MATCH_IOU), None)


def pick(scene, graph, rng, copies: int):
    """A ground-truth object whose label occurs ``copies`` times in the scene and whose every
    instance the perceiver found, with its perceived node; None when there is none."""
    labels = [o.label for o in scene.graph.objects]
    options = []
    for gt in scene.graph.objects:
        same = [o for o in scene.graph.objects if o.label == gt.label]
        if labels.count(gt.label) != copies or \
                sum(p.label == gt.label for p in graph.objects) != copies:
            continue
        if all(_found(o, graph) is not None for o in same):
            options.append((gt, _found(gt, graph)))
    return options[int(rng.integers(len(options)))] if options else None


def cases_for(scene, graph, seed: int):
    """(condition, gt, start graph, instruction, planner names) for one scene."""
    out = []
    for copies, conditions in ((1, ("instruction", "planner")), (2, ("count",))):
        picked = pick(scene, graph, np.random.default_rng(seed), copies)
        if picked is None:
            continue
        gt, node = picked
        start = graph.model_copy(update={
            "objects": [o for o in graph.objects if o.id != node.id]}).with_derived_relations()
        for condition in conditions:
            if condition == "instruction":
                out.append((condition, gt, start, f"Remove the {gt.label}.", None))
            elif condition == "planner":
                synonyms = CATEGORIES[gt.label].synonyms
                out.append((condition, gt, start, "Remove it.",
                            [synonyms[0] if synonyms else gt.label]))
            else:
                out.append((condition, gt, start, f"Remove both {gt.label}s.", None))
    return out


def one_case(scene, condition: str, gt, start, instruction: str, missing) -> dict:
    detector, segmenter = classical_backends()
    refiner = Refiner(detector, segmenter)
    t0 = time.perf_counter()
    result = refiner.refine(start, scene.image, instruction, planner_missing=missing,
                            max_rounds=1)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    refiner.refine(start, scene.image, instruction, planner_missing=missing, max_rounds=1)
    warm = time.perf_counter() - t0
    d = result.diff
    best_iou, label_ok = 0.0, False
    if len(d.added) == 1:
        node = result.graph.get(d.added[0])
        best_iou = iou(node.mask.to_array(), gt.mask.to_array())
        label_ok = node.label == gt.label
    others_kept = not d.removed and not d.changed
    return {"seed": scene.seed, "label": gt.label, "condition": condition,
            "added": len(d.added), "iou": round(best_iou, 4), "label_ok": label_ok,
            "others_kept": others_kept,
            "recovered": len(d.added) == 1 and best_iou >= FOUND_IOU and label_ok and others_kept,
            "encoder_calls": segmenter.encoder_calls, "cold_s": cold, "warm_s": warm}


def run(n_scenes: int, first_seed: int) -> dict:
    perceiver = ClassicalPerceiver()
    cases, baseline = [], []
    for seed in range(first_seed, first_seed + n_scenes):
        scene = generate_scene(seed)
        t0 = time.perf_counter()
        graph = perceiver.perceive(scene.image)
        baseline.append(time.perf_counter() - t0)
        for case in cases_for(scene, graph, seed):
            cases.append(one_case(scene, *case))
    return {"cases": cases, "baseline_s": baseline, "scenes": n_scenes,
            "first_seed": first_seed}


def table(res: dict) -> str:
    base = statistics.median(res["baseline_s"])
    head = (f"{'needs from':<12} {'cases':>5} {'recovered':>9} {'rate':>6} {'mean IoU':>8} "
            f"{'encoder calls':>13} {'round cold':>10} {'round warm':>10} {'re-perceive':>11} "
            f"{'cold/base':>9} {'warm/base':>9}")
    lines = [head, "-" * len(head)]
    for condition in ("instruction", "planner", "count"):
        rows = [c for c in res["cases"] if c["condition"] == condition]
        if not rows:
            continue
        rec = sum(c["recovered"] for c in rows)
        cold = statistics.median(c["cold_s"] for c in rows)
        warm = statistics.median(c["warm_s"] for c in rows)
        calls = sorted({c["encoder_calls"] for c in rows})
        lines.append(
            f"{condition:<12} {len(rows):>5} {rec:>9} {rec / len(rows):>6.1%} "
            f"{statistics.mean(c['iou'] for c in rows):>8.3f} {','.join(map(str, calls)):>13} "
            f"{cold * 1000:>8.1f}ms {warm * 1000:>8.1f}ms {base * 1000:>9.1f}ms "
            f"{cold / base:>9.2f} {warm / base:>9.2f}")
    failures = [c for c in res["cases"] if not c["recovered"]]
    lines.append(f"({res['scenes']} scenes from seed {res['first_seed']}; {len(failures)} failures"
                 + (": " + ", ".join(f"seed {c['seed']} {c['label']} ({c['condition']}, "
                                    f"IoU {c['iou']}, added {c['added']})"
                                    for c in failures[:8]) if failures else "") + ")")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=100)
    ap.add_argument("--first-seed", type=int, default=2000)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "refinement.json"))
    args = ap.parse_args()
    res = run(args.scenes, args.first_seed)
    print(table(res))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    res["machine"] = {"python": platform.python_version(), "processor": platform.machine()}
    out.write_text(json.dumps(res, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
