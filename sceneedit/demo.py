"""``sceneedit demo``: the main job on the embedded default.

Generates a synthetic scene, perceives it with the classical backend, plans a set of complex
instructions (implicit intent, superlatives, a copy of an object in the picture, a compound
edit, an impossible request) with the local LLM, renders each plan, re-perceives the result to
check the edit happened and that nothing outside its footprint changed, and writes everything
to a folder. Each plan is also compared with what a careful human would answer (the expected
edits, resolved by graph queries); a difference is reported, not hidden. ``llm=False`` renders
the expected edits instead (no model needed).
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

DEMO_OBJECTS = [("apple", "red"), ("banana", None), ("mug", "blue"), ("lamp", "yellow"),
                ("book", "green"), ("orange", None), ("star", "purple")]

Expected = Callable[[dict], list[dict] | None]   # ids by label -> edits, None = unresolved


def _demo_cases() -> list[tuple[str, str, Expected]]:
    """(name, instruction, expected edits): one per op and per hard category."""
    return [
        ("implicit", "Which fruit here is richest in vitamin C? Make it purple.",
         lambda o: [{"op": "recolor", "target": o["orange"], "color": "purple"}]),
        ("remove", "Remove the lamp.", lambda o: [{"op": "remove", "target": o["lamp"]}]),
        ("replace", "Replace the book with a floor lamp.",
         lambda o: [{"op": "replace", "target": o["book"], "with": "floor lamp"}]),
        ("replace_source", "Replace the star with a copy of the banana.",
         lambda o: [{"op": "replace", "target": o["star"], "source": o["banana"]}]),
        ("add", "Add a green apple to the right of the mug.",
         lambda o: [{"op": "add", "what": "green apple", "anchor": o["mug"],
                     "relation": "right_of"}]),
        ("move", "Move the apple to the left of the book.",
         lambda o: [{"op": "move", "target": o["apple"], "anchor": o["book"],
                     "relation": "left_of"}]),
        ("superlative", "Make the largest fruit half its size.",
         lambda o: [{"op": "resize", "target": o["largest fruit"], "scale": 0.5}]),
        ("swap", "Swap the mug and the star.",
         lambda o: [{"op": "swap", "target": o["mug"], "other": o["star"]}]),
        ("restyle", "Make the book look like it is made of metal.",
         lambda o: [{"op": "restyle", "target": o["book"], "style": "metal"}]),
        ("compound", "Remove the banana, make the star blue and make the lamp look striped.",
         lambda o: [{"op": "remove", "target": o["banana"]},
                    {"op": "recolor", "target": o["star"], "color": "blue"},
                    {"op": "restyle", "target": o["lamp"], "style": "striped"}]),
        ("impossible", "Remove the cat sleeping next to the mug.", lambda o: None),
    ]


def _ids(graph) -> dict:
    from .scene.query import extreme, find

    ids = {label: find(graph, label=label)[0] for label, _ in DEMO_OBJECTS}
    fruit = find(graph, kind="fruit") or [ids["apple"], ids["banana"], ids["orange"]]
    ids["largest fruit"] = extreme(graph, fruit, by="area")
    return ids


def _same_edits(got: list[dict], expected: list[dict]) -> bool:
    """Same ops on the same objects with the same enums; free text (what / with / style)
    may be worded differently."""
    def key(e: dict) -> str:
        return json.dumps({k: v for k, v in e.items() if k not in ("what", "with", "style")},
                          sort_keys=True)
    return sorted(map(key, got)) == sorted(map(key, expected))


def run_demo(out: Path, seed: int = 7, llm: str | bool | None = None,
             cases: list[str] | None = None) -> int:
    """``llm``: a model spec (tier, path), None for the best embedded model installed, or
    False to render the expected edits without a model. ``cases``: only these (by name)."""
    from .errors import InvalidInputError

    names = [name for name, _, _ in _demo_cases()]
    unknown = sorted(set(cases or ()) - set(names))
    if unknown:
        raise InvalidInputError(f"unknown demo case(s) {', '.join(unknown)}; choose from "
                                f"{', '.join(names)}")
    from .io import save_image, write_text_atomic
    from .perception import ClassicalPerceiver
    from .plan import Plan
    from .render import render_plan
    from .synthetic import generate_scene
    from .verify import verify_edit

    out.mkdir(parents=True, exist_ok=True)
    job_start = time.perf_counter()
    timings: dict[str, float] = {}   # where the job's time goes (written to timings.json)
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
    print(graph.to_text() + "\n")
    planner = None
    if llm is not False:
        from .reasoning import Planner, get_llm

        t0 = time.perf_counter()
        model = get_llm(llm)
        timings["model_seconds"] = time.perf_counter() - t0   # assembly (first run) + load
        print(f"planner: {model.model_path.name} (ready in {timings['model_seconds']:.1f} s)",
              flush=True)
        planner = Planner(model)
    ids = _ids(graph)
    rows, summary = [], []
    for name, instruction, expect in _demo_cases():
        if cases and name not in cases:
            continue
        expected = expect(ids)
        record: dict = {"name": name, "instruction": instruction, "expected": expected}
        if planner is None:
            if expected is None:
                continue
            plan = Plan(instruction=instruction, edits=expected, graph=graph)
        else:
            # the instruction first, so the user sees what the model is working on
            print(f"{name}: {instruction}", flush=True)
            planning = planner.plan(graph, instruction)
            plan = planning.plan.model_copy(update={"graph": graph})
            got = [e.model_dump(by_alias=True) for e in plan.edits]
            agrees = (not got) if expected is None else _same_edits(got, expected)
            record.update(planned=got, unresolved=plan.unresolved, reasoning=plan.reasoning,
                          plan_seconds=round(planning.seconds, 2), as_expected=agrees)
            timings.setdefault("first_plan_seconds", planning.seconds)
            timings["plans_seconds"] = timings.get("plans_seconds", 0.0) + planning.seconds
            print(f"  planned in {planning.seconds:.1f} s: "
                  f"{got or 'unresolved: ' + str(plan.unresolved)}"
                  f"  [{'as expected' if agrees else 'differs from ' + json.dumps(expected)}]",
                  flush=True)
        write_text_atomic(out / f"{name}.plan.json",
                          plan.model_copy(update={"graph": None}).to_json() + "\n")
        if not plan.edits:
            record["verified"] = None   # nothing rendered; whether that was right is as_expected
            summary.append(record)
            rows.append(f"{name:<15} {'-':>6} {'-':>8} {'-':>9} {'-':>8}  "
                        f"unresolved: {plan.unresolved}")
            continue
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
        write_text_atomic(out / f"{name}.workflow.json", result.workflow.to_json() + "\n")
        rows.append(f"{name:<15} {len(result.workflow.nodes):>6} {ms:>8.0f} "
                    f"{int(result.footprint.sum()):>9} {outside:>8}  {'yes' if ok else 'NO'}: "
                    + "; ".join(v.message for v in verdicts))
        record.update(edits=[e.model_dump(by_alias=True) for e in plan.edits],
                      bricks=len(result.workflow.nodes), ms=round(ms, 1),
                      footprint_px=int(result.footprint.sum()), changed_outside_footprint=outside,
                      verified=ok, checks=[v.message for v in verdicts])
        summary.append(record)
        if planner is None:
            print(f"{name}: {instruction}")
    print(f"\n{'plan':<15} {'bricks':>6} {'ms':>8} {'footprint':>9} {'outside':>8}  verified")
    print("\n".join(rows))
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    timings["job_seconds"] = time.perf_counter() - job_start
    write_text_atomic(out / "timings.json",
                      json.dumps({k: round(v, 2) for k, v in timings.items()}, indent=2) + "\n")
    # A planning miss is reported (as_expected); a failure is a rendered edit that did not
    # happen or a pixel changed outside its footprint.
    rendered = [s for s in summary if s["verified"] is not None]
    failed = [s["name"] for s in rendered
              if not s["verified"] or s.get("changed_outside_footprint")]
    line = f"\nwrote {out}/ (scene.png, graph.png, <plan>.after.png, plans, workflows, " \
           f"summary.json); {len(rendered) - len(failed)}/{len(rendered)} rendered plans verified"
    if planner is not None:
        line += f", {sum(bool(s['as_expected']) for s in summary)}/{len(summary)} planned as " \
                "expected"
        line += (f"\ntime: model {timings['model_seconds']:.1f} s, first plan "
                 f"{timings.get('first_plan_seconds', 0):.1f} s, all plans "
                 f"{timings.get('plans_seconds', 0):.1f} s, whole job "
                 f"{timings['job_seconds']:.1f} s (timings.json)")
    print(line)
    return 1 if failed else 0
