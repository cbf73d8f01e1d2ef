"""What one batch item is, the settings a batch runs with, and the content key that makes a
batch resumable: the same item id, image bytes, instruction, plan and settings give the same
key, so a re-run skips an item whose result is already recorded and redoes one whose input
changed. The id is part of the key: items that differ only by id are different items, each
with its own outputs (``items/<id>/``)."""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RECORD_FORMAT = "sceneedit.batch-record/1"
# Bumped when the pipeline's output for the same inputs can change: old records then miss.
PIPELINE_VERSION = 1

_SAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class BatchSettings:
    """Everything besides the item that decides its result (part of every item's key)."""

    seed: int = 0
    inpaint: str = "auto"
    perceiver: str = "classical"
    llm: str | None = None           # planner model for items without a plan (None: default)
    llm_threads: int = 1             # per worker: parallelism comes from the workers
    max_repairs: int = 2

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BatchSettings":
        return cls(**data)

    def fingerprint(self, needs_llm: bool) -> str:
        """The settings that matter for an item; the model only for items the LLM plans."""
        data = {"pipeline": PIPELINE_VERSION, "seed": self.seed, "inpaint": self.inpaint,
                "perceiver": self.perceiver}
        if needs_llm:
            # threads too: llama.cpp's sums can round differently with another thread count
            data.update(llm=_llm_identity(self.llm), max_repairs=self.max_repairs,
                        llm_threads=self.llm_threads)
        return json.dumps(data, sort_keys=True)


def _llm_identity(spec: str | None) -> str:
    """A cheap identity for the planner model: a file's path, size and mtime (hashing a 1 GB
    model per run would cost more than the batch), else the spec as written."""
    spec = spec if spec is not None else os.environ.get("SCENEEDIT_LLM") or "auto"
    p = Path(spec)
    if p.suffix == ".gguf" and p.is_file():
        st = p.stat()
        return f"{p.resolve()}:{st.st_size}:{st.st_mtime_ns}"
    return spec


@dataclass
class BatchItem:
    """One image + instruction (+ optional plan), as read from a dataset.

    ``problem`` is set when the dataset entry itself is unusable (malformed line, missing plan
    file): the item still flows through the batch and is recorded as failed, never dropped.
    """

    index: int
    id: str
    image: str                       # path
    instruction: str
    plan_text: str | None = None     # the plan document's JSON text, when the item has one
    plan_origin: str | None = None   # "inline" or the plan file's path
    problem: dict[str, str] | None = None   # {"class": ..., "message": ...}
    key: str = field(default="")     # set by ``assign_key``
    image_sha256: str | None = None  # the image file's bytes when keyed (None: unreadable)

    @property
    def needs_llm(self) -> bool:
        return self.plan_text is None and self.problem is None


def safe_id(text: str) -> str:
    """An id usable as a folder name (outputs live in ``items/<id>/``)."""
    cleaned = _SAFE_ID.sub("_", text).strip("._")
    return cleaned[:120] or "item"


def file_digest(path: str | Path) -> str | None:
    """sha256 of a file's bytes, or None when it cannot be read."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def assign_key(item: BatchItem, settings: BatchSettings) -> BatchItem:
    """Set the item's key: a hash of its id and the image bytes, instruction, plan and
    settings."""
    digest = item.image_sha256 = file_digest(item.image) if item.image else None
    h = hashlib.sha256()
    for part in (f"id:{item.id}", f"image:{digest}" if digest else f"unreadable:{item.image}",
                 f"instruction:{item.instruction}", f"plan:{item.plan_text}",
                 f"problem:{json.dumps(item.problem, sort_keys=True)}",
                 f"settings:{settings.fingerprint(item.needs_llm)}"):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    item.key = h.hexdigest()[:32]
    return item
