"""``sceneedit demo``: the main job on the embedded default.

Generates a synthetic scene, perceives it with the classical backend, renders one plan per op
and one compound plan, re-perceives each result to check the edit happened, checks the
preservation invariant, and writes everything to a folder. Without ``llm`` the edits' targets
are picked by graph queries (``scene.query``); with ``llm`` (a model tier or GGUF path) the local
planner plans each instruction and the demo reports whether it matched the query's plan.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

DEMO_OBJECTS = [("apple", "red"), ("banana", None), ("mug", "blue"), ("lamp", "yellow"),
                ("book", "green"), ("orange", None), ("star", "purple")]


def _demo_plans(graph):
    """(name, instruction, edits) for each op, targets resolved by graph queries."""
    from .scene.query import extreme, find

    one = {label: find(graph, label=label)[0] for label in ("apple", "banana", "mug", "lamp",
                                                            "book", "orange", "star")}
    fruit = find(graph, kind="fruit") or [one["apple"], one["banana"], one["orange"]]
    largest_fruit = extreme(graph, fruit, by="area")
    return [
        ("remove", "Remove the lamp.", [{"op": "remove", "target": one["lamp"]}]),
        ("recolor", "Make the mug red.", [{"op": "recolor", "target": one["mug"],
                                           "color": "red"}]),
        ("replace", "Replace the book with a floor lamp.",
         [{"op": "replace", "target": one["book"], "with": "floor lamp"}]),
        ("replace_source", "Put a copy of the orange where the star is.",
         [{"op": "replace", "target": one["star"], "source": one["orange"]}]),
        ("add", "Add a green apple to the right of the mug.",
         [{"op": "add", "what": "a green apple", "anchor": one["mug"], "relation": "right_of"}]),
        ("move", "Move the apple to the left of the book.",
         [{"op": "move", "target": one["apple"], "anchor": one["book"],
           "relation": "left_of"}]),
        ("resize", "Make the largest fruit half as big.",
         [{"op": "resize", "target": largest_fruit, "scale": 0.5}]),
        ("swap", "Swap the mug and the star.",
         [{"op": "swap", "target": one["mug"], "other": one["star"]}]),
        ("restyle", "Give the book a polka-dot pattern.",
         [{"op": "restyle", "target": one["book"], "style": "polka dots"}]),
        ("compound", "Remove the banana, make the star blue and make the lamp striped.",
         [{"op": "remove", "target": one["banana"]},
          {"op": "recolor", "target": one["star"], "color": "blue"},
          {"op": "restyle", "target": one["lamp"], "style": "striped"}]),
    ]


def run_demo(out: Path, seed: int = 7, llm: str | None = None) -> int:
    from .io import save_image, write_text_atomic
    from .perception import ClassicalPerceiver
    from .plan import Plan
    from .render import render_plan
    from .synthetic import generate_scene
    from .verify import verify_edit

    out.mkdir(parents=True, exist_ok=True)
    scene = generate_scene(seed, objects=DEMO_OBJECTS)
    save_image(out / "scene.png", scene.image)
    scene.graph.save(out / "truth.graph.json")
    perceiver = ClassicalPerceiver()
    t0 = time.perf_counter()
    graph = perceiver.perceive(scene.image)
    print(f"perceived {len(graph.objects)} objects in {(time.perf_counter() - t0) * 1000:.0f} ms "
          f"(ground truth: {len(scene.graph.objects)})")
    graph.save(out / "graph.json")
    save_image(out / "graph.png", graph.render(scene.image))
    print(graph.to_text())
    print()
    planner = None
    if llm is not None:
        from .reasoning import Planner, get_llm

        planner = Planner(get_llm(llm))
    rows, summary = [], []
    for name, instruction, edits in _demo_plans(graph):
        plan = Plan(instruction=instruction, edits=edits, graph=graph)
        agrees = None
        if planner is not None:
            planning = planner.plan(graph, instruction)
            planned = planning.plan
            got = [e.model_dump(by_alias=True) for e in planned.edits]
            agrees = sorted(map(str, got)) == sorted(map(str, edits))
            print(f"{name}: {instruction}\n  planned in {planning.seconds:.1f} s:"
                  f" {got or planned.unresolved}  ({'as expected' if agrees else 'differs'})")
            if not planned.edits:
                summary.append({"name": name, "instruction": instruction, "planned": got,
                                "unresolved": planned.unresolved, "verified": False})
                rows.append(f"{name:<15} {'-':>5} {'-':>8} {'-':>9} {'-':>8}  NO: unresolved")
                continue
            plan = planned.model_copy(update={"graph": graph})
        t0 = time.perf_counter()
        result = render_plan(plan, scene.image, seed=seed)
        ms = (time.perf_counter() - t0) * 1000
        after = perceiver.perceive(result.image)
        outside = int((result.image != scene.image).any(axis=2)[~result.footprint].sum())
        masks = {k[5:]: v for k, v in result.run.outputs.items() if k.startswith("mask_")}
        verdicts = [verify_edit(e, graph, after, footprint=result.run.outputs[f"footprint_{i}"],
                                image_before=scene.image, image_after=result.image,
                                new_masks=masks) for i, e in enumerate(plan.edits)]
        ok = all(verdicts)
        save_image(out / f"{name}.after.png", result.image)
        save_image(out / f"{name}.graph.png", after.render(result.image))
        plan_doc = plan.model_copy(update={"graph": None})
        write_text_atomic(out / f"{name}.plan.json", plan_doc.to_json() + "\n")
        write_text_atomic(out / f"{name}.workflow.json", result.workflow.to_json() + "\n")
        rows.append(f"{name:<15} {len(result.workflow.nodes):>5} {ms:>8.0f} "
                    f"{int(result.footprint.sum()):>9} {outside:>8}  {'yes' if ok else 'NO'}: "
                    + "; ".join(v.message for v in verdicts))
        summary.append({"name": name, "instruction": instruction,
                        "edits": [e.model_dump(by_alias=True) for e in plan.edits],
                        "bricks": len(result.workflow.nodes), "ms": round(ms, 1),
                        "footprint_px": int(result.footprint.sum()),
                        "changed_outside_footprint": outside, "verified": ok,
                        "checks": [v.message for v in verdicts], "as_expected": agrees})
        if planner is None:
            print(f"{name}: {instruction}")
    print()
    print(f"{'plan':<15} {'bricks':>5} {'ms':>8} {'footprint':>9} {'outside':>8}  verified")
    print("\n".join(rows))
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    failed = [s["name"] for s in summary
              if not s["verified"] or s.get("changed_outside_footprint")]
    print(f"\nwrote {out}/ (scene.png, graph.png, <plan>.after.png, plans, workflows, "
          f"summary.json); {len(summary) - len(failed)}/{len(summary)} plans verified")
    return 1 if failed else 0
