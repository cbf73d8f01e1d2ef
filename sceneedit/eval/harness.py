"""Run an ``EditFn`` over evaluation items and measure each result.

Every item yields an ``ItemResult``, also when it fails: the error is recorded and the item
counts as a failure in every rate (see ``report.summarise``); nothing is dropped.
"""
from __future__ import annotations

import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..errors import InvalidInputError
from ..plan import Plan
from ..scene.model import SceneGraph
from .dataset import EvalItem, GoldPlan
from .expected import edit_succeeded
from .learned import ClipScorer, LpipsScorer, Unavailable
from .metrics import (PROTOCOL_SIZE, mask_bbox, mask_iou, protocol_resize, psnr_outside,
                      ssim_outside)
from .pipeline import EditFn, EditOutcome, match_ids

REFERENT_IOU = 0.5  # without a gold plan: the plan's objects must cover the GT mask this well


@dataclass
class ItemResult:
    id: str
    category: str
    instruction: str
    failed: bool = False
    error: str | None = None
    edits: list[dict] | None = None
    unresolved: str | None = None
    success: bool | None = None          # result graph == expected graph (gold items only)
    problems: list[str] = field(default_factory=list)
    verified: bool | None = None         # every edit passed sceneedit.verify
    checks: list[str] = field(default_factory=list)
    referent_correct: bool | None = None
    plan_exact: bool | None = None       # the plan equals the gold plan (gold items only)
    iou: float | None = None             # footprint vs GT mask (None: empty GT mask)
    psnr: float | None = None
    ssim: float | None = None
    psnr_protocol: float | None = None
    ssim_protocol: float | None = None
    lpips_protocol: float | None = None
    clip: float | None = None
    changed_outside_footprint: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    has_gold: bool = False
    has_gt_region: bool = True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _referents(edits: list[dict]) -> set[str]:
    """The objects an instruction refers to: what each edit acts on (an add: its anchor)."""
    out: set[str] = set()
    for e in edits:
        out |= {e[k] for k in (("anchor",) if e["op"] == "add" else ("target", "other"))
                if e.get(k)}
    return out


def _canonical(edits: list[dict]) -> list[str]:
    return sorted(str(sorted(e.items())) for e in edits)


def _gold_comparison(plan: Plan, graph: SceneGraph, gold: GoldPlan) -> tuple[bool, bool]:
    """(referent correct, plan exact), the plan's ids mapped to the truth's by mask overlap."""
    to_truth = {p: t for t, p in match_ids(gold.truth, graph).items()}
    edits = [e.model_dump(by_alias=True, exclude_none=True) for e in plan.edits]
    mapped = []
    for e in edits:
        e = dict(e)
        for role in ("target", "other", "source", "anchor"):
            if e.get(role) is not None:
                e[role] = to_truth.get(e[role], f"unmatched:{e[role]}")
        mapped.append(e)
    referent = _referents(mapped) == _referents(gold.edits) and bool(gold.edits) == bool(edits)
    return referent, _canonical(mapped) == _canonical(gold.edits)


def _referent_by_mask(plan: Plan, graph: SceneGraph, gt: np.ndarray) -> bool:
    edits = [e.model_dump(by_alias=True, exclude_none=True) for e in plan.edits]
    ids = [i for i in _referents(edits) if i in graph]
    if not ids:
        return False
    union = np.logical_or.reduce([graph.mask_of(i) for i in ids])
    return (mask_iou(union, gt) or 0.0) >= REFERENT_IOU


def _verify(out: EditOutcome, after: SceneGraph, image: np.ndarray) -> tuple[bool | None, list]:
    from ..verify import verify_edit

    if out.edit_footprints is None or len(out.edit_footprints) != len(out.plan.edits):
        return None, []
    verdicts = [verify_edit(e, out.graph, after, footprint=fp, image_before=image,
                            image_after=out.image, new_masks=out.new_masks)
                for e, fp in zip(out.plan.edits, out.edit_footprints)]
    return (all(verdicts) and bool(verdicts)), [v.message for v in verdicts]


@dataclass
class Scorers:
    """The optional learned metrics and the perceiver that re-reads results."""

    perceiver: Any
    clip: ClipScorer | Unavailable | None = None
    lpips: LpipsScorer | Unavailable | None = None
    protocol_size: int = PROTOCOL_SIZE


