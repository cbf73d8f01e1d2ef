"""Evaluation items and the readers of the field's dataset layouts.

An item is an image, an instruction and the ground-truth mask of the region to edit, plus
(when the dataset has them) a CLIP text for the edited region and a gold plan. Images and
masks are read lazily, one item at a time, so one corrupt file fails its item, not the run.

Layouts (``LAYOUTS``), as the public evaluation code reads them:

- ``ciebench`` (CIELR's CIEBench): ``DIR/benchmark.json``, an object keyed by item id::

      {"0": {"image path": "0/0.png", "instruction": "...", "mask path": ["0/0_mask.png"],
             "CLIP": ["lamp"], "notes": "..."}, ...}

  paths relative to the JSON's folder; several masks are united. sceneedit's own optional key
  ``"sceneedit"`` = {"truth graph": PATH, "edits": [...], "category": ...} carries a gold
  plan (datasets written by ``builder.write_ciebench``); other readers ignore it.
- ``reasonedit`` (SmartEdit's Reason-Edit): ``DIR/<category>/`` folders (``1-Left-Right``,
  ``2-Relative-Size``, ``3-Mirror``, ``4-Color``, ``5-Multiple-Objects``, ``6-Reasoning``...),
  each with the input images ``*.png``, their masks ``*_mask.jpg`` (or ``*_mask.png``) and one
  ``*.txt`` file whose i-th non-empty line is ``INSTRUCTION CLIP: CLIP TEXT`` for the i-th
  image; images, masks and lines are paired in sorted order, as SmartEdit's script pairs them.
- ``jsonl``: one JSON object per line, ``{"image": PATH, "instruction": "...", "mask": PATH or
  [PATH, ...]}`` with optional ``"id"``, ``"clip"``, ``"category"`` and a gold plan
  (``"graph": PATH, "edits": [...]``); paths relative to the file's folder.

Masks are read as grey levels > 127 (JPEG masks are not exactly binary).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InvalidInputError
from ..io import load_image, read_text
from ..scene.model import SceneGraph

LAYOUTS = ("ciebench", "reasonedit", "jsonl", "synthetic")
CIEBENCH_INDEX = "benchmark.json"
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


@dataclass
class GoldPlan:
    """What the edit should be: edits with ids of ``truth``, the input's true scene graph."""

    truth: SceneGraph
    edits: list[dict[str, Any]]
    unresolved: str | None = None


@dataclass
class EvalItem:
    id: str
    instruction: str
    category: str = ""
    image_path: Path | None = None
    mask_paths: list[Path] = field(default_factory=list)
    clip_text: str | None = None
    gold: GoldPlan | None = None
    gold_loader: Callable[[], GoldPlan] | None = field(default=None, repr=False)
    image_array: np.ndarray | None = field(default=None, repr=False)
    mask_array: np.ndarray | None = field(default=None, repr=False)

    def load_image(self) -> np.ndarray:
        if self.image_array is not None:
            return self.image_array
        if self.image_path is None:
            raise InvalidInputError(f"item {self.id}: no image")
        return load_image(self.image_path)

    def load_mask(self, shape: tuple[int, int]) -> np.ndarray:
        """The ground-truth region to edit (union of the item's masks) at ``shape``."""
        if self.mask_array is not None:
            masks = [np.asarray(self.mask_array, bool)]
        else:
            # transparent = not in the mask, so a mask's alpha is composited on black
            masks = [load_image(p, background=(0, 0, 0)).max(axis=2) > 127
                     for p in self.mask_paths]
        if not masks:
            raise InvalidInputError(f"item {self.id}: no ground-truth mask")
        for m, p in zip(masks, self.mask_paths or ["(in memory)"]):
            if m.shape != tuple(shape):
                raise InvalidInputError(f"item {self.id}: mask {p} is {m.shape[1]}x{m.shape[0]}"
                                        f", the image {shape[1]}x{shape[0]}")
        return np.logical_or.reduce(masks)

    def load_gold(self) -> GoldPlan | None:
        if self.gold is None and self.gold_loader is not None:
            self.gold = self.gold_loader()
        return self.gold


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{where} is not valid JSON: {exc}") from None


def _require_str(entry: dict, key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{where}: missing or empty {key!r}")
    return value


def _paths(value: Any, base: Path, where: str) -> list[Path]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) for v in items):
        raise InvalidInputError(f"{where}: a mask path (or a list of them) is required")
    return [base / v for v in items]


def _gold_loader(graph_path: Path, edits: Any, where: str,
                 unresolved: str | None = None) -> Callable[[], GoldPlan]:
    if not isinstance(edits, list):
        raise InvalidInputError(f"{where}: gold 'edits' must be a list")

    def load() -> GoldPlan:
        return GoldPlan(SceneGraph.load(graph_path), edits, unresolved)

    return load


