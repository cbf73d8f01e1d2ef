"""Did the rendered plan do what it meant, and nothing else?

Three kinds of check, all on re-perceived evidence:
- ``edit``: each edit's intended effect (``sceneedit.verify.verify_edit``): a removed object is
  no longer detected at its place, a recoloured one has the requested colour, a replaced or
  added object is detected where the workflow put it, a moved one stands where it was sent;
- ``preservation``: no pixel outside the plan's footprint differs from the input;
- ``unchanged``: every object no edit changes is still detected at its place with the same label
  and colour.

A failed verification is turned into feedback for one re-plan (``as_feedback``).
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..masks import iou
from ..plan import Plan, _Edit
from ..scene.model import SceneGraph
from ..verify import verify_edit

# Ids an edit reads without changing them: a replace's ``source`` is copied, an ``anchor`` only
# says where something goes. Every other id field names an object the edit changes.
READ_ONLY_FIELDS = ("source", "anchor")
# An unchanged object must overlap its old mask this much (re-perception jitter stays above).
UNCHANGED_MIN_IOU = 0.8


@dataclass(frozen=True)
class Check:
    kind: str            # "edit" | "preservation" | "unchanged" | "render"
    ok: bool
    message: str
    edit: int | None = None   # index into plan.edits for kind "edit"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "ok": self.ok, "message": self.message, "edit": self.edit}


@dataclass
class Verification:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [c.to_dict() for c in self.checks]}

    def __str__(self) -> str:
        head = "verified" if self.ok else f"NOT verified ({len(self.failures)} failed check(s))"
        return "\n".join([head] + [f"  [{'ok' if c.ok else 'FAIL'}] {c.kind}"
                                   f"{'' if c.edit is None else f' {c.edit + 1}'}: {c.message}"
                                   for c in self.checks])

    def _repr_html_(self) -> str:
        rows = "".join(f"<li style='color:{'#1a7f37' if c.ok else '#cf222e'}'>"
                       f"{'ok' if c.ok else 'FAIL'} {html.escape(c.kind)}: "
                       f"{html.escape(c.message)}</li>" for c in self.checks)
        return f"<ul>{rows}</ul>"

    def as_feedback(self, plan: Plan) -> str:
        """What a re-plan should know: which edits did not take effect and why."""
        lines = ["The previous plan was carried out but verification of the result failed:"]
        for c in self.failures:
            if c.kind == "edit" and c.edit is not None:
                lines.append(f"- edit {c.edit + 1} ({describe_edit(plan.edits[c.edit])}) did not "
                             f"take effect: {c.message}.")
            else:
                lines.append(f"- {c.kind}: {c.message}.")
        lines.append("Keep the edits that worked. For each failed edit use a different op or "
                     "value that still carries out the instruction.")
        return "\n".join(lines)


def describe_edit(edit: _Edit) -> str:
    fields = {k: v for k, v in edit.model_dump(by_alias=True).items() if k != "op"}
    return f"{edit.op} " + " ".join(f"{k}={v}" for k, v in fields.items())


def changed_ids(plan: Plan) -> set[str]:
    """Objects the plan changes (targets, swap partners), as opposed to those it only reads."""
    return {oid for e in plan.edits for f, oid in e.object_ids().items()
            if f not in READ_ONLY_FIELDS}


def render_failure(message: str) -> Verification:
    """The verdict for a plan whose workflow failed to run."""
    return Verification([Check("render", False, message)])


def _still_there(before: SceneGraph, after: SceneGraph, oid: str) -> Check:
    old = before.get(oid)
    m = before.mask_of(oid)
    best = max(after.objects, key=lambda o: iou(after.mask_of(o.id), m), default=None)
    score = iou(after.mask_of(best.id), m) if best is not None else 0.0
    ok = best is not None and score >= UNCHANGED_MIN_IOU and best.label == old.label and \
        best.color == old.color
    found = "nothing" if best is None or score < UNCHANGED_MIN_IOU else \
        f"{best.label} ({best.color}), mask IoU {score:.2f}"
    return Check("unchanged", ok, f"{oid} {old.label} ({old.color}): {found}")


def read_text(image: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The text in ``image`` by OCR (``perception.ocr``; loaded only when an op reads text)."""
    from ..perception.ocr import TextReader

    if not _READER:
        _READER.append(TextReader())
    h, w = image.shape[:2]
    return [(r.text, r.mask(h, w)) for r in _READER[0].read(image)]


_READER: list[Any] = []   # the OCR reader, created on first use


def verify_render(plan: Plan, before: SceneGraph, after: SceneGraph, *,
                  image_before: np.ndarray, image_after: np.ndarray,
                  outputs: dict[str, Any]) -> Verification:
    """Check a rendered plan. ``after`` is the re-perceived graph of ``image_after``;
    ``outputs`` the workflow's outputs (``footprint``, ``footprint_<i>``, ``mask_<id>``)."""
    h, w = image_before.shape[:2]
    footprint = outputs.get("footprint")
    if footprint is None:
        footprint = np.zeros((h, w), bool)
    new_masks = {k[5:]: v for k, v in outputs.items() if k.startswith("mask_")}
    checks = []
    for i, edit in enumerate(plan.edits):
        verdict = verify_edit(edit, before, after, footprint=outputs[f"footprint_{i}"],
                              image_before=image_before, image_after=image_after,
                              new_masks=new_masks, read_text=read_text)
        checks.append(Check("edit", verdict.ok, verdict.message, i))
    outside = int(((image_after != image_before).any(axis=2) & ~footprint).sum())
    checks.append(Check("preservation", outside == 0,
                        f"{outside} pixels changed outside the {int(footprint.sum())}-pixel "
                        "footprint"))
    changed = changed_ids(plan)
    checks += [_still_there(before, after, o.id) for o in before.objects if o.id not in changed]
    return Verification(checks)
