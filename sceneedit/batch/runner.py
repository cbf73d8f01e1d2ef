"""``run_batch``: read a dataset, skip what is already done, run the rest on Ray or in a loop,
write every result as it arrives, and keep ``summary.json`` current."""
from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .dataset import read_dataset
from .executors import RunInfo, run_loop, run_ray
from .items import BatchSettings, assign_key
from .pipeline import lost_payload
from .records import OutputStore

SUMMARY_FORMAT = "sceneedit.batch-summary/1"
SUMMARY_EVERY_SECONDS = 2.0
STAGES = ("load", "perceive", "plan", "render")

ProgressFn = Callable[[str], None]


@dataclass
class _Tally:
    total: int
    started: float = field(default_factory=time.perf_counter)
    counts: Counter = field(default_factory=Counter)

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def rate(self) -> float:
        elapsed = time.perf_counter() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def line(self, record: dict[str, Any]) -> str:
        what = record["status"]
        if record.get("error"):
            what += f" at {record['stage']}: {record['error']['class']}"
        return (f"[{self.done}/{self.total}] ok {self.counts['ok']} failed "
                f"{self.counts['failed']} unresolved {self.counts['unresolved']}  "
                f"{self.rate():.2f} items/s  {record['id']}: {what}")


def summarize(dataset: str, settings: BatchSettings, keys: list[str],
              records: dict[str, dict[str, Any]], run: dict[str, Any]) -> dict[str, Any]:
    """The summary of the dataset's current state (the latest record of each of its items)."""
    mine = [records[k] for k in keys if k in records]
    status = Counter(r["status"] for r in mine)
    status["pending"] = len(keys) - len(mine)
    failures = sorted(({"id": r["id"], "stage": r["stage"], "class": r["error"]["class"],
                        "message": r["error"]["message"], "image": r.get("image", "")}
                       for r in mine if r["status"] == "failed"), key=lambda f: f["id"])
    medians = {}
    for stage in STAGES:
        values = [r["seconds"][stage] for r in mine if stage in (r.get("seconds") or {})]
        if values:
            medians[stage] = round(statistics.median(values), 4)
    return {"format": SUMMARY_FORMAT, "dataset": dataset, "settings": settings.to_dict(),
            "items": len(keys), "status": {s: status.get(s, 0) for s in
                                           ("ok", "unresolved", "failed", "pending")},
            "failures": failures,
            "failures_by_class": dict(Counter(f["class"] for f in failures).most_common()),
            "stage_seconds_median": medians, "this_run": run}


def run_batch(dataset: str | Path, out: str | Path, *, settings: BatchSettings | None = None,
              use_ray: bool = True, address: str | None = None, workers: int | None = None,
              limit: int | None = None, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Edit every item of ``dataset`` into ``out``; return the summary (also in summary.json)."""
    settings = settings or BatchSettings()
    items = [assign_key(item, settings) for item in read_dataset(dataset, limit)]
    store = OutputStore(out)
    finished = store.finished()
    todo = [item for item in items if item.key not in finished]
    keys = [item.key for item in items]
    tally = _Tally(len(todo))
    run: dict[str, Any] = {"executor": "ray" if use_ray else "loop", "processed": 0,
                           "skipped": len(items) - len(todo)}
    records = store.latest_records()
    last_summary = [0.0]

    def write_summary(force: bool = False) -> dict[str, Any]:
        now = time.perf_counter()
        summary = summarize(str(dataset), settings, keys, records, run)
        if force or now - last_summary[0] >= SUMMARY_EVERY_SECONDS:
            store.write_summary(summary)
            last_summary[0] = now
        return summary

    seen: set[str] = set()

    def on_result(payload: dict[str, Any], png: bytes) -> None:
        seen.add(payload["key"])
        record = store.write(payload, png)
        records[record["key"]] = record
        tally.counts[record["status"]] += 1
        run["processed"] = tally.done
        if progress is not None:
            progress(tally.line(record))
        write_summary()

    write_summary(force=True)
    t0 = time.perf_counter()
    if not todo:  # everything is done: no need to start Ray
        info = RunInfo("ray" if use_ray else "loop", 0)
    elif use_ray:
        info = run_ray(todo, settings, on_result, address=address, workers=workers)
    else:
        info = run_loop(todo, settings, on_result)
    for item in todo:
        if item.key not in seen:
            on_result(lost_payload(item, "no result came back for this item: its worker "
                                   "process died or Ray gave up on its task (see Ray's logs)"),
                      b"")
    wall = time.perf_counter() - t0
    run.update(workers=info.workers, gpus=info.gpus, wall_seconds=round(wall, 3),
               startup_seconds=round(info.startup_seconds, 3),
               items_per_second=round(tally.done / wall, 3) if wall > 0 and tally.done else 0.0,
               **{s: tally.counts.get(s, 0) for s in ("ok", "unresolved", "failed")})
    return write_summary(force=True)


def format_summary(summary: dict[str, Any]) -> str:
    """The final table the CLI prints: totals, this run's throughput, every failure."""
    run, status = summary["this_run"], summary["status"]
    lines = [f"{'items':<12}{summary['items']:>8}"]
    lines += [f"{name:<12}{status[name]:>8}" for name in ("ok", "unresolved", "failed",
                                                           "pending")]
    lines.append(f"{'this run':<12}{run['processed']:>8} processed, {run['skipped']} skipped "
                 f"(already done), {run['executor']} x{run.get('workers', 1)}, "
                 f"{run.get('wall_seconds', 0):.1f} s, {run.get('items_per_second', 0):.2f} "
                 f"items/s" + (f", {run['startup_seconds']:.1f} s of it Ray start-up"
                               if run.get("startup_seconds") else ""))
    medians = summary["stage_seconds_median"]
    if medians:
        lines.append("median s    " + "  ".join(f"{k} {v:.3f}" for k, v in medians.items()))
    if summary["failures"]:
        lines.append("")
        lines.append(f"{'failed item':<24} {'stage':<9} {'error':<20} message")
        for f in summary["failures"]:
            message = f["message"].splitlines()[0] if f["message"] else ""
            lines.append(f"{f['id']:<24} {f['stage']:<9} {f['class']:<20} {message}")
    return "\n".join(lines)
