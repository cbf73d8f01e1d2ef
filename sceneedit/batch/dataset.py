"""Reading a batch dataset: a JSONL file, or a folder of images with an instructions file.

JSONL: one object per line, ``{"image": PATH, "instruction": TEXT}`` with optional ``"id"`` and
``"plan"`` (a plan file's path, or the plan document inline). Paths are relative to the file.

A folder holds either ``dataset.jsonl`` (as above) or ``instructions.tsv``: one item per line,
``IMAGE<TAB>INSTRUCTION[<TAB>PLAN.json]``, paths relative to the folder, ``#`` starts a comment.

An entry that cannot be used (malformed JSON, a missing field, a plan file that is not there)
becomes an item with a ``problem``: it is recorded as failed, never silently dropped. A missing
or corrupt image is found by the worker that loads it, and recorded the same way.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError
from ..io import read_text
from .items import BatchItem, safe_id

JSONL_NAME = "dataset.jsonl"
TSV_NAME = "instructions.tsv"


def _problem(kind: str, message: str) -> dict[str, str]:
    return {"class": kind, "message": message}


def _default_id(index: int, image: str) -> str:
    # The same image often appears with several instructions: the line number keeps ids unique.
    return f"{index:05d}-{Path(image).stem}" if image else f"{index:05d}"


def _plan_fields(plan: Any, base: Path) -> tuple[str | None, str | None, dict | None]:
    """(plan_text, plan_origin, problem) for a JSONL ``plan`` value."""
    if plan is None:
        return None, None, None
    if isinstance(plan, dict):
        return json.dumps(plan, sort_keys=True), "inline", None
    if isinstance(plan, str):
        path = base / plan
        if not path.is_file():
            return None, str(path), _problem("InvalidInputError", f"plan file not found: {path}")
        try:
            return read_text(path, "plan"), str(path), None
        except InvalidInputError as exc:
            return None, str(path), _problem("InvalidInputError", str(exc))
    return None, None, _problem("InvalidInputError", "'plan' must be a file path or a plan "
                                f"object, got {type(plan).__name__}")


def _entry(index: int, where: str, data: Any, base: Path) -> BatchItem:
    if not isinstance(data, dict):
        return BatchItem(index, f"{index:05d}", "", "", problem=_problem(
            "InvalidInputError", f"{where}: expected a JSON object, got {type(data).__name__}"))
    image = data.get("image")
    instruction = data.get("instruction")
    image_path = str(base / image) if isinstance(image, str) and image else ""
    item_id = data.get("id")
    item_id = safe_id(str(item_id)) if item_id is not None else _default_id(index, image_path)
    missing = [k for k, v in (("image", image), ("instruction", instruction))
               if not isinstance(v, str) or not v.strip()]
    if missing:
        return BatchItem(index, item_id, image_path, instruction if isinstance(instruction, str)
                         else "", problem=_problem("InvalidInputError", f"{where}: missing or "
                                                   f"empty {' and '.join(missing)}"))
    plan_text, plan_origin, problem = _plan_fields(data.get("plan"), base)
    return BatchItem(index, item_id, image_path, instruction, plan_text, plan_origin,
                     problem=problem and {**problem, "message": f"{where}: {problem['message']}"})


def read_jsonl(path: Path) -> list[BatchItem]:
    items = []
    for n, line in enumerate(read_text(path, "dataset").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {n}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            items.append(BatchItem(len(items), f"line{n:05d}", "", "", problem=_problem(
                "InvalidInputError", f"{where} is not valid JSON: {exc.msg}")))
            continue
        except RecursionError:
            items.append(BatchItem(len(items), f"line{n:05d}", "", "", problem=_problem(
                "InvalidInputError", f"{where} is nested too deeply to be a dataset entry")))
            continue
        items.append(_entry(len(items), where, data, path.parent))
    return items


def read_tsv(path: Path) -> list[BatchItem]:
    items = []
    for n, line in enumerate(read_text(path, "instructions").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        data: dict[str, Any] = {"image": fields[0].strip(),
                                "instruction": fields[1].strip() if len(fields) > 1 else ""}
        if len(fields) > 2 and fields[2].strip():
            data["plan"] = fields[2].strip()
        items.append(_entry(len(items), f"{path.name} line {n}", data, path.parent))
    return items


def read_dataset(path: str | Path, limit: int | None = None) -> list[BatchItem]:
    """The items of a JSONL file or a dataset folder (the first ``limit`` if given)."""
    p = Path(path)
    if p.is_dir():
        if (p / JSONL_NAME).is_file():
            items = read_jsonl(p / JSONL_NAME)
        elif (p / TSV_NAME).is_file():
            items = read_tsv(p / TSV_NAME)
        else:
            raise InvalidInputError(f"dataset folder {p} has neither {JSONL_NAME} nor {TSV_NAME}"
                                    f" (one item per line: IMAGE<TAB>INSTRUCTION[<TAB>PLAN])")
    elif p.is_file():
        items = read_jsonl(p)
    else:
        raise InvalidInputError(f"dataset not found: {p} (give a .jsonl file or a folder)")
    if limit is not None:
        items = items[:max(limit, 0)]
    dupes = sorted(i for i, c in Counter(it.id for it in items).items() if c > 1)
    if dupes:
        raise InvalidInputError(f"dataset {p}: item ids must be unique (outputs are stored by "
                                f"id); repeated: {', '.join(dupes[:10])}")
    return items
