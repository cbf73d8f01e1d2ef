"""Read the two external corpora where they lie (``../shared/data/external/``, never copied into
this repository) and select the cases the development corpus is built on.

Each source record is named by a stable case id:
* RefCOCOS: ``rc-NNN``, the record's index in ``refcocos/refcocos_test.json`` (its
  ``annotation_id`` is stored beside our spec and checked, so a changed file is a loud error);
* ComplexBench-Edit: ``cbe-<file stem>-<COCO image id>``, the file and the key of the record.

Selection (done once; ``python -m benchmarks.external.source`` prints it with the wording):
records are ranked by ``sha256(SELECT_SEED + case id)``; RefCOCOS gives the first
``N_REFCOCOS`` targeted expressions and the first ``N_REFCOCOS_EMPTY`` no-target ones in that
order, ComplexBench-Edit the first ``N_CBE_PER_FILE`` records of each file that have at least
two steps sceneedit can express (``CBE_OPS``).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = "SCENEEDIT_EXTERNAL_DATA"
DATA_SUBDIR = Path("shared") / "data" / "external"
REFCOCOS_FILE = "refcocos/refcocos_test.json"
CBE_DIR = "complexbench-edit"
CBE_FILES = ("COCO-obj-attr-global", "COCO-three-obj", "COCO-two-obj-one-attr", "three-chain",
             "two-chain")

SELECT_SEED = "sceneedit-external-select-v1:"
N_REFCOCOS = 125
N_REFCOCOS_EMPTY = 15
N_CBE_PER_FILE = 24
# ComplexBench-Edit edit types -> the sceneedit op that carries them out. The others (change
# background, change style of the whole image, text, content of a surface, pose) have no op yet:
# their lines are left out of the instruction and named in the case's note.
CBE_OPS = {"color": "recolor", "add object": "add", "chain two": "add", "delete object": "remove",
           "change object": "replace", "material": "restyle"}


class ExternalDataMissing(FileNotFoundError):
    """The external corpora are not where the loader looks for them."""


def _main_checkout() -> Path:
    """The main checkout when this is a ``git worktree`` (its ``.git`` is a file naming
    ``<main>/.git/worktrees/<name>``), else the repository root."""
    git = ROOT / ".git"
    if git.is_file():
        text = git.read_text().strip()
        if text.startswith("gitdir:"):
            return Path(text.split(":", 1)[1].strip()).parents[2]
    return ROOT


def data_dir() -> Path:
    """``$SCENEEDIT_EXTERNAL_DATA`` if set, else the first of ``<repo>/../shared/data/external``
    (of the main checkout, for a git worktree) and ``<repo>/shared/data/external`` that holds
    the corpora; raises ExternalDataMissing (one line: where it looked, how to point elsewhere)."""
    env = os.environ.get(ENV_VAR)
    tried = [Path(env)] if env else [_main_checkout().parent / DATA_SUBDIR, ROOT / DATA_SUBDIR]
    for d in tried:
        if (d / REFCOCOS_FILE).is_file() and (d / CBE_DIR).is_dir():
            return d
    raise ExternalDataMissing(
        f"external corpora not found under {' or '.join(map(str, tried))} (need "
        f"{REFCOCOS_FILE} and {CBE_DIR}/); set {ENV_VAR} to the folder that holds them")


@dataclass(frozen=True)
class CbeStep:
    line: str          # the instruction line, as written
    edit_type: str     # ComplexBench-Edit's edit_type
    ori_obj: str       # the referent phrase ("nothing" for additions)
    new_obj: str       # the new object ("nothing" when none)

    @property
    def op(self) -> str | None:
        if self.edit_type == "chain two" and not self.line.lower().lstrip().startswith("add"):
            return None
        return CBE_OPS.get(self.edit_type)


@dataclass(frozen=True)
class Record:
    """One source record: the wording and the annotation, as the dataset has them."""

    id: str
    source: str                          # "refcocos" or "complexbench-edit"
    raw: dict[str, Any]

    # RefCOCOS
    @property
    def expression(self) -> str:
        return str(self.raw["normal_caption"]).strip().rstrip(".").strip()

    @property
    def empty(self) -> bool:
        return bool(self.raw["categories"].get("empty_case"))

    @property
    def types(self) -> list[str]:
        return list(self.raw["categories"].get("type") or [])

    # ComplexBench-Edit
    @property
    def steps(self) -> list[CbeStep]:
        lines = [ln.strip() for ln in str(self.raw["new_ins"]).splitlines() if ln.strip()]
        pairs = self.raw["edit pair"]
        if len(lines) != len(pairs):
            raise ValueError(f"{self.id}: {len(lines)} instruction lines, {len(pairs)} edit pairs")
        return [CbeStep(ln, p["edit_type"], p["ori obj"], p["new_obj"])
                for ln, p in zip(lines, pairs)]


@lru_cache(maxsize=4)
def _records(d: Path) -> dict[str, Record]:
    out: dict[str, Record] = {}
    for i, raw in enumerate(json.loads((d / REFCOCOS_FILE).read_text())):
        out[f"rc-{i:03d}"] = Record(f"rc-{i:03d}", "refcocos", raw)
    for stem in CBE_FILES:
        for key, raw in json.loads((d / CBE_DIR / f"{stem}.json").read_text()).items():
            out[f"cbe-{stem}-{key}"] = Record(f"cbe-{stem}-{key}", "complexbench-edit", raw)
    return out


def records() -> dict[str, Record]:
    """Every source record by case id (read once per data folder)."""
    return _records(data_dir())


def rank(case_id: str, seed: str) -> str:
    return hashlib.sha256((seed + case_id).encode()).hexdigest()


def selected_ids() -> list[str]:
    """The case ids of the development corpus, by the seeded rule in the module docstring."""
    recs = sorted(records().values(), key=lambda r: rank(r.id, SELECT_SEED))
    rc = [r for r in recs if r.source == "refcocos"]
    ids = [r.id for r in rc if not r.empty][:N_REFCOCOS]
    ids += [r.id for r in rc if r.empty][:N_REFCOCOS_EMPTY]
    for stem in CBE_FILES:
        ids += [r.id for r in recs if r.id.startswith(f"cbe-{stem}-")
                and sum(s.op is not None for s in r.steps) >= 2][:N_CBE_PER_FILE]
    return ids


def main() -> None:
    """Print the selected records with their wording and annotation (to write or review specs):
    ``python -m benchmarks.external.source``."""
    recs = records()
    for cid in selected_ids():
        r = recs[cid]
        if r.source == "refcocos":
            print(cid, r.raw["width"], r.raw["height"], r.raw["solution"], ",".join(r.types),
                  "EMPTY" if r.empty else "", "|", r.expression)
        else:
            print(cid)
            for s in r.steps:
                print("   ", s.op or "--", "|", s.edit_type, "|", s.line, "|", s.ori_obj, "->",
                      s.new_obj)


if __name__ == "__main__":
    main()