def read_ciebench(path: str | Path) -> list[EvalItem]:
    """Items of a CIEBench-layout dataset (``path``: the folder or its benchmark.json)."""
    p = Path(path)
    index = p / CIEBENCH_INDEX if p.is_dir() else p
    data = _parse_json(read_text(index, "CIEBench index"), str(index))
    if not isinstance(data, dict):
        raise InvalidInputError(f"{index}: expected an object keyed by item id, got "
                                f"{type(data).__name__}")
    base, items = index.parent, []
    for key, entry in data.items():
        where = f"{index} item {key!r}"
        if not isinstance(entry, dict):
            raise InvalidInputError(f"{where}: expected an object")
        clip = entry.get("CLIP")
        clip = ", ".join(clip) if isinstance(clip, list) else clip
        ours = entry.get("sceneedit") or {}
        gold = None
        if ours.get("truth graph"):
            gold = _gold_loader(base / ours["truth graph"], ours.get("edits"), where,
                                ours.get("unresolved"))
        items.append(EvalItem(
            id=str(key), instruction=_require_str(entry, "instruction", where),
            category=str(ours.get("category", "")),
            image_path=base / _require_str(entry, "image path", where),
            mask_paths=_paths(entry.get("mask path"), base, where),
            clip_text=clip if isinstance(clip, str) else None, gold_loader=gold))
    return items


def _reasonedit_line(line: str) -> tuple[str, str | None]:
    instruction, sep, clip = line.partition("CLIP:")
    return instruction.strip(), (clip.strip() or None) if sep else None


def read_reasonedit(path: str | Path) -> list[EvalItem]:
    """Items of a Reason-Edit-layout dataset: every category folder under ``path``."""
    root = Path(path)
    if not root.is_dir():
        raise InvalidInputError(f"Reason-Edit dataset folder not found: {root}")
    items = []
    for folder in sorted(d for d in root.rglob("*") if d.is_dir()):
        masks = sorted(f for f in folder.iterdir()
                       if f.stem.endswith("_mask") and f.suffix.lower() in _IMAGE_SUFFIXES)
        if not masks:
            continue
        images = sorted(f for f in folder.iterdir() if f.suffix.lower() == ".png"
                        and not f.stem.endswith("_mask"))
        texts = sorted(folder.glob("*.txt"))
        if len(texts) != 1:
            raise InvalidInputError(f"{folder}: expected one instruction .txt file, found "
                                    f"{[t.name for t in texts] or 'none'}")
        lines = [ln for ln in read_text(texts[0], "instructions").splitlines() if ln.strip()]
        if not len(images) == len(masks) == len(lines):
            raise InvalidInputError(f"{folder}: {len(images)} images, {len(masks)} masks and "
                                    f"{len(lines)} instruction lines; they must pair up")
        for image, mask, line in zip(images, masks, lines):
            instruction, clip = _reasonedit_line(line)
            items.append(EvalItem(id=f"{folder.relative_to(root)}/{image.stem}",
                                  instruction=instruction, category=folder.name,
                                  image_path=image, mask_paths=[mask], clip_text=clip))
    if not items:
        raise InvalidInputError(f"{root}: no Reason-Edit category folder (with *.png images, "
                                "*_mask.jpg masks and an instruction .txt file) found")
    return items


def read_jsonl(path: str | Path) -> list[EvalItem]:
    p = Path(path)
    base, items = p.parent, []
    for n, line in enumerate(read_text(p, "JSONL dataset").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{p} line {n}"
        entry = _parse_json(line, where)
        if not isinstance(entry, dict):
            raise InvalidInputError(f"{where}: expected a JSON object")
        gold = None
        if entry.get("graph"):
            gold = _gold_loader(base / entry["graph"], entry.get("edits"), where,
                                entry.get("unresolved"))
        items.append(EvalItem(
            id=str(entry.get("id", n)), instruction=_require_str(entry, "instruction", where),
            category=str(entry.get("category", "")),
            image_path=base / _require_str(entry, "image", where),
            mask_paths=_paths(entry.get("mask"), base, where),
            clip_text=entry.get("clip") if isinstance(entry.get("clip"), str) else None,
            gold_loader=gold))
    if not items:
        raise InvalidInputError(f"{p}: no items")
    return items


def detect_layout(path: str | Path) -> str:
    p = Path(path)
    if p.is_file():
        if p.suffix == ".jsonl":
            return "jsonl"
        if p.suffix == ".json":
            return "ciebench"
    elif p.is_dir():
        if (p / CIEBENCH_INDEX).is_file():
            return "ciebench"
        if len(list(p.glob("*.jsonl"))) == 1:
            return "jsonl"
        if any(f.stem.endswith("_mask") for f in p.rglob("*") if f.is_file()):
            return "reasonedit"
    else:
        raise InvalidInputError(f"dataset not found: {p}")
    raise InvalidInputError(f"cannot tell the layout of {p}; pass --layout (one of "
                            f"{', '.join(LAYOUTS)}); see docs/eval.md")


def read_dataset(path: str | Path, layout: str = "auto") -> list[EvalItem]:
    """Items of the dataset at ``path`` in ``layout`` (``auto``: detected)."""
    if layout == "auto":
        layout = detect_layout(path)
    p = Path(path)
    if layout == "ciebench":
        return read_ciebench(p)
    if layout == "reasonedit":
        return read_reasonedit(p)
    if layout == "jsonl":
        return read_jsonl(next(iter(p.glob("*.jsonl"))) if p.is_dir() else p)
    raise InvalidInputError(f"unknown dataset layout {layout!r}; valid: auto, "
                            f"{', '.join(LAYOUTS)} (synthetic: use --synthetic N)")
