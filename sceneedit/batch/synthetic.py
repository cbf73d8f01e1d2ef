"""A synthetic batch dataset: seeded scenes from ``sceneedit.synthetic`` with instructions and
(optionally) plans, so the whole batch path, rendering included, runs without an LLM.

``with_failures`` appends deliberately bad items, one per way an item can fail, so the failure
records can be checked: a corrupt image file, a plan naming an object id the scene lacks, a
missing image file, a plan file that is not JSON, and a dataset line that is not JSON.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import ValidationError
from .dataset import JSONL_NAME

# (op, instruction template, edit template); "{t}" is the target's id, "{label}" its label.
_EDITS = [
    ("recolor", "Make the {label} {color}.", {"op": "recolor", "target": "{t}",
                                              "color": "{color}"}),
    ("remove", "Remove the {label}.", {"op": "remove", "target": "{t}"}),
    ("restyle", "Give the {label} stripes.", {"op": "restyle", "target": "{t}",
                                              "style": "striped"}),
    ("resize", "Make the {label} smaller.", {"op": "resize", "target": "{t}", "scale": 0.7}),
]
_COLORS = ["green", "blue", "purple", "orange", "yellow", "red"]
BAD_ITEMS = ("bad-corrupt-image", "bad-unknown-id", "bad-missing-image", "bad-plan-json",
             "bad-jsonl-line")


def _fill(template, values: dict[str, str]):
    if isinstance(template, dict):
        return {k: _fill(v, values) for k, v in template.items()}
    return template.format(**values) if isinstance(template, str) else template


def _plan_for(graph, index: int) -> tuple[str, dict] | None:
    """An (instruction, plan) valid for ``graph``, the op chosen by ``index`` (first that fits)."""
    from ..plan import Plan

    if not graph.objects:
        return None
    for k in range(len(_EDITS)):
        _, instruction, edit = _EDITS[(index + k) % len(_EDITS)]
        obj = graph.objects[index % len(graph.objects)]
        color = next(c for c in _COLORS[index % len(_COLORS):] + _COLORS
                     if c != obj.attributes.get("color"))
        values = {"t": obj.id, "label": obj.label, "color": color}
        text = _fill(instruction, values)
        plan = Plan.from_dict({"format": "sceneedit.plan/1", "instruction": text,
                               "edits": [_fill(edit, values)]})
        try:
            plan.validate_against(graph)
        except ValidationError:
            continue
        return text, plan.to_dict()
    return None


def make_synthetic_dataset(n: int, folder: str | Path, *, seed: int = 0,
                           with_plans: bool = True, with_failures: bool = True,
                           width: int = 320, height: int = 240) -> Path:
    """Write ``n`` good items (plus the bad ones) to ``folder``; return its dataset.jsonl."""
    from ..io import save_image, write_text_atomic
    from ..perception import ClassicalPerceiver
    from ..synthetic import generate_scene

    root = Path(folder)
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "plans").mkdir(exist_ok=True)
    perceiver = ClassicalPerceiver()
    lines: list[str] = []
    scene_seed = seed
    while len(lines) < n:
        scene = generate_scene(scene_seed, width=width, height=height)
        scene_seed += 1
        # plans refer to the ids the batch's own perception will give the image
        planned = _plan_for(perceiver.perceive(scene.image), len(lines))
        if planned is None:
            continue
        item_id = f"scene{len(lines):04d}"
        save_image(root / "images" / f"{item_id}.png", scene.image)
        entry = {"id": item_id, "image": f"images/{item_id}.png", "instruction": planned[0]}
        if with_plans:
            write_text_atomic(root / "plans" / f"{item_id}.plan.json",
                              json.dumps(planned[1], indent=2) + "\n")
            entry["plan"] = f"plans/{item_id}.plan.json"
        lines.append(json.dumps(entry))
    if with_failures:
        lines += _bad_items(root, seed)
    write_text_atomic(root / JSONL_NAME, "\n".join(lines) + "\n")
    return root / JSONL_NAME


def _bad_items(root: Path, seed: int) -> list[str]:
    from ..io import save_image, write_text_atomic
    from ..synthetic import generate_scene

    scene = generate_scene(seed + 10_000, width=160, height=120)
    save_image(root / "images" / "bad-unknown-id.png", scene.image)
    (root / "images" / "bad-corrupt-image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    write_text_atomic(root / "plans" / "bad-plan-json.plan.json", '{"format": "sceneedit.pl')
    unknown = {"format": "sceneedit.plan/1", "instruction": "Remove the dragon.",
               "edits": [{"op": "remove", "target": "o99"}]}
    remove_first = {"format": "sceneedit.plan/1", "instruction": "Remove it.",
                    "edits": [{"op": "remove", "target": "o1"}]}
    return [
        json.dumps({"id": "bad-corrupt-image", "image": "images/bad-corrupt-image.png",
                    "instruction": "Remove it.", "plan": remove_first}),
        json.dumps({"id": "bad-unknown-id", "image": "images/bad-unknown-id.png",
                    "instruction": "Remove the dragon.", "plan": unknown}),
        json.dumps({"id": "bad-missing-image", "image": "images/not-there.png",
                    "instruction": "Remove it.", "plan": remove_first}),
        json.dumps({"id": "bad-plan-json", "image": "images/bad-unknown-id.png",
                    "instruction": "Remove it.", "plan": "plans/bad-plan-json.plan.json"}),
        '{"id": "bad-jsonl-line", "image": "images/bad-unknown-id.png", "instruction": ',
    ]
