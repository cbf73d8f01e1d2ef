"""Write evaluation items to disk in the field's layouts (see ``dataset``'s docstring).

``write_ciebench`` turns the synthetic suite into a CIEBench-layout dataset: the layout real
benchmarks ship in, with sceneedit's gold plan and true graph alongside (an extra key other
readers ignore), so the same dataset serves LLM planning and ``--oracle-plan``. The other two
writers exist so each layout can be produced and read back by the tests and by users
converting their own data.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import InvalidInputError
from ..io import save_image, write_text_atomic
from .dataset import CIEBENCH_INDEX, EvalItem

# CIEBench holds replace / remove (most), recolour and add items; a dataset built for that
# layout keeps the ops whose whole edit region is known in advance.
CIEBENCH_CATEGORIES = ("remove", "recolor", "replace", "restyle", "swap", "implicit",
                       "attribute", "counting", "compound")


def _mask_png(mask: np.ndarray) -> np.ndarray:
    return np.repeat((np.asarray(mask, bool) * 255).astype(np.uint8)[..., None], 3, axis=2)


def _check_empty(root: Path) -> None:
    if root.exists() and any(root.iterdir()):
        raise InvalidInputError(f"{root} exists and is not empty; choose a new folder")


def write_ciebench(items: Sequence[EvalItem], root: str | Path,
                   categories: Sequence[str] | None = CIEBENCH_CATEGORIES) -> int:
    """Write ``items`` (those of ``categories``; None: all) as ``root/benchmark.json`` with
    ``root/<k>/<k>.png``, ``<k>_mask.png`` and ``<k>.graph.json``. Returns the item count."""
    root = Path(root)
    _check_empty(root)
    index: dict[str, dict] = {}
    for item in items:
        if categories is not None and item.category not in categories:
            continue
        k = str(len(index))
        image = item.load_image()
        save_image(root / k / f"{k}.png", image)
        save_image(root / k / f"{k}_mask.png", _mask_png(item.load_mask(image.shape[:2])))
        entry = {"image path": f"{k}/{k}.png", "instruction": item.instruction,
                 "mask path": [f"{k}/{k}_mask.png"],
                 "CLIP": [item.clip_text] if item.clip_text else [], "notes": item.id}
        gold = item.load_gold()
        if gold is not None:
            gold.truth.save(root / k / f"{k}.graph.json")
            entry["sceneedit"] = {"truth graph": f"{k}/{k}.graph.json", "edits": gold.edits,
                                  "category": item.category}
        index[k] = entry
    # The index last: a dataset without its index is visibly incomplete.
    write_text_atomic(root / CIEBENCH_INDEX, json.dumps(index, indent=4) + "\n")
    return len(index)


def write_reasonedit(items: Sequence[EvalItem], root: str | Path) -> int:
    """One folder per category with ``NNN.png``, ``NNN_mask.jpg`` (JPEG, like the original)
    and ``<category>_text.txt`` lines ``INSTRUCTION CLIP: TEXT``."""
    root = Path(root)
    _check_empty(root)
    lines: dict[str, list[str]] = {}
    for item in items:
        cat = item.category or "items"
        rows = lines.setdefault(cat, [])
        stem = f"{len(rows):03d}"
        image = item.load_image()
        save_image(root / cat / f"{stem}.png", image)
        save_image(root / cat / f"{stem}_mask.jpg", _mask_png(item.load_mask(image.shape[:2])))
        rows.append(f"{item.instruction} CLIP: {item.clip_text or ''}".rstrip())
    for cat, rows in lines.items():
        write_text_atomic(root / cat / f"{cat}_text.txt", "\n".join(rows) + "\n")
    return sum(map(len, lines.values()))


def write_jsonl(items: Sequence[EvalItem], root: str | Path, name: str = "items.jsonl") -> int:
    root = Path(root)
    _check_empty(root)
    rows = []
    for n, item in enumerate(items):
        image = item.load_image()
        save_image(root / "images" / f"{n}.png", image)
        save_image(root / "masks" / f"{n}.png", _mask_png(item.load_mask(image.shape[:2])))
        row = {"id": item.id, "image": f"images/{n}.png", "instruction": item.instruction,
               "mask": f"masks/{n}.png", "category": item.category}
        if item.clip_text:
            row["clip"] = item.clip_text
        gold = item.load_gold()
        if gold is not None:
            gold.truth.save(root / "graphs" / f"{n}.json")
            row.update({"graph": f"graphs/{n}.json", "edits": gold.edits})
        rows.append(json.dumps(row))
    write_text_atomic(root / name, "\n".join(rows) + "\n")
    return len(rows)