def _preservation(r: ItemResult, image: np.ndarray, edited: np.ndarray, gt: np.ndarray,
                  s: Scorers, clip_text: str | None) -> None:
    r.psnr, r.ssim = psnr_outside(image, edited, gt), ssim_outside(image, edited, gt)
    small, small_gt = protocol_resize(image, gt, s.protocol_size)
    small_edit, _ = protocol_resize(edited, None, s.protocol_size)
    r.psnr_protocol = psnr_outside(small, small_edit, small_gt)
    r.ssim_protocol = ssim_outside(small, small_edit, small_gt)
    if isinstance(s.lpips, LpipsScorer):
        r.lpips_protocol = s.lpips.distance(small, small_edit, small_gt)
    box = mask_bbox(small_gt)
    if isinstance(s.clip, ClipScorer) and clip_text and box is not None:
        x0, y0, x1, y1 = box
        r.clip = s.clip.score(small_edit[y0:y1, x0:x1], clip_text)


def evaluate_item(item: EvalItem, edit: EditFn, s: Scorers) -> ItemResult:
    r = ItemResult(item.id, item.category, item.instruction)
    # Known before anything can fail, so that a failed item still counts in the gold rates.
    r.has_gold = item.gold is not None or item.gold_loader is not None
    try:
        image = item.load_image()
        gt = item.load_mask(image.shape[:2])
        gold = item.load_gold()
        r.has_gt_region = bool(gt.any())
        out = edit(image, item.instruction, gold)
        r.seconds.update(out.stage_seconds)
        if out.image.shape != image.shape:
            raise InvalidInputError(f"the edited image is {out.image.shape}, the input "
                                    f"{image.shape}")
        r.edits = [e.model_dump(by_alias=True, exclude_none=True) for e in out.plan.edits]
        r.unresolved = out.plan.unresolved
        t = time.perf_counter()
        after = s.perceiver.perceive(out.image)
        r.seconds["verify"] = time.perf_counter() - t
        t = time.perf_counter()
        r.verified, r.checks = _verify(out, after, image)
        if gold is not None:
            match = edit_succeeded(gold.truth, gold.edits, after)
            r.success, r.problems = match.ok, match.problems
            r.referent_correct, r.plan_exact = _gold_comparison(out.plan, out.graph, gold)
        else:
            r.referent_correct = _referent_by_mask(out.plan, out.graph, gt)
        r.iou = mask_iou(out.footprint, gt) if r.has_gt_region else None
        r.changed_outside_footprint = int(((out.image != image).any(axis=2)
                                           & ~out.footprint).sum())
        _preservation(r, image, out.image, gt, s, item.clip_text)
        r.seconds["metrics"] = time.perf_counter() - t
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, never dropped
        r.failed, r.error = True, f"{type(exc).__name__}: {exc}"
        r.success = False if r.has_gold else None
        r.referent_correct, r.verified = False, False
        r.iou = 0.0 if r.has_gt_region else None
    return r


@dataclass
class EvalReport:
    meta: dict[str, Any]
    items: list[ItemResult]
    summary: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"format": "sceneedit.eval/1", "meta": self.meta, "summary": self.summary,
                "items": [i.as_dict() for i in self.items]}


def run_eval(items: Sequence[EvalItem], edit: EditFn, scorers: Scorers, *,
             meta: dict[str, Any] | None = None,
             progress: Callable[[int, int, ItemResult], None] | None = None) -> EvalReport:
    from .report import summarise

    t0 = time.perf_counter()
    results = []
    for i, item in enumerate(items):
        results.append(evaluate_item(item, edit, scorers))
        if progress is not None:
            progress(i + 1, len(items), results[-1])
    meta = dict(meta or {})
    meta.update({
        "pipeline": getattr(edit, "name", type(edit).__name__), "n_items": len(results),
        "protocol_size": scorers.protocol_size, "wall_seconds": time.perf_counter() - t0,
        # ru_maxrss is in KiB on Linux: the process's peak resident memory so far.
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "unavailable": [m.as_dict() for m in (scorers.clip, scorers.lpips)
                        if isinstance(m, Unavailable)],
    })
    return EvalReport(meta, results, summarise(results))
