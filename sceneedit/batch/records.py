"""The output folder of a batch: per-item results, the record log, and the summary.

Layout::

    OUT/records.jsonl            one record per finished item attempt, appended as items finish
    OUT/summary.json             totals, failures and timings, rewritten atomically as we go
    OUT/items/<id>/edited.png    the edited image (ok items)
    OUT/items/<id>/plan.json     the plan with its scene graph embedded (renderable anywhere)
    OUT/items/<id>/record.json   the item's latest record

Every file is written atomically; the record is written last, so a record never points at a
missing output. ``records.jsonl`` is append-only: a line torn by a crash is ignored on reading,
and the latest record of a key wins. Resuming skips keys whose latest record is ``ok`` or
``unresolved`` (a finished answer) and retries ``failed`` ones.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError
from ..io import write_bytes_atomic, write_text_atomic
from ..outputs import check_output_folder
from .items import RECORD_FORMAT

RECORDS_NAME = "records.jsonl"
SUMMARY_NAME = "summary.json"
FINISHED = ("ok", "unresolved")

# The payload fields a record keeps (the rest are intermediate: texts, graphs).
_RECORD_FIELDS = ("id", "index", "key", "image", "instruction", "status", "stage", "error",
                  "plan_origin", "plan_source", "graph_source", "unresolved", "edits", "bricks",
                  "output_sha256", "footprint_px", "changed_px", "changed_outside_footprint",
                  "seconds")


def record_from_payload(payload: dict[str, Any]) -> dict[str, Any]:
    record = {"format": RECORD_FORMAT}
    record.update({k: payload[k] for k in _RECORD_FIELDS if payload.get(k) is not None})
    record["error"] = payload.get("error")
    return record


def _well_formed(record: Any) -> bool:
    """A record this version can use (a hand-edited or foreign line is skipped: its item is
    redone, never trusted or crashed on)."""
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        return False
    if not all(isinstance(record.get(k), str) for k in ("key", "id", "status")) \
            or not isinstance(record.get("seconds", {}), dict):
        return False
    if record["status"] == "failed":
        error = record.get("error")
        return isinstance(error, dict) and all(isinstance(error.get(k), str)
                                               for k in ("class", "message")) \
            and isinstance(record.get("stage"), str)
    return record["status"] in FINISHED


class OutputStore:
    def __init__(self, root: str | Path):
        self.root = check_output_folder(root, "batch output folder")
        self.records_path = self.root / RECORDS_NAME
        if self.records_path.is_dir():
            raise InvalidInputError(f"{self.records_path} is a folder: the batch output folder "
                                    f"{self.root} is not a batch's (give another -o)")
        self.root.mkdir(parents=True, exist_ok=True)
        self._end_torn_line()

    def _end_torn_line(self) -> None:
        """Terminate a last line a crash left unfinished, so the next record starts clean."""
        if self.records_path.is_file() and self.records_path.stat().st_size:
            with open(self.records_path, "rb+") as fh:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")

    def item_dir(self, item_id: str) -> Path:
        return self.root / "items" / item_id

    def latest_records(self) -> dict[str, dict[str, Any]]:
        """The latest record of every key in the log (torn or foreign lines are skipped)."""
        latest: dict[str, dict[str, Any]] = {}
        if not self.records_path.is_file():
            return latest
        with open(self.records_path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    record = json.loads(line)
                except (json.JSONDecodeError, RecursionError):
                    continue
                if _well_formed(record):
                    latest[record["key"]] = record
        return latest

    def finished(self) -> dict[str, dict[str, Any]]:
        """Records of keys that need no more work: finished, with their outputs in place."""
        done = {}
        for key, record in self.latest_records().items():
            outputs = record.get("outputs") or {}
            if not isinstance(outputs, dict) or not all(isinstance(p, str)
                                                        for p in outputs.values()):
                continue  # a hand-edited record: redo the item rather than trust it
            if record["status"] in FINISHED and all((self.root / p).is_file()
                                                    for p in outputs.values()):
                done[key] = record
        return done

    def write(self, payload: dict[str, Any], png: bytes) -> dict[str, Any]:
        """Store one finished item's outputs and append its record; return the record."""
        record = record_from_payload(payload)
        folder = self.item_dir(record["id"])
        rel = folder.relative_to(self.root)
        outputs = {}
        if payload.get("plan"):
            write_text_atomic(folder / "plan.json",
                              json.dumps(json.loads(payload["plan"]), indent=2) + "\n")
            outputs["plan"] = str(rel / "plan.json")
        edited = folder / "edited.png"
        if record["status"] == "ok":
            write_bytes_atomic(edited, png)
            outputs["image"] = str(rel / "edited.png")
        else:
            edited.unlink(missing_ok=True)  # a stale result of an earlier input would mislead
        outputs["record"] = str(rel / "record.json")
        record["outputs"] = outputs
        text = json.dumps(record, sort_keys=True)
        write_text_atomic(folder / "record.json", json.dumps(record, indent=2, sort_keys=True)
                          + "\n")
        with open(self.records_path, "a", encoding="utf-8") as fh:
            fh.write(text + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return record

    def write_summary(self, summary: dict[str, Any]) -> None:
        write_text_atomic(self.root / SUMMARY_NAME, json.dumps(summary, indent=2) + "\n")
