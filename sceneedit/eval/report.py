"""Aggregate item results, print the table, write the JSON.

Counting rules (a failed item is never dropped):
- rates (edit success, verified, referent accuracy) are over all items the rate applies to;
  a failed item counts as a miss;
- IoU is averaged over items with a non-empty GT mask; a failed item counts as 0;
- preservation (PSNR, SSIM, LPIPS) and CLIP exist only for items that produced an image: they
  are averaged over those, and the table says over how many of the N items;
- an infinite PSNR (no pixel changed outside the mask) enters means as ``PSNR_CAP_DB``.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..io import write_text_atomic
from .harness import EvalReport, ItemResult
from .metrics import PSNR_CAP_DB, capped_psnr

STAGES = ("perceive", "plan", "render", "verify", "metrics")


def _rate(flags: list[bool | None]) -> dict[str, Any] | None:
    known = [f for f in flags if f is not None]
    if not known:
        return None
    return {"rate": sum(known) / len(known), "n": len(known), "hits": int(sum(known))}


def _mean(values: list[float | None], n_total: int) -> dict[str, Any] | None:
    known = [v for v in values if v is not None]
    if not known:
        return None
    return {"mean": float(np.mean(known)), "median": float(np.median(known)), "n": len(known),
            "of": n_total}


def _group(results: Sequence[ItemResult]) -> dict[str, Any]:
    n = len(results)
    done = [r for r in results if not r.failed]
    psnr = [capped_psnr(r.psnr) for r in done]
    return {
        "n": n, "failed": sum(r.failed for r in results),
        "success": _rate([r.success for r in results]),
        "verified": _rate([r.verified for r in results]),
        "referent": _rate([r.referent_correct for r in results]),
        "plan_exact": _rate([r.plan_exact if r.has_gold else None for r in results]),
        "iou": _mean([(0.0 if r.failed else r.iou) if r.has_gt_region else None
                      for r in results], n),
        "psnr": _mean(psnr, n), "ssim": _mean([r.ssim for r in done], n),
        "psnr_protocol": _mean([capped_psnr(r.psnr_protocol) for r in done], n),
        "ssim_protocol": _mean([r.ssim_protocol for r in done], n),
        "lpips_protocol": _mean([r.lpips_protocol for r in done], n),
        "clip": _mean([r.clip for r in done], n),
        "identical_outside_mask": sum(r.psnr == math.inf for r in done),
        "changed_outside_footprint": sum((r.changed_outside_footprint or 0) > 0 for r in done),
        "unresolved": sum(bool(r.unresolved) for r in done),
    }


def _latency(results: Sequence[ItemResult]) -> dict[str, Any]:
    out = {}
    for stage in (*STAGES, "total"):
        vals = [sum(r.seconds.values()) if stage == "total" else r.seconds[stage]
                for r in results if (stage == "total" and r.seconds) or stage in r.seconds]
        if vals:
            out[stage] = {"median": float(np.median(vals)),
                          "p90": float(np.percentile(vals, 90)), "n": len(vals)}
    return out


def summarise(results: Sequence[ItemResult]) -> dict[str, Any]:
    categories = sorted({r.category for r in results if r.category})
    return {
        "all": _group(results),
        "by_category": {c: _group([r for r in results if r.category == c]) for c in categories},
        "latency_seconds": _latency(results),
        "failures": [{"id": r.id, "error": r.error} for r in results if r.failed],
    }


# ---- the table -----------------------------------------------------------------------------
def _pct(x: dict | None) -> str:
    return "-" if x is None else f"{100 * x['rate']:.0f}%"


def _num(x: dict | None, fmt: str) -> str:
    return "-" if x is None else format(x["mean"], fmt)


_COLUMNS = (("n", 5), ("fail", 5), ("success", 8), ("verified", 9), ("referent", 9),
            ("IoU", 7), ("PSNR", 7), ("SSIM", 8), ("PSNR@P", 8), ("SSIM@P", 8), ("LPIPS", 7),
            ("CLIP", 7))


def _row(name: str, g: dict[str, Any]) -> str:
    cells = (str(g["n"]), str(g["failed"]), _pct(g["success"]), _pct(g["verified"]),
             _pct(g["referent"]), _num(g["iou"], ".3f"), _num(g["psnr"], ".1f"),
             _num(g["ssim"], ".4f"), _num(g["psnr_protocol"], ".1f"),
             _num(g["ssim_protocol"], ".4f"), _num(g["lpips_protocol"], ".3f"),
             _num(g["clip"], ".1f"))
    return f"{name:<12}" + "".join(f"{c:>{w}}" for c, (_, w) in zip(cells, _COLUMNS))


def format_table(report: EvalReport, max_failures: int = 20) -> str:
    m, s = report.meta, report.summary
    a = s["all"]
    size = m.get("protocol_size")
    lines = [f"sceneedit eval: {m.get('dataset', '?')} ({m.get('layout', '?')}), "
             f"{m['n_items']} items; planning: {m.get('planning', m.get('pipeline'))}",
             f"wall {m['wall_seconds']:.1f} s, peak memory {m['peak_rss_mib']:.0f} MiB; "
             f"@P = the {size}x{size} protocol; PSNR means cap inf at {PSNR_CAP_DB:.0f} dB", "",
             f"{'category':<12}" + "".join(f"{h:>{w}}" for h, w in _COLUMNS)]
    for name, g in s["by_category"].items():
        lines.append(_row(name, g))
    lines.append(_row("ALL", a))
    done = a["n"] - a["failed"]
    lines += ["", f"rates count failed items as misses; PSNR/SSIM/LPIPS/CLIP are over the "
              f"{done} of {a['n']} items that produced an image; {a['identical_outside_mask']}"
              f" of them unchanged outside the GT mask; {a['changed_outside_footprint']} changed "
              f"pixels outside their own footprint; {a['unresolved']} unresolved plans"]
    if a["plan_exact"] is not None:
        lines.append(f"plan equal to the gold plan: {_pct(a['plan_exact'])} "
                     f"({a['plan_exact']['hits']}/{a['plan_exact']['n']})")
    for u in m.get("unavailable", []):
        lines.append(f"{u['metric'].upper()} unavailable: {u['reason']}")
    lines += ["", f"{'stage':<12}{'median s':>10}{'p90 s':>10}{'n':>6}"]
    for stage, v in s["latency_seconds"].items():
        lines.append(f"{stage:<12}{v['median']:>10.3f}{v['p90']:>10.3f}{v['n']:>6}")
    fails = s["failures"]
    lines += ["", f"failures: {len(fails)}"]
    lines += [f"  {f['id']}: {f['error']}" for f in fails[:max_failures]]
    if len(fails) > max_failures:
        lines.append(f"  ... and {len(fails) - max_failures} more (all listed in the JSON)")
    unsuccessful = [r for r in report.items if r.success is False and not r.failed]
    if unsuccessful:
        lines += ["", f"edits that ran but did not give the expected graph: {len(unsuccessful)}"]
        lines += [f"  {r.id}: {'; '.join(r.problems[:3])}" for r in unsuccessful[:max_failures]]
    return "\n".join(lines)


def _jsonable(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return "inf" if x > 0 else ("-inf" if x < 0 else "nan")
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


def save_json(report: EvalReport, path: str | Path) -> None:
    """Strict JSON (an infinite PSNR is written as the string "inf"), written atomically."""
    write_text_atomic(path, json.dumps(_jsonable(report.as_dict()), indent=1,
                                       allow_nan=False) + "\n")
