"""``resize``: the target is scaled, its bottom edge staying where it stands."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import field_validator

from .builder import Builder
from .checks import Check, Verdict, at_new_place
from .expect import Expectations
from .registry import EditBase, Lexicon, op

# Resize factors outside this range are refused: below it objects vanish into a few pixels,
# above it a single object dominates the frame and the edit is better expressed as a replace.
SCALE_RANGE = (0.25, 3.0)
RESIZE_TOLERANCE = 0.35    # relative error allowed on the area ratio (masks are resampled)


def _compile(b: Builder, e: "ResizeEdit", seed: int) -> list:
    m = b.mask(e.target)
    x0, y0, x1, y1 = b.graph.get(e.target).box
    w, h = (x1 - x0) * e.scale, (y1 - y0) * e.scale
    cx = (x0 + x1) / 2  # the bottom edge stays put: objects keep standing where they stood
    W = b.graph.image.width
    new_box = [max(0.0, cx - w / 2), max(0.0, y1 - h), min(float(W), cx + w / 2), float(y1)]
    return [m, b.relocate(e.target, m, new_box, seed)]


def _verify(e: "ResizeEdit", c: Check) -> Verdict:
    hit, failed = at_new_place(e.target, c)
    if failed:
        return failed
    ratio = c.after.mask_of(hit.id).sum() / max(c.before.mask_of(e.target).sum(), 1)
    ok = abs(ratio / e.scale ** 2 - 1) <= RESIZE_TOLERANCE
    return Verdict(ok, f"area ratio {ratio:.2f}, wanted {e.scale ** 2:.2f}")


def _expect(x: Expectations, e: dict, k: int) -> None:
    t = x.objects[e["target"]]
    t.mode, t.scale, t.why = "resized", e["scale"], f"x{e['scale']}"


@op("resize", compile=_compile, verify=_verify, expect=_expect,
    examples=({"op": "resize", "target": "o3", "scale": 1.5},),
    order=60, copyable=True,
    lexicon=Lexicon(
        verbs=("resize", "enlarge", "shrink", "scale", "double", "halve"),
        patterns=(r"\b(resize|enlarge|shrink|twice|double|half|size|scale)\b",
                  r"\d+(\.\d+)? times\b", r"\b(bigger|smaller|larger)\W*$"),
        clause_verbs=("resize",),
        lead_verbs=("resize",),
        unless=r"\b(move|put|place)\b"))   # "move it to the left half" is not a resize
class ResizeEdit(EditBase):
    """Scale the target by `scale` (its bottom edge stays where it stands)."""
    op: Literal["resize"] = "resize"
    target: str
    scale: float
    id_fields: ClassVar[tuple[str, ...]] = ("target",)

    @field_validator("scale")
    @classmethod
    def _scale(cls, v: float) -> float:
        lo, hi = SCALE_RANGE
        if not lo <= v <= hi:
            raise ValueError(f"scale {v} is out of range; valid range is {lo}..{hi}")
        if v == 1.0:
            raise ValueError(f"scale 1.0 changes nothing; valid range is {lo}..{hi}, not 1.0")
        return v
